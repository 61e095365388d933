/**
 * From checks and the VM's policy to what the plan will do (pure, table-tested).
 *  - Destination fit (requiredFor "move") must pass for any move; a failure fails the plan
 *    whatever the policy (recreate tolerates only a CPU mismatch: a fresh boot re-expands it).
 *  - Post-copy is "yes" when every post-copy check passes, "no" when one fails, else "unknown".
 *    A passing probe move is authoritative: inferred post-copy failures it contradicts are kept
 *    in the report but marked overridden (the transport rule is config, not capability: kept).
 *  - onUnsupported decides what "no" means: fail (plan fails), precopy, or recreate.
 *  - "unknown" plans post-copy (its failure at the destination's prepare step leaves the VM
 *    running on the source) — or pre-copy when that is the VM's declared fallback.
 */
import { allOf } from "./tri.js";
import type { CheckResult, PreflightVm, Strategy, Tri } from "./types.js";

export const PROBE_CHECK_ID = "migration.postcopy-probe";

/** What the checks and the VM's policy say the move will do. */
export interface PreflightVerdict {
  checks: CheckResult[];
  postcopy: Tri;
  strategy: Strategy;
  /** The failed checks that make the strategy "fail" (empty otherwise). */
  blocking: CheckResult[];
}

const asTri = (c: CheckResult): Tri => (c.status === "pass" ? "yes" : c.status === "fail" ? "no" : "unknown");

export function applyProbeOverride(checks: readonly CheckResult[]): CheckResult[] {
  const probe = checks.find((c) => c.id === PROBE_CHECK_ID);
  if (probe?.status !== "pass") return [...checks];
  return checks.map((c) =>
    c.requiredFor === "postcopy" && c.id !== PROBE_CHECK_ID && c.id !== "fit.transport" && !c.advisory && c.status !== "pass"
      ? { ...c, overriddenBy: PROBE_CHECK_ID }
      : c,
  );
}

export function postcopyVerdict(checks: readonly CheckResult[]): Tri {
  const relevant = checks.filter((c) => c.requiredFor === "postcopy" && !c.advisory && !c.overriddenBy);
  return relevant.length === 0 ? "unknown" : allOf(relevant.map(asTri));
}

export function decide(input: readonly CheckResult[], vm: PreflightVm): PreflightVerdict {
  const checks = applyProbeOverride(input);
  const postcopy = postcopyVerdict(checks);
  const policy = vm.migration.onUnsupported;
  const moveFails = checks.filter((c) => c.requiredFor === "move" && c.status === "fail" && !c.advisory);
  const fatalMoveFails = policy === "recreate" && vm.migration.mode === "postcopy" ? moveFails.filter((c) => !c.id.startsWith("fit.cpu")) : moveFails;

  if (vm.migration.mode === "precopy") {
    return moveFails.length > 0 ? { checks, postcopy, strategy: "fail", blocking: moveFails } : { checks, postcopy, strategy: "precopy", blocking: [] };
  }
  if (fatalMoveFails.length > 0) return { checks, postcopy, strategy: "fail", blocking: fatalMoveFails };
  // Only a CPU mismatch (incl. host-passthrough between different CPUs) under "recreate": the VM
  // cannot move live at all, it is re-created (a fresh boot takes the new host's CPU).
  if (moveFails.length > 0) return { checks, postcopy, strategy: "recreate", blocking: [] };

  if (postcopy === "yes") return { checks, postcopy, strategy: "postcopy", blocking: [] };
  if (postcopy === "unknown") return { checks, postcopy, strategy: policy === "precopy" ? "precopy" : "postcopy", blocking: [] };
  if (policy === "precopy") return { checks, postcopy, strategy: "precopy", blocking: [] };
  if (policy === "recreate") return { checks, postcopy, strategy: "recreate", blocking: [] };
  const blocking = checks.filter((c) => c.requiredFor === "postcopy" && c.status === "fail" && !c.advisory && !c.overriddenBy);
  return { checks, postcopy, strategy: "fail", blocking };
}
