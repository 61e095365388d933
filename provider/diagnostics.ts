/**
 * The one place where errors become Terraform diagnostics. A LivevirtError's detail (field,
 * value, host, fix) is spelled out in the diagnostic's detail, and `field` also becomes the
 * attribute path so Terraform can point at the offending line of configuration. Errors from the
 * domain name settings in the model's words; here they are spelled in HCL (livevirt/spelling.ts).
 */
import { LibvirtError, LivevirtError } from "../src/errors.js";
import type { AttributePath } from "./framework/resource.js";
import { redactSecrets } from "../src/model/index.js";
import { HCL, hcl } from "./livevirt/spelling.js";

/** The protocol's Diagnostic shape (tfplugin6.Diagnostic as a plain object). */
export interface TfDiagnostic {
  severity: "ERROR" | "WARNING";
  summary: string;
  detail: string;
  attribute?: { steps: TfPathStep[] };
}
export type TfPathStep = { attribute_name: string } | { element_key_int: number } | { element_key_string: string };

export function toDiagnostic(err: unknown, severity: "ERROR" | "WARNING" = "ERROR"): TfDiagnostic {
  if (!(err instanceof LivevirtError)) {
    const message = err instanceof Error ? err.message : String(err);
    return {
      severity,
      summary: "livevirt provider internal error",
      detail: redactSecrets(`${message}\nThis is a bug in the livevirt provider; please report it with the TF_LOG=debug output.`),
    };
  }
  const { value, host } = err.detail;
  const field = err.detail.field === undefined ? undefined : HCL.field(err.detail.field);
  const fix = err.detail.fix === undefined ? undefined : hcl(err.detail.fix);
  const lines: string[] = (err.detail.explain ?? []).map(hcl);
  if (field !== undefined) lines.push(`Field: ${field}`);
  if (value !== undefined) lines.push(`Value: ${JSON.stringify(value)}`);
  if (host !== undefined) lines.push(`Host: ${host}`);
  if (err instanceof LibvirtError && err.stderr.trim()) lines.push(`libvirt said: ${err.stderr.trim()}`);
  if (fix !== undefined) lines.push(`Fix: ${fix}`);
  const diag: TfDiagnostic = { severity, summary: redactSecrets(hcl(err.message)), detail: redactSecrets(lines.join("\n")) };
  if (field !== undefined) diag.attribute = { steps: pathSteps(parseField(field)) };
  return diag;
}

export function toDiagnostics(errors: readonly unknown[] | undefined, severity: "ERROR" | "WARNING" = "ERROR"): TfDiagnostic[] {
  return (errors ?? []).map((e) => toDiagnostic(e, severity));
}

/** "disk.0.path", "disk[0].path" or "host.1.uri" → ["disk", 0, "path"]. */
export function parseField(field: string): AttributePath {
  return field
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .filter((s) => s !== "")
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function pathSteps(path: AttributePath): TfPathStep[] {
  return path.map((s) => (typeof s === "number" ? { element_key_int: s } : { attribute_name: s }));
}
