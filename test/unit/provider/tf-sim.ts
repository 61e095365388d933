/**
 * Test helpers that imitate what Terraform core sends: a full config object (every attribute,
 * null when absent) and objchange.ProposedNew (config, with computed attributes the config
 * leaves null taken from prior).
 */
import type { BlockSchema } from "../../../provider/framework/schema.js";
import type { ObjectValue, Value } from "../../../provider/framework/values.js";

export function fullConfig(block: BlockSchema, partial: Record<string, unknown>): ObjectValue {
  const out: ObjectValue = {};
  for (const name of Object.keys(block.attributes)) out[name] = (partial[name] ?? null) as Value;
  for (const [name, nb] of Object.entries(block.blocks ?? {})) {
    const v = partial[name];
    if (nb.nesting === "single") out[name] = v ? fullConfig(nb.block, v as Record<string, unknown>) : null;
    else out[name] = ((v ?? []) as Record<string, unknown>[]).map((x) => fullConfig(nb.block, x));
  }
  return out;
}

export function proposedNew(block: BlockSchema, prior: ObjectValue | null, config: ObjectValue): ObjectValue {
  const out: ObjectValue = {};
  for (const [name, a] of Object.entries(block.attributes)) {
    out[name] = a.computed && config[name] === null ? (prior?.[name] ?? null) : config[name]!;
  }
  for (const [name, nb] of Object.entries(block.blocks ?? {})) {
    const c = config[name];
    const p = prior?.[name] ?? null;
    if (nb.nesting === "single") out[name] = c === null ? null : proposedNew(nb.block, p as ObjectValue | null, c as ObjectValue);
    else out[name] = (c as ObjectValue[]).map((x, i) => proposedNew(nb.block, (p as ObjectValue[] | null)?.[i] ?? null, x));
  }
  return out;
}
