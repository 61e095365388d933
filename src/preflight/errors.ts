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
    super(preflightMessage(report, failed), {
      host: first?.host,
      field: first ? `preflight.${first.id}` : undefined,
      value: first?.found,
      fix: first?.fix,
    });
  }
}

export function describeCheck(c: CheckResult): string {
  const fix = c.fix ? `; fix: ${c.fix}` : "";
  return `host ${c.host}, check ${c.id} (${c.title}): found ${c.found}; required ${c.required}${fix}`;
}

function preflightMessage(r: PreflightReport, failed: readonly CheckResult[]): string {
  const what = failed.map(describeCheck).join(" | ");
  return `VM ${r.vm} cannot move from host ${r.from} to host ${r.to}: ${what}. Nothing was changed.`;
}
