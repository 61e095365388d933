/** Post-copy preflight for planned moves. Entry point: runPreflight (run.ts); checks: host-checks.ts, fit.ts, probe.ts. */
export { runPreflight } from "./run.js";
export { formatReport, formatCheck, formatVerdict } from "./format.js";
export { clearPreflightCache } from "./cache.js";
export { PreflightError } from "./errors.js";
export { getHostFacts, type HostFacts } from "./host-facts.js";
export { probeMove, type MoveProbeResult } from "./probe.js";
export { decide } from "./verdict.js";
export type { CheckResult, CheckStatus, OnUnsupported, PreflightOptions, PreflightReport, PreflightVm, Strategy, Tri } from "./types.js";
