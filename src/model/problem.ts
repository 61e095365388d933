/**
 * Problems with user input, in the model's own words, and how each layer spells them.
 *
 * A validator returns every problem it finds as `{ field, value, reason, fix }`. `field` is a
 * model field id: the model's names joined with dots, list indices as numbers
 * ("memoryMib", "disks.1.target", "migration.onUnsupported", "hosts.0.uri"; a bare leaf such as
 * "shared" where the text is about any element of a list). Texts (reason, fix,
 * and any domain message that names a setting) refer to fields through markers — `‹id›` for a
 * name, `‹id=json›` for "set it to this value" — which the layer that shows the text renders in
 * its own spelling (HCL at plan: `migration.on_unsupported = "precopy"`; cdktf props at synth:
 * `migration: { onUnsupported: "precopy" }`). The model never spells a layer's names itself.
 */

export interface Problem {
  /** Model field id, e.g. "disks.0.path". */
  field: string;
  /** The offending value as given (not rendered). */
  value: unknown;
  /** The rule it breaks, e.g. "must be at most 256". May hold field markers. */
  reason: string;
  /** What to do. May hold field markers. */
  fix: string;
}

/** How one layer writes field names and assignments. */
export interface Spelling {
  /** "migration.onUnsupported" → e.g. "migration.on_unsupported". */
  field(id: string): string;
  /** ("migration.mode", "\"postcopy\"") → e.g. `migration.mode = "postcopy"`. */
  assign(id: string, json: string): string;
}

/** Marker for a field name in a text (rendered by `spell`). */
export const ref = (id: string): string => `‹${id}›`;
/** Marker for "set this field to this value" in a text (rendered by `spell`). */
export const assign = (id: string, value: unknown): string => `‹${id}=${JSON.stringify(value)}›`;

const MARKER = /‹([^›=]+)(?:=([^›]*))?›/g;

/** The text with every field marker written in `s`'s spelling. */
export function spell(text: string, s: Spelling): string {
  return text.replace(MARKER, (_all, id: string, json: string | undefined) => (json === undefined ? s.field(id) : s.assign(id, json)));
}

/** The model's own spelling: ids as they are, `a.b = value`. For texts outside any layer (logs of the domain, tests). */
export const MODEL_SPELLING: Spelling = {
  field: (id) => id,
  assign: (id, json) => `${id} = ${json}`,
};

/** "disks.0.path" → ["disks", 0, "path"]. */
export function fieldPath(id: string): (string | number)[] {
  return id
    .split(".")
    .filter((s) => s !== "")
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The problem with reason and fix written in `s`'s spelling (the field id stays the model's). */
export function spellProblem(p: Problem, s: Spelling): Problem {
  return { ...p, reason: spell(p.reason, s), fix: spell(p.fix, s) };
}

/**
 * Values that are absent. Anything else that is not of a rule's type is not checked by it: a value known only later, or a
 * type error the layer's own shape check reports.
 */
export const absent = (v: unknown): v is null | undefined => v === null || v === undefined;

/** An input's fields that are present (not absent), as given: spread over a record of defaults. */
export const present = (x: object): Record<string, unknown> => Object.fromEntries(Object.entries(x).filter(([, v]) => !absent(v)));
/** The fields of `x` that `shape` has (an input may carry more, e.g. a Terraform value's computed attributes). */
export const pick = (x: Record<string, unknown>, shape: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(x).filter(([k]) => Object.hasOwn(shape, k)));

/** Control characters (incl. newline and NUL) break libvirt's XML or the QEMU command line. */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;

// ---- rule helpers, shared by the validators of the model

export function oneOf(out: Problem[], field: string, v: unknown, allowed: readonly string[]): void {
  if (typeof v === "string" && !allowed.includes(v)) {
    out.push({
      field,
      value: v,
      reason: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
      fix: `set ${ref(field)} to one of ${allowed.join(", ")}`,
    });
  }
}

/** A whole number in [min, max]; `tail` ends the fix (", or leave it unset for …"). */
export function wholeNumber(out: Problem[], field: string, v: unknown, [min, max]: readonly [number, number], unit: string, tail = ""): void {
  if (typeof v !== "number") return;
  const reason = !Number.isInteger(v) ? "must be a whole number" : v < min ? `must be at least ${min}` : v > max ? `must be at most ${max}` : null;
  if (reason) out.push({ field, value: v, reason, fix: `set ${ref(field)} to a whole number between ${min} and ${max} ${unit}${tail}` });
}

export function absolutePath(out: Problem[], field: string, v: unknown, example: string): void {
  if (typeof v !== "string") return;
  if (!v.startsWith("/"))
    out.push({ field, value: v, reason: "must be an absolute path on the host", fix: `write ${ref(field)} as an absolute path on the host, e.g. ${example}` });
  noControl(out, field, v);
}

export function noControl(out: Problem[], field: string, v: unknown): void {
  if (typeof v === "string" && CONTROL.test(v)) {
    out.push({ field, value: v, reason: "contains control characters (e.g. a newline)", fix: `remove the control characters from ${ref(field)}` });
  }
}
