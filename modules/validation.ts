/**
 * Synth-time validation of construct props, as messages a user can act on without reading a
 * stack trace:
 *
 *   livevirt: livevirt-example/web: memoryMib = -5 is invalid: must be at least 16. Fix: set memoryMib to a whole number between 16 and 1048576 MiB.
 *
 * Two parts, one job each:
 *  - the props' *shape* (types, unknown or missing fields) — a JSON Schema per construct checked
 *    by ajv with allErrors: it is what the TypeScript interface says, for JavaScript callers and casts;
 *  - the *rules* (names, bounds, enums, URIs, cross-field rules) — the model's validators
 *    (src/model), the same ones the provider applies at plan and the domain at create, with their
 *    field ids and texts spelled here as cdktf props (CDKTF below).
 *
 * Constructs register these checks with `node.addValidation`, so they run when cdktf synthesizes
 * (after the whole tree exists — cross-construct checks such as "unknown host" need that) and
 * every problem of the stack is reported in one run; `cdktf synth` then exits non-zero.
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv";
import { Token } from "cdktf";
import { fieldPath, redactSecrets, spell, type Problem, type Spelling } from "../src/model/index.js";

/** A JSON Schema of a props shape; properties may carry `fix` (how to repair a bad value). */
export type PropsSchema = SchemaObject;

const ajv = new Ajv({ allErrors: true, strict: true });
// Annotation-only keyword (no validation code): ajv's strict mode rejects unknown keywords otherwise.
ajv.addKeyword({ keyword: "fix", schemaType: "string" });

/** Model fields that sit elsewhere in the props: direct kernel boot is grouped under `boot`. */
const PROPS_PATH: Record<string, string> = { kernel: "boot.kernel", initrd: "boot.initrd", cmdline: "boot.cmdline" };

/** The model in cdktf props' words: "disks.0.path" → "disks[0].path", "kernel" → "boot.kernel". */
export const CDKTF: Spelling = {
  field(id) {
    const [first, ...rest] = fieldPath(id);
    const head = typeof first === "string" ? (PROPS_PATH[first] ?? first) : `[${first}]`;
    return rest.reduce<string>((out, s) => (typeof s === "number" ? `${out}[${s}]` : `${out}.${s}`), head);
  },
  /** As a TypeScript user writes it: `migration: { mode: "postcopy" }`. */
  assign(id, json) {
    const parts = CDKTF.field(id).split(".");
    return parts.reduceRight((inner, key, i) => (i === parts.length - 1 ? `${key}: ${inner}` : `${key}: { ${inner} }`), json);
  },
};

/** The model's problems as lines; fields whose value is a cdktf token (known at apply) are left to the provider. */
export function modelProblems(path: string, problems: readonly Problem[], tokens: readonly string[] = []): string[] {
  return problems
    .map((p) => ({ ...p, field: CDKTF.field(p.field) }))
    .filter((p) => !underToken(p.field, tokens))
    .map((p) => problem(path, p.field, p.value, spell(p.reason, CDKTF), spell(p.fix, CDKTF)));
}

const underToken = (field: string, tokens: readonly string[]) => tokens.some((t) => field === t || field.startsWith(`${t}.`) || field.startsWith(`${t}[`));

/** One formatted line; used by schema errors and by the constructs' cross-field checks alike. */
export function problem(path: string, field: string, value: unknown, reason: string, fix: string): string {
  const shown = value === undefined ? "is missing" : `= ${render(value)} is invalid`;
  return `livevirt: ${path}: ${field} ${shown}: ${reason}. Fix: ${fix.replace(/\.$/, "")}.`;
}

function render(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  // URIs may carry passwords; long objects are cut so one bad field cannot flood the terminal.
  const safe = redactSecrets(text);
  return safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
}

/** "/hosts/1/uri" → "hosts[1].uri" — the way a user spells it in TypeScript. */
function fieldName(segments: readonly string[]): string {
  let out = "";
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out ? `.${s}` : s;
  return out || "(props)";
}

