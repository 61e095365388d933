/** livevirt_vm Terraform values ↔ the driver's VmSpec / VmObserved. */
import type { ObjectValue } from "../framework/values.js";
import type { MigrationPolicy, MoveReport, VmObserved, VmRef, VmSpec } from "./driver.js";
import { vmSchema } from "./schema.js";
import type { DiskFormat, DomainType, MigrationMode, MigrationSwitch, OnUnsupported } from "./types.js";

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** Defaults straight from the schema, so the schema stays the single source of truth. */
function migrationDefault(name: string): unknown {
  return vmSchema.block.blocks!.migration!.block.attributes[name]!.default;
}

export function migrationPolicy(m: ObjectValue | null): MigrationPolicy {
  const pick = (k: string) => (m && m[k] !== null && m[k] !== undefined ? m[k] : migrationDefault(k));
  return {
    mode: pick("mode") as MigrationMode,
    switch: pick("switch") as MigrationSwitch,
    onUnsupported: pick("on_unsupported") as OnUnsupported,
    bandwidthMib: num(m?.bandwidth_mib),
    postcopyBandwidthMib: num(m?.postcopy_bandwidth_mib),
    maxDowntimeMs: num(m?.max_downtime_ms),
    timeoutS: pick("timeout_s") as number,
    copyStorage: pick("copy_storage") as boolean,
    probe: pick("probe") as boolean,
  };
}

/** From a planned (wholly known except computed attributes) livevirt_vm value. */
export function vmSpec(v: ObjectValue): VmSpec {
  const dt = str(v.domain_type);
  return {
    name: String(v.name),
    host: String(v.host),
    memoryMib: num(v.memory_mib) ?? 512,
    vcpus: num(v.vcpus) ?? 1,
    domainType: (dt ?? "auto") as DomainType,
    kernel: str(v.kernel),
    initrd: str(v.initrd),
    cmdline: str(v.cmdline),
    disks: ((v.disk ?? []) as ObjectValue[]).map((d) => ({
      path: String(d.path),
      format: (str(d.format) ?? "raw") as DiskFormat,
      target: str(d.target),
      shared: typeof d.shared === "boolean" ? d.shared : true,
    })),
    consoleLog: str(v.console_log),
    migration: migrationPolicy((v.migration ?? null) as ObjectValue | null),
  };
}

export const vmRef = (v: ObjectValue): VmRef => ({ id: String(v.id), name: String(v.name), host: String(v.host) });

export function lastMoveValue(r: MoveReport): ObjectValue {
  return {
    from: r.from,
    to: r.to,
    mode: r.mode,
    switched_at_iteration: r.switchedAtIteration,
    total_ms: r.totalMs,
    downtime_ms: r.downtimeMs,
    bytes: r.bytes,
    postcopy_requests: r.postcopyRequests,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    queued_ms: r.queuedMs,
  };
}

/** A full state value for an imported VM (no move history, no migration block). */
export function importedState(vm: VmObserved, spec: VmSpec): ObjectValue {
  return {
    id: vm.id,
    name: vm.name,
    host: vm.host,
    memory_mib: spec.memoryMib,
    vcpus: spec.vcpus,
    domain_type: vm.domainType,
    kernel: spec.kernel,
    initrd: spec.initrd,
    cmdline: spec.cmdline,
    console_log: spec.consoleLog,
    disk: spec.disks.map((d) => ({ path: d.path, format: d.format, target: d.target, shared: d.shared })),
    migration: null,
    state: vm.state,
    last_move: null,
    preflight: null,
  };
}
