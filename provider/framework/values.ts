/**
 * Plain JS values as resources see them. `Unknown` stands for a value Terraform will only know
 * after apply (msgpack extension on the wire); `null` is an absent value.
 */
export const Unknown: unique symbol = Symbol.for("livevirt.Unknown");
export type Unknown = typeof Unknown;

export type Value = string | number | boolean | null | Unknown | Value[] | ObjectValue;
export interface ObjectValue {
  [key: string]: Value;
}

export const isUnknown = (v: unknown): v is Unknown => v === Unknown;

/** True when v is neither null nor Unknown, anywhere inside. */
export function isWhollyKnown(v: Value): boolean {
  if (v === Unknown) return false;
  if (Array.isArray(v)) return v.every(isWhollyKnown);
  if (v !== null && typeof v === "object") return Object.values(v).every(isWhollyKnown);
  return true;
}

/** Structural equality that treats Unknown as equal only to Unknown. */
export function valuesEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  const ao = a as ObjectValue;
  const bo = b as ObjectValue;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!valuesEqual(ao[k] ?? null, bo[k] ?? null)) return false;
  return true;
}