function splitPointer(pointer: string): string[] {
  return pointer === ""
    ? []
    : pointer
        .slice(1)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The sub-schema describing the value at `segments` (for its fix annotation). */
function schemaAt(root: PropsSchema, segments: readonly string[]): PropsSchema | undefined {
  let s: PropsSchema | undefined = root;
  for (const seg of segments) {
    if (!s) return undefined;
    s = /^\d+$/.test(seg) && s.items ? (s.items as PropsSchema) : (s.properties?.[seg] as PropsSchema | undefined);
  }
  return s;
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let v: unknown = data;
  for (const seg of segments) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}

function reasonFor(e: ErrorObject): string {
  switch (e.keyword) {
    case "enum":
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not a field of these props";
    default:
      return e.message ?? e.keyword;
  }
}

/** A value known only at apply time (a cdktf token), for the model's validators: not absent, not checked. */
export const TOKEN: unique symbol = Symbol("cdktf token");

/** Copy of `data` with unresolved cdktf tokens replaced by TOKEN, and the paths of those tokens. */
export function tokensMarked(data: unknown): { value: unknown; tokens: string[] } {
  const tokens = withoutTokens(data).tokens;
  const mark = (v: unknown): unknown => {
    if (Token.isUnresolved(v)) return TOKEN;
    if (Array.isArray(v)) return v.map(mark);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x)]));
    return v;
  };
  return { value: mark(data), tokens };
}

/**
 * Copy of `data` without unresolved cdktf tokens (values known only at apply time, e.g. a
 * TerraformVariable): ajv would see "${TfToken[...]}" strings or huge negative numbers and report
 * nonsense. The provider checks those values at plan time instead. Returns the token paths too.
 */
function withoutTokens(data: unknown, at: string[] = [], tokens: string[] = []): { value: unknown; tokens: string[] } {
  if (Token.isUnresolved(data)) {
    tokens.push(fieldName(at));
    return { value: undefined, tokens };
  }
  if (Array.isArray(data)) return { value: data.map((v, i) => withoutTokens(v, [...at, String(i)], tokens).value), tokens };
  if (data !== null && typeof data === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(data)) {
      const r = withoutTokens(v, [...at, k], tokens).value;
      if (r !== undefined) out[k] = r;
    }
    return { value: out, tokens };
  }
  return { value: data, tokens };
}

export class PropsValidator<T> {
  private readonly check: ValidateFunction;
  constructor(
    private readonly schema: PropsSchema,
    /** Fix for a misspelt/unknown prop, naming the known ones. */
    private readonly what: string,
  ) {
    this.check = ajv.compile(schema);
  }

  /** Every problem with the *shape* of `props` as formatted lines (empty when valid). */
  problems(path: string, props: T): string[] {
    const { value, tokens } = withoutTokens(props);
    if (this.check(value)) return [];
    const lines: string[] = [];
    for (const e of this.check.errors ?? []) {
      const segs = splitPointer(e.instancePath);
      let fieldSegs = segs;
      if (e.keyword === "required") fieldSegs = [...segs, (e.params as { missingProperty: string }).missingProperty];
      if (e.keyword === "additionalProperties") fieldSegs = [...segs, (e.params as { additionalProperty: string }).additionalProperty];
      const field = fieldName(fieldSegs);
      if (underToken(field, tokens)) continue;
      const sub = schemaAt(this.schema, fieldSegs);
      let fix =
        typeof sub?.fix === "string" ? sub.fix : e.keyword === "type" ? `write ${field} as a ${(e.params as { type: string }).type}` : `correct ${field}`;
      if (e.keyword === "additionalProperties") {
        const parent = schemaAt(this.schema, segs);
        const known = Object.keys(parent?.properties ?? {}).join(", ");
        fix = `remove it or correct its spelling; ${this.what} fields are: ${known}`;
      }
      const value = e.keyword === "required" ? undefined : valueAt(props, fieldSegs);
      const line = problem(path, field, value, reasonFor(e), fix);
      if (!lines.includes(line)) lines.push(line);
    }
    return lines;
  }
}
