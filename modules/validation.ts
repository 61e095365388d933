/**
 * Synth-time validation of construct props with ajv JSON Schemas, turned into messages a user can
 * act on without reading a stack trace:
 *
 *   livevirt: livevirt-example/web: memoryMib = -5 is invalid: must be >= 16. Fix: give the VM at least 16 MiB.
 *
 * Why JSON Schema and not hand-written ifs: one declarative place per construct lists every field
 * with its rule *and* its fix (the `fix` annotation keyword), ajv reports all problems at once
 * (allErrors), and the same schemas document the props.
 *
 * Constructs register these checks with `node.addValidation`, so they run when cdktf synthesizes
 * (after the whole tree exists — cross-construct checks such as "unknown host" need that) and
 * every problem of the stack is reported in one run; `cdktf synth` then exits non-zero.
 */
import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv";
import { Token } from "cdktf";
import { redactSecrets, uriProblem } from "../provider/index.js";

/** A JSON Schema whose properties may carry `fix` (how to repair a bad value) and `explain` (the rule in words). */
export type PropsSchema = SchemaObject;

const ajv = new Ajv({ allErrors: true, strict: true });
// Annotation-only keywords (no validation code): ajv's strict mode rejects unknown keywords otherwise.
ajv.addKeyword({ keyword: "fix", schemaType: "string" });
ajv.addKeyword({ keyword: "explain", schemaType: "string" });
// The same URI rule the provider applies at plan time (provider/livevirt/hosts.ts), so synth and
// plan never disagree about what a usable libvirt URI is.
ajv.addKeyword({
  keyword: "libvirtUri",
  type: "string",
  schemaType: "boolean",
  errors: true,
  validate: function check(_schema: boolean, data: string): boolean {
    const problem = uriProblem(data);
    (check as { errors?: Partial<ErrorObject>[] }).errors = problem ? [{ keyword: "libvirtUri", message: problem, params: {} }] : [];
    return problem === null;
  },
});

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
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The sub-schema describing the value at `segments` (for its fix/explain annotations). */
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

function reasonFor(e: ErrorObject, sub: PropsSchema | undefined): string {
  switch (e.keyword) {
    case "enum":
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    case "pattern":
    case "minLength":
    case "maxLength":
      return typeof sub?.explain === "string" ? sub.explain : (e.message ?? e.keyword);
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not a field of these props";
    default:
      return e.message ?? e.keyword;
  }
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

  /** Every problem with `props` as formatted lines (empty when valid). */
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
      if (tokens.some((t) => field === t || field.startsWith(`${t}.`) || field.startsWith(`${t}[`))) continue;
      const sub = schemaAt(this.schema, fieldSegs);
      let fix = typeof sub?.fix === "string" ? sub.fix : `correct ${field}`;
      if (e.keyword === "additionalProperties") {
        const parent = schemaAt(this.schema, segs);
        const known = Object.keys(parent?.properties ?? {}).join(", ");
        fix = `remove it or correct its spelling; ${this.what} fields are: ${known}`;
      }
      const value = e.keyword === "required" ? undefined : valueAt(props, fieldSegs);
      const line = problem(path, field, value, reasonFor(e, sub), fix);
      if (!lines.includes(line)) lines.push(line);
    }
    return lines;
  }
}
