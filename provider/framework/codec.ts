/**
 * DynamicValue ↔ plain values, guided by the schema (cty types). Terraform sends every attribute
 * of an object and expects every attribute back, null when absent; unknown values travel as a
 * msgpack extension (type 0, or 12 for "refined" unknowns — any extension is treated as unknown).
 */
import { decode, encode, ExtData } from "@msgpack/msgpack";
import type { BlockSchema, CtyType } from "./schema.js";
import { Unknown, type ObjectValue, type Value } from "./values.js";

/** The canonical unknown: fixext1, type 0, payload 0 (`d4 00 00`), as cty itself writes it. */
const UNKNOWN_EXT = new ExtData(0, Uint8Array.of(0));

export class CodecError extends Error {}

export function decodeMsgpack(bytes: Uint8Array | undefined, block: BlockSchema): ObjectValue | null {
  if (!bytes || bytes.length === 0) return null;
  return normalizeBlock(decode(bytes), block, []);
}

/** RawState.json from UpgradeResourceState: JSON of the stored object (no unknowns possible). */
export function decodeJson(bytes: Uint8Array | undefined, block: BlockSchema): ObjectValue | null {
  if (!bytes || bytes.length === 0) return null;
  return normalizeBlock(JSON.parse(Buffer.from(bytes).toString("utf8")), block, []);
}

export function encodeMsgpack(value: ObjectValue | null, block: BlockSchema): Uint8Array {
  return encode(value === null ? null : denormalizeBlock(value, block));
}

/** Decode one value of a known cty type (exported for tests and for nested use). */
export function normalize(raw: unknown, type: CtyType, path: string[]): Value {
  if (raw instanceof ExtData) return Unknown;
  if (raw === null || raw === undefined) return null;
  if (typeof type === "string") {
    switch (type) {
      case "string":
        if (typeof raw !== "string") throw new CodecError(`${where(path)}: expected string, got ${typeof raw}`);
        return raw;
      case "bool":
        if (typeof raw !== "boolean") throw new CodecError(`${where(path)}: expected bool, got ${typeof raw}`);
        return raw;
      case "number":
        // cty writes numbers that do not fit int64/float64 as decimal strings.
        if (typeof raw === "number") return raw;
        if (typeof raw === "bigint" || typeof raw === "string") return Number(raw);
        throw new CodecError(`${where(path)}: expected number, got ${typeof raw}`);
    }
  }
  const [kind, elem] = type as readonly [string, unknown];
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(raw)) throw new CodecError(`${where(path)}: expected ${kind}`);
    return raw.map((x, i) => normalize(x, elem as CtyType, [...path, String(i)]));
  }
  if (typeof raw !== "object" || Array.isArray(raw)) throw new CodecError(`${where(path)}: expected ${kind}`);
  const obj = raw as Record<string, unknown>;
  const out: ObjectValue = {};
  if (kind === "map") {
    for (const [k, v] of Object.entries(obj)) out[k] = normalize(v, elem as CtyType, [...path, k]);
  } else {
    for (const [k, t] of Object.entries(elem as Record<string, CtyType>)) out[k] = normalize(obj[k], t, [...path, k]);
  }
  return out;
}

function normalizeBlock(raw: unknown, block: BlockSchema, path: string[]): ObjectValue | null {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof ExtData) throw new CodecError(`${where(path)}: a whole block cannot be unknown here`);
  if (typeof raw !== "object" || Array.isArray(raw)) throw new CodecError(`${where(path)}: expected an object`);
  const obj = raw as Record<string, unknown>;
  const out: ObjectValue = {};
  for (const [name, attr] of Object.entries(block.attributes)) out[name] = normalize(obj[name], attr.type, [...path, name]);
  for (const [name, nb] of Object.entries(block.blocks ?? {})) {
    const v = obj[name];
    if (nb.nesting === "single") {
      out[name] = v instanceof ExtData ? Unknown : normalizeBlock(v, nb.block, [...path, name]);
    } else if (v instanceof ExtData) {
      out[name] = Unknown;
    } else {
      // Terraform sends an absent list block as an empty list; we never hand out null for it.
      const items = v === null || v === undefined ? [] : (v as unknown[]);
      if (!Array.isArray(items)) throw new CodecError(`${where([...path, name])}: expected a list of blocks`);
      out[name] = items.map((x, i) => normalizeBlock(x, nb.block, [...path, name, String(i)]) ?? {});
    }
  }
  return out;
}

function denormalize(v: Value | undefined, type: CtyType): unknown {
  if (v === Unknown) return UNKNOWN_EXT;
  if (v === null || v === undefined) return null;
  if (typeof type === "string") return v;
  const [kind, elem] = type as readonly [string, unknown];
  if (kind === "list" || kind === "set") return (v as Value[]).map((x) => denormalize(x, elem as CtyType));
  const obj = v as ObjectValue;
  const out: Record<string, unknown> = {};
  if (kind === "map") for (const [k, x] of Object.entries(obj)) out[k] = denormalize(x, elem as CtyType);
  else for (const [k, t] of Object.entries(elem as Record<string, CtyType>)) out[k] = denormalize(obj[k], t);
  return out;
}

function denormalizeBlock(v: ObjectValue, block: BlockSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, attr] of Object.entries(block.attributes)) out[name] = denormalize(v[name], attr.type);
  for (const [name, nb] of Object.entries(block.blocks ?? {})) {
    const x = v[name];
    if (x === Unknown) out[name] = UNKNOWN_EXT;
    else if (nb.nesting === "single") out[name] = x === null || x === undefined ? null : denormalizeBlock(x as ObjectValue, nb.block);
    else out[name] = ((x ?? []) as ObjectValue[]).map((item) => denormalizeBlock(item, nb.block));
  }
  return out;
}

const where = (path: string[]) => (path.length ? path.join(".") : "value");

/** The cty object type of a block, for places that need a plain type (e.g. computed objects). */
export function blockType(block: BlockSchema): CtyType {
  const attrs: Record<string, CtyType> = {};
  for (const [n, a] of Object.entries(block.attributes)) attrs[n] = a.type;
  for (const [n, nb] of Object.entries(block.blocks ?? {})) attrs[n] = nb.nesting === "single" ? blockType(nb.block) : ["list", blockType(nb.block)];
  return ["object", attrs];
}
