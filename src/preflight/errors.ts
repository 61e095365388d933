import { LivevirtError } from "../errors.js";
import type { CheckResult, PreflightReport } from "./types.js";

/**
 * A planned move that must not happen: a required check failed and the VM's policy is "fail"
 * (or the destination cannot take the VM at all). The message names the VM, the host, the check,
 * what was found, what is required and the fix; the whole report is attached for the plan.
 */
export class PreflightError extends LivevirtError {
  constructor(
    readonly report: PreflightReport,
    readonly failed: readonly CheckResult[],
  ) {
    const first = failed[0];
    const one = failed.length === 1;
    super(preflightMessage(report, failed), {
      host: first?.host,
      field: first ? `preflight.${first.id}` : undefined,
      fix: one ? first!.fix : failed.length > 1 ? "fix each failed check above (each names its host and what to change)" : undefined,
      explain: [...failed.flatMap((c) => explainCheck(c, !one)), "Nothing was changed."],
    });
  }
}

/** A failed check for an error's detail: a heading line, then found / required (/ fix) indented. */
export function explainCheck(c: CheckResult, withFix = true): string[] {
  return [`host ${c.host}, check ${c.id} (${c.title}):`, `  found: ${c.found}`, `  required: ${c.required}`, ...(withFix && c.fix ? [`  fix: ${c.fix}`] : [])];
}

/** The finding in a few words: its first clause, cut at a word boundary. */
export function brief(text: string, max = 90): string {
  const first = text.split(/; |\n/)[0]!.trim();
  if (first.length <= max) return first;
  let cut = first.slice(0, max);
  // Never half a field marker (‹migration.copyStorage›): the layer could not spell it.
  if (cut.lastIndexOf("‹") > cut.lastIndexOf("›")) cut = cut.slice(0, cut.lastIndexOf("‹"));
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:(]+$/, "")}…`;
}

/**
 * One line a person can read: the VM, the pair, the first failed check (host, id, the finding in a
 * few words) and how many more failed. Everything else is in the detail (explain).
 */
function preflightMessage(r: PreflightReport, failed: readonly CheckResult[]): string {
  const head = `VM ${r.vm} cannot move from host ${r.from} to host ${r.to}`;
  const [first, ...rest] = failed;
  if (!first) return `${head}.`;
  const named = rest.slice(0, 3).map((c) => `${c.id} on ${c.host}`);
  const more = rest.length === 0 ? "" : ` (and ${rest.length} more: ${named.join(", ")}${rest.length > named.length ? ", …" : ""})`;
  return `${head}: ${first.id} on host ${first.host}: ${first.brief ?? brief(first.found)}${more}`;
}
