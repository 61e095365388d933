/**
 * Generic planning steps shared by resources: fill schema defaults where the config is null, and
 * mark computed values unknown on create. Walks nested blocks (config and proposed have the same
 * block structure, Terraform guarantees it).
 */
import type { BlockSchema } from "./schema.js";
import { Unknown, type ObjectValue, type Value } from "./values.js";

export function fillDefaults(block: BlockSchema, proposed: ObjectValue, config: ObjectValue | null): ObjectValue {
  const out: ObjectValue = { ...proposed };
  for (const [name, attr] of Object.entries(block.attributes)) {
    if (attr.default !== undefined && (config?.[name] ?? null) === null) out[name] = structuredClone(attr.default);
  }
  forEachBlock(block, out, config, (nb, p, c) => fillDefaults(nb, p, c));
  return out;
}

/**
 * A stored state with the schema's defaults for the nested blocks' attributes it lacks
 * (UpgradeResourceState): a setting added to a block later (e.g. migration.tls) is absent from
 * states written before, and would otherwise show as a change from null to its default in the next
 * plan of an unchanged VM. Only nested blocks (settings such as the migration policy): a top-level
 * attribute missing from a state (memory_mib of a hand-made state) is a fact about the VM, which is
 * read from the host, never assumed.
 */
export function withSchemaDefaults(block: BlockSchema, state: ObjectValue): ObjectValue {
  const out: ObjectValue = { ...state };
  forEachBlock(block, out, state, (nb, p, c) => fillDefaults(nb, p, c));
  return out;
}

/** Computed attributes the config leaves null, without a default, become Unknown (create). */
export function unknownComputed(block: BlockSchema, planned: ObjectValue, config: ObjectValue | null): ObjectValue {
  const out: ObjectValue = { ...planned };
  for (const [name, attr] of Object.entries(block.attributes)) {
    if (attr.computed && attr.default === undefined && (config?.[name] ?? null) === null) out[name] = Unknown;
  }
  forEachBlock(block, out, config, (nb, p, c) => unknownComputed(nb, p, c));
  return out;
}

function forEachBlock(
  block: BlockSchema,
  out: ObjectValue,
  config: ObjectValue | null,
  fn: (b: BlockSchema, planned: ObjectValue, config: ObjectValue | null) => ObjectValue,
): void {
  for (const [name, nb] of Object.entries(block.blocks ?? {})) {
    const p = out[name];
    const c = (config?.[name] ?? null) as Value;
    if (p === null || p === Unknown || p === undefined) continue;
    if (nb.nesting === "single") out[name] = fn(nb.block, p as ObjectValue, c as ObjectValue | null);
    else out[name] = (p as ObjectValue[]).map((item, i) => fn(nb.block, item, Array.isArray(c) ? ((c[i] ?? null) as ObjectValue | null) : null));
  }
}
