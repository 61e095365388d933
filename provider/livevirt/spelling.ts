/**
 * The model in Terraform's words: field ids → HCL attribute paths ("disks.0.path" → "disk.0.path",
 * "migration.onUnsupported" → "migration.on_unsupported"), problems → ValidationErrors, and a
 * livevirt_vm / host block value → the model's input shape. Translation only: every rule lives
 * in src/model.
 */
import { ValidationError } from "../../src/errors.js";
import { fieldPath, redactSecrets, spell, type Problem, type Spelling } from "../../src/model/index.js";
import { isUnknown, type ObjectValue, type Value } from "../framework/values.js";

/** Model names whose Terraform name is not their snake_case: list blocks are singular in HCL. */
const BLOCK_NAMES: Record<string, string> = { disks: "disk", hosts: "host", networkInterfaces: "network_interface" };
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const MODEL_NAMES: Record<string, string> = Object.fromEntries(Object.entries(BLOCK_NAMES).map(([m, h]) => [h, m]));

export const HCL: Spelling = {
  field: (id) =>
    fieldPath(id)
      .map((seg, i) => (typeof seg === "number" ? String(seg) : i === 0 && BLOCK_NAMES[seg] ? BLOCK_NAMES[seg] : snake(seg)))
      .join("."),
  assign: (id, json) => `${HCL.field(id)} = ${json}`,
};

/** Any text that may name settings (an error from the domain, a preflight verdict) in HCL. */
export const hcl = (text: string): string => spell(text, HCL);

/** The problem as the error a Terraform diagnostic is made of (provider/diagnostics.ts). */
export function problemError(p: Problem, extra: { host?: string } = {}): ValidationError {
  const field = HCL.field(p.field);
  if (p.value === undefined) return new ValidationError(`${field} is missing: ${hcl(p.reason)}`, { field, fix: hcl(p.fix), ...extra });
  const value = redactSecrets(typeof p.value === "string" ? p.value : JSON.stringify(p.value));
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return new ValidationError(`${field} = ${shown} is invalid: ${hcl(p.reason)}`, { field, value, fix: hcl(p.fix), ...extra });
}

/**
 * A Terraform object value in the model's shape for the validators: attribute names camelCased,
 * list blocks renamed (disk → disks), absent values left out. Unknown values stay (as the
 * framework's Unknown symbol): the rules skip them but still see that they are not absent.
 */
export function modelInput(v: ObjectValue, unknown: "keep" | "leave out" = "keep"): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || (unknown === "leave out" && isUnknown(x))) continue;
    // Only a list is a list block: a VM's `host` (a string) is not the provider's `host` blocks.
    out[(Array.isArray(x) && MODEL_NAMES[k]) || camel(k)] = inner(x, unknown);
  }
  return out;
}

function inner(x: Value, unknown: "keep" | "leave out"): unknown {
  if (isUnknown(x)) return x;
  if (Array.isArray(x))
    return x.map((e) => (e !== null && typeof e === "object" && !Array.isArray(e) ? modelInput(e as ObjectValue, unknown) : inner(e, unknown)));
  if (x !== null && typeof x === "object") return modelInput(x as ObjectValue, unknown);
  return x;
}

/**
 * A model value (a VM, a disk, a move record) as a Terraform object value: the inverse of
 * modelInput — names snake_cased, list blocks singular (disks → disk), absent fields null.
 */
export function terraformValue(x: object): ObjectValue {
  const out: ObjectValue = {};
  for (const [k, v] of Object.entries(x)) out[(Array.isArray(v) && BLOCK_NAMES[k]) || snake(k)] = terraformInner(v);
  return out;
}

function terraformInner(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(terraformInner);
  if (typeof v === "object") return terraformValue(v);
  return v as Value;
}
