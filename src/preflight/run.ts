/**
 * Preflight of one planned move, run during PlanResourceChange. Both hosts' facts come from the
 * run cache (one read per host per run), the probe move from the pair cache. Nothing of the VM
 * is touched: a failing required check under onUnsupported = "fail" throws PreflightError.
 */
import { PreflightError } from "./errors.js";
import { cpuCheck, diskCheck, machineCheck, memoryCheck, networkCheck, passthroughCheck, sharedStorageCheck, storageCheck, transportCheck } from "./fit.js";
import { getHostFacts } from "./host-facts.js";
import { hostChecks } from "./host-checks.js";
import { probeMove } from "./probe.js";
import { decide } from "./verdict.js";
import { tlsChecks, tlsDecision } from "./migration-tls.js";
import { MIGRATION_DEFAULTS } from "../model/index.js";
import { summarize } from "./format.js";
import type { CheckResult, PreflightOptions, PreflightReport } from "./types.js";

export async function runPreflight(o: PreflightOptions): Promise<PreflightReport> {
  const started = Date.now();
  const { vm, from, to, signal } = o;
  const wantsPostcopy = vm.migration.mode === "postcopy";
  const src = getHostFacts(from, { signal });
  const dst = getHostFacts(to, { signal });
  // The probe move is independent of the facts: start it alongside them.
  const probe = o.probe && wantsPostcopy ? probeMove(from, to, { signal, timeoutMs: o.probeTimeoutMs }) : undefined;
  const [srcFacts, dstFacts] = await Promise.all([src.promise, dst.promise]);

  const checks: CheckResult[] = [];
  if (wantsPostcopy) checks.push(...hostChecks(srcFacts, "source"), ...hostChecks(dstFacts, "destination"), transportCheck(vm, to.name));
  const [cpu, network, storage, sharedStorage] = await Promise.all([
    cpuCheck(vm, from, dstFacts, to, signal),
    networkCheck(vm, to, signal),
    storageCheck(vm, from, to, signal),
    sharedStorageCheck(vm, from, srcFacts, signal),
  ]);
  checks.push(cpu, machineCheck(vm, dstFacts), memoryCheck(vm, dstFacts), diskCheck(vm, to.name));
  checks.push(...(storage ? [storage] : []), ...(sharedStorage ? [sharedStorage] : []), network);
  checks.push(...tlsChecks(srcFacts, dstFacts, vm.migration.tls ?? MIGRATION_DEFAULTS.tls, new Date(), to.migrationAddress));
  const passthrough = passthroughCheck(vm, srcFacts, dstFacts);
  if (passthrough) checks.push(passthrough);
  let probeMs: number | undefined;
  let probeCached = probe?.cached ?? false;
  if (probe) {
    const p = await probe.promise;
    checks.push(p.check);
    probeMs = p.durationMs;
    // Reused from an earlier provider process (the plan before this apply): see probe-disk-cache.ts.
    probeCached ||= p.fromDiskCache;
  }

  const d = decide(checks, vm);
  const partial = {
    vm: vm.name,
    from: from.name,
    to: to.name,
    checks: d.checks,
    postcopy: d.postcopy,
    strategy: d.strategy,
    tls: (d.strategy === "postcopy" || d.strategy === "precopy") && tlsDecision(d.checks),
    timing: {
      totalMs: Date.now() - started,
      ...(probeMs !== undefined ? { probeMs } : {}),
      cached: { from: src.cached, to: dst.cached, ...(probe ? { probe: probeCached } : {}) },
    },
  };
  const report: PreflightReport = { ...partial, summary: summarize(partial, vm.migration.onUnsupported, vm.migration.mode, probe !== undefined) };
  if (d.strategy === "fail") throw new PreflightError(report, d.blocking);
  return report;
}
