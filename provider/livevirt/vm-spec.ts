/** livevirt_vm Terraform values ↔ the model's Vm, Placement and MoveRecord (translation only). */
import {
  DISK_DEFAULTS,
  NIC_DEFAULTS,
  VM_DEFAULTS,
  resolveMigration,
  type Disk,
  type MigrationPolicy,
  type MoveRecord,
  type NetworkInterface,
  type Placement,
  type Vm,
} from "../../src/model/index.js";
import { isUnknown, type ObjectValue, type Value } from "../framework/values.js";
import type { VmRef } from "./driver.js";
import { modelInput } from "./spelling.js";

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);

/** The migration block (null = left out), defaults resolved by the model. */
export function migrationPolicy(m: ObjectValue | null): MigrationPolicy {
  return resolveMigration(m ? (modelInput(m) as Partial<MigrationPolicy>) : null);
}

/** From a planned (wholly known except computed attributes) livevirt_vm value. */
export function vmFromValue(v: ObjectValue): Vm {
  return {
    name: String(v.name),
    host: String(v.host),
    memoryMib: num(v.memory_mib) ?? VM_DEFAULTS.memoryMib,
    vcpus: num(v.vcpus) ?? VM_DEFAULTS.vcpus,
    maxMemoryMib: num(v.max_memory_mib),
    maxVcpus: num(v.max_vcpus),
    domainType: (str(v.domain_type) ?? VM_DEFAULTS.domainType) as Vm["domainType"],
    cpu: str(v.cpu),
    kernel: str(v.kernel),
    initrd: str(v.initrd),
    cmdline: str(v.cmdline),
    disks: ((v.disk ?? []) as ObjectValue[]).map((d): Disk => ({
      path: str(d.path),
      pool: str(d.pool),
      volume: str(d.volume),
      format: (str(d.format) ?? DISK_DEFAULTS.format) as Disk["format"],
      target: str(d.target),
      shared: typeof d.shared === "boolean" ? d.shared : DISK_DEFAULTS.shared,
    })),
    networkInterfaces: nicValues(v.network_interface).map((n): NetworkInterface => ({
      network: str(n.network),
      bridge: str(n.bridge),
      mac: str(n.mac),
      model: (str(n.model) ?? NIC_DEFAULTS.model) as NetworkInterface["model"],
    })),
    consoleLog: str(v.console_log),
    migration: migrationPolicy((v.migration ?? null) as ObjectValue | null),
  };
}

const nicValues = (v: Value | undefined): ObjectValue[] => (Array.isArray(v) ? (v as ObjectValue[]) : []);

/** network_interface blocks as Terraform stores them. */
export const nicValue = (n: NetworkInterface): ObjectValue => ({ network: n.network, bridge: n.bridge, mac: n.mac, model: n.model });

/**
 * The planned interfaces with the MACs libvirt assigned at create filled in (by position: the
 * domain's interfaces are written in the configuration's order). A MAC the create did not report
 * stays unknown, which Terraform then reports as a provider bug rather than storing a guess.
 */
export function withAssignedMacs(planned: Value | undefined, found: readonly NetworkInterface[] | undefined): Value {
  return nicValues(planned).map((n, i) => (isUnknown(n.mac ?? null) && found?.[i]?.mac ? { ...n, mac: found[i]!.mac } : n));
}

export const vmRef = (v: ObjectValue): VmRef => ({ id: String(v.id), name: String(v.name), host: String(v.host) });

export function lastMoveValue(r: MoveRecord): ObjectValue {
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
    recovered_by: r.recoveredBy,
    recovery_ms: r.recoveryMs,
  };
}

/** A full state value for an imported VM (no move history, no migration block). */
export function importedState(p: Placement, vm: Vm): ObjectValue {
  return {
    id: p.uuid,
    name: p.name,
    host: p.host,
    memory_mib: vm.memoryMib,
    vcpus: vm.vcpus,
    max_memory_mib: vm.maxMemoryMib,
    max_vcpus: vm.maxVcpus,
    resize: null,
    domain_type: p.domainType,
    cpu: vm.cpu,
    kernel: vm.kernel,
    initrd: vm.initrd,
    cmdline: vm.cmdline,
    console_log: vm.consoleLog,
    disk: vm.disks.map((d) => ({ path: d.path, pool: d.pool, volume: d.volume, format: d.format, target: d.target, shared: d.shared })),
    network_interface: vm.networkInterfaces.map(nicValue),
    migration: null,
    state: p.state,
    leftover_definitions: p.leftovers && p.leftovers.length > 0 ? [...p.leftovers] : null,
    adopted: true,
    last_move: null,
    preflight: null,
  };
}
