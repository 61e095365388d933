/** Plain-words text for the plan: the summary paragraph and the check list. */
import { assign } from "../model/index.js";
import type { CheckResult, PreflightReport, Strategy, Tri } from "./types.js";
import { TLS_CHECK_ID } from "./migration-tls.js";

const STRATEGY_TEXT: Record<Strategy, string> = {
  postcopy: "live-migrates with post-copy",
  precopy: "live-migrates with pre-copy only",
  recreate: "is stopped on the source and re-created on the destination (not live)",
  fail: "cannot move: the plan fails and nothing is touched",
};

function names(checks: readonly CheckResult[]): string {
  return checks.map((c) => `${c.id} on ${c.host} (${c.found})`).join("; ");
}

export function summarize(r: Omit<PreflightReport, "summary">, policy: string, mode: string, probeRan: boolean): string {
  const postcopyText: Record<Tri, string> = {
    yes: "both hosts can do post-copy",
    no: "post-copy is NOT possible",
    unknown: "whether post-copy works could not be verified",
  };
  const relevant = r.checks.filter((c) => !c.advisory && !c.overriddenBy);
  const failed = relevant.filter((c) => c.status === "fail");
  const unknown = relevant.filter((c) => c.status === "unknown");
  const parts = [`VM ${r.vm} moving from host ${r.from} to host ${r.to} ${STRATEGY_TEXT[r.strategy]}.`];
  if (mode === "precopy") parts.push("Its migration mode is pre-copy, so only the destination-fit checks apply.");
  else {
    parts.push(`Post-copy: ${postcopyText[r.postcopy]}${probeRan ? "" : " (no probe move was run)"}.`);
    if (r.postcopy === "no") parts.push(`${assign("migration.onUnsupported", policy)} decides the outcome.`);
    if (r.postcopy === "unknown" && r.strategy === "postcopy") {
      parts.push("If post-copy turns out impossible the move fails at the destination's prepare step and the VM keeps running on the source.");
    }
  }
  const tls = r.checks.filter((c) => c.id === TLS_CHECK_ID);
  if (r.strategy === "postcopy" || r.strategy === "precopy") {
    if (r.tls) parts.push("The migration data is encrypted (QEMU TLS, certificates checked on both hosts).");
    else if (tls.length === 0) parts.push(`The migration data goes in clear (${assign("migration.tls", "off")}).`);
    else parts.push(`The migration data goes in clear: ${names(tls.filter((c) => c.status !== "pass"))}.`);
  }
  if (failed.length > 0) parts.push(`Failed: ${names(failed)}.`);
  if (unknown.length > 0) parts.push(`Unknown: ${names(unknown)}.`);
  const overridden = r.checks.filter((c) => c.overriddenBy);
  if (overridden.length > 0) parts.push(`The probe move succeeded, overriding: ${overridden.map((c) => `${c.id} on ${c.host}`).join(", ")}.`);
  const sourceUffd = r.checks.filter((c) => c.advisory && c.host === r.from && c.status !== "pass" && c.id !== "libvirt.postcopy-recovery");
  if (sourceUffd.length > 0) {
    parts.push(
      `Host ${r.from} itself could not receive a post-copy move (${sourceUffd.map((c) => `${c.id}: ${c.status}`).join(", ")}): ` +
        `moving VMs back to it needs pre-copy.`,
    );
  }
  const recovery = r.checks.filter((c) => c.id === "libvirt.postcopy-recovery");
  if (recovery.length > 0) {
    const ok = recovery.every((c) => c.status === "pass");
    parts.push(
      ok
        ? "Post-copy recovery (resume after a link failure) is available on both hosts."
        : `Post-copy recovery is not available everywhere (${names(recovery.filter((c) => c.status !== "pass"))}).`,
    );
  }
  return parts.join(" ");
}

const MARK: Record<CheckResult["status"], string> = { pass: "pass", fail: "FAIL", unknown: "unknown" };

export function formatCheck(c: CheckResult): string {
  const tag = c.overriddenBy ? `${MARK[c.status]}, overridden by ${c.overriddenBy}` : c.advisory ? `${MARK[c.status]}, advisory` : MARK[c.status];
  const fix = c.fix && c.status !== "pass" && !c.overriddenBy ? `\n      fix: ${c.fix}` : "";
  return `  [${tag}] ${c.host} ${c.id} — ${c.title}\n      found: ${c.found}\n      required: ${c.required}${fix}`;
}

export function formatReport(r: PreflightReport): string {
  const cached = [r.timing.cached.from && "source facts", r.timing.cached.to && "destination facts", r.timing.cached.probe && "probe"].filter(Boolean);
  const timing =
    `${r.timing.totalMs} ms${r.timing.probeMs !== undefined ? `, probe move ${r.timing.probeMs} ms` : ""}` +
    `${cached.length ? ` (cached: ${cached.join(", ")})` : ""}`;
  return [
    `preflight ${r.vm}: ${r.from} → ${r.to}: strategy ${r.strategy}, post-copy ${r.postcopy}, ${r.tls ? "TLS" : "in clear"} [${timing}]`,
    r.summary,
    ...r.checks.map(formatCheck),
  ].join("\n");
}

/**
 * The verdict as the plan shows it. Terraform re-plans at apply time and insists every known
 * planned value comes out identical, so this text holds only what is stable between plan and
 * apply — verdicts, requirements, fixes — and leaves out measured findings (free memory,
 * timings), which go to the provider log and to errors instead.
 */
export function formatVerdict(r: PreflightReport): string {
  const lines = r.checks.map((c) => {
    const tag = c.overriddenBy ? `${MARK[c.status]}, overridden by ${c.overriddenBy}` : c.advisory ? `${MARK[c.status]}, advisory` : MARK[c.status];
    const detail = c.status === "pass" || c.overriddenBy ? "" : `; required: ${c.required}${c.fix ? `; fix: ${c.fix}` : ""}`;
    return `  [${tag}] ${c.host} ${c.id} — ${c.title}${detail}`;
  });
  const live = r.strategy === "postcopy" || r.strategy === "precopy";
  return [
    `${r.from} → ${r.to}: ${STRATEGY_TEXT[r.strategy]} (post-copy: ${r.postcopy}${live ? `; ${r.tls ? "encrypted with TLS" : "in clear"}` : ""})`,
    ...lines,
  ].join("\n");
}
