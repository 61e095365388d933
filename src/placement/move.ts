/**
 * A host change, end to end: check both hosts (preflight), then move the VM the way the
 * verdict and the VM's policy say — post-copy, pre-copy, or recreate — and report where the VM
 * really is afterwards, whatever happened.
 */
import { LivevirtError, ValidationError } from "../errors.js";
import { atLeast } from "../libvirt/version-compare.js";
import { moveVm, type MoveLog, type MoveOutcome } from "../migration/engine.js";
import { MoveError } from "../migration/errors.js";
import { validateSettings, type MigrationSettings } from "../migration/policy.js";
import { formatReport, formatVerdict, getHostFacts, runPreflight } from "../preflight/index.js";
import type { PreflightReport } from "../preflight/types.js";
import type { VmLifecycle } from "./lifecycle.js";
import type { HostRegistry } from "./registry.js";
import type { Placement, VmDefinition } from "./types.js";

/** The VM's `migration` block, all defaults resolved. */
export interface MovePolicy {
  mode: "postcopy" | "precopy";
  switch: "auto" | "first-pass" | "stall" | "timeout";
  onUnsupported: "fail" | "precopy" | "recreate";
  bandwidthMib: number | null;
  postcopyBandwidthMib: number | null;
  maxDowntimeMs: number | null;
  timeoutS: number;
  copyStorage: boolean;
  probe: boolean;
}

export interface MoveRecord {
  from: string;
  to: string;
  mode: "postcopy" | "precopy" | "recreate";
  switchedAtIteration: number | null;
  totalMs: number;
  downtimeMs: number | null;
  bytes: number | null;
  postcopyRequests: number | null;
  /** When the move got its slot and when it was done (RFC 3339 UTC), and its wait for the slot. */
  startedAt: string;
  finishedAt: string;
  queuedMs: number;
  preflight: string;
}

/** Settings names as users write them in the migration block, for error messages. */
const ATTRIBUTE: Record<string, string> = {
  mode: "migration.mode",
  switch: "migration.switch",
  bandwidthMib: "migration.bandwidth_mib",
  postcopyBandwidthMib: "migration.postcopy_bandwidth_mib",
  maxDowntimeMs: "migration.max_downtime_ms",
  timeoutS: "migration.timeout_s",
  copyStorage: "migration.copy_storage",
};

/** The engine's settings from the policy; errors name the Terraform attribute, not our field. */
export function moveSettings(p: MovePolicy, forceSwitchWhenEnabled = false): MigrationSettings {
  const partial: Partial<MigrationSettings> = {
    mode: p.mode,
    timeoutS: p.timeoutS,
    copyStorage: p.copyStorage,
    forceSwitchWhenEnabled,
    ...(p.mode === "postcopy" ? { switch: p.switch } : {}),
    ...(p.bandwidthMib !== null ? { bandwidthMib: p.bandwidthMib } : {}),
    ...(p.postcopyBandwidthMib !== null ? { postcopyBandwidthMib: p.postcopyBandwidthMib } : {}),
    ...(p.maxDowntimeMs !== null ? { maxDowntimeMs: p.maxDowntimeMs } : {}),
  };
  try {
    return validateSettings(partial);
  } catch (e) {
    if (e instanceof ValidationError && e.detail.field) {
      const field = ATTRIBUTE[e.detail.field] ?? e.detail.field;
      throw new ValidationError(e.message.replaceAll(e.detail.field, field), { ...e.detail, field, fix: e.detail.fix?.replaceAll(e.detail.field, field) });
    }
    throw e;
  }
}

export class MoveService {
  constructor(
    private readonly hosts: HostRegistry,
    private readonly vms: VmLifecycle,
  ) {}

  /**
   * The plan-time verdict for moving `current` to def.host. Throws PreflightError when the
   * policy is "fail" and a required check fails; nothing on any host is changed (the optional
   * probe move uses its own throw-away domain).
   */
  async preflight(current: Placement, def: VmDefinition, policy: MovePolicy, opts: { probe: boolean; signal?: AbortSignal }): Promise<PreflightReport> {
    moveSettings(policy); // bad settings fail the plan before any host is asked
    return runPreflight({
      vm: {
        name: def.name,
        memoryMib: def.memoryMib,
        domainType: current.domainType,
        // Each disk's own flag: copy_storage is how non-shared disks move, not a claim that they are shared.
        disks: def.disks.map((d) => ({ path: d.path, shared: d.shared ?? true })),
        policy: { mode: policy.mode, onUnsupported: policy.onUnsupported, copyStorage: policy.copyStorage },
      },
      from: this.hosts.target(current.host),
      to: this.hosts.target(def.host),
      probe: opts.probe,
      signal: opts.signal,
    });
  }

  /**
   * Moves the VM. On failure throws a MoveFailed that says where the VM really is, so the state
   * can record it. The checks run again first (without the probe: the plan ran it), because
   * hosts can change between plan and apply.
   */
  async move(current: Placement, def: VmDefinition, policy: MovePolicy, opts: { signal?: AbortSignal; log?: MoveLog }): Promise<{ placement: Placement; record: MoveRecord }> {
    const report = await this.preflight(current, def, policy, { probe: false, signal: opts.signal });
    const verdict = formatVerdict(report);
    opts.log?.("info", formatReport(report));
    const from = this.hosts.target(current.host);
    const to = this.hosts.target(def.host);
    if (report.strategy === "recreate") return this.recreate(current, def, verdict);
    if (report.strategy !== "postcopy" && report.strategy !== "precopy") {
      throw new LivevirtError(`VM ${def.name}: no way to move it from ${from.name} to ${to.name} (${report.strategy})`, { host: to.name });
    }
    const settings = moveSettings(policy, await needsForcedSwitch(this.hosts, [from.name, to.name]));
    try {
      // By name: libvirt's events (where the move statistics come from) name the domain, not its UUID.
      const o = await moveVm({ domain: current.name, from, to, settings, strategy: report.strategy, disks: def.disks, signal: opts.signal, log: opts.log });
      const placement = await this.vms.locate(current.uuid, to.name);
      if (!placement) throw new LivevirtError(`VM ${def.name} moved to ${to.name} but libvirt cannot find it there now`, { host: to.name });
      return {
        placement,
        record: { from: from.name, to: to.name, ...pick(o), preflight: verdict },
      };
    } catch (e) {
      throw new MoveFailed(e, placementAfterFailure(e, current, from.name, to.name) ?? (await this.vms.locate(current.uuid, current.host).catch(() => null)));
    }
  }

  /** destroy + create: the guest reboots on the destination. Only by explicit policy. */
  private async recreate(current: Placement, def: VmDefinition, verdict: string): Promise<{ placement: Placement; record: MoveRecord }> {
    // No live migration, so no move slot to wait for: queued 0.
    const started = Date.now();
    await this.vms.delete(current.uuid, current.host);
    let placement: Placement;
    try {
      placement = await this.vms.create(def);
    } catch (e) {
      throw new MoveFailed(e, null);
    }
    const finished = Date.now();
    return {
      placement,
      record: {
        from: current.host,
        to: def.host,
        mode: "recreate",
        switchedAtIteration: null,
        totalMs: finished - started,
        downtimeMs: null,
        bytes: null,
        postcopyRequests: null,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        queuedMs: 0,
        preflight: verdict,
      },
    };
  }
}

/**
 * QEMU before 8.0 crashed guests whose move had post-copy enabled but converged in pre-copy
 * (measured on the lab: ~4 % under 7.2): there, once enabled, the switch must happen.
 */
async function needsForcedSwitch(hosts: HostRegistry, names: string[]): Promise<boolean> {
  for (const n of names) {
    const f = await getHostFacts(hosts.target(n)).promise;
    if (!f.qemuVersion.known || !atLeast(f.qemuVersion.value, "8.0.0")) return true;
  }
  return false;
}

type Recorded = "mode" | "switchedAtIteration" | "totalMs" | "downtimeMs" | "bytes" | "postcopyRequests" | "startedAt" | "finishedAt" | "queuedMs";

function pick(o: MoveOutcome): Pick<MoveRecord, Recorded> {
  const { mode, switchedAtIteration, totalMs, downtimeMs, bytes, postcopyRequests, startedAt, finishedAt, queuedMs } = o;
  return { mode, switchedAtIteration, totalMs, downtimeMs, bytes, postcopyRequests, startedAt, finishedAt, queuedMs };
}

/** A move that did not complete, with where the VM really is now (null: nowhere to be found). */
export class MoveFailed extends LivevirtError {
  constructor(
    readonly reason: unknown,
    readonly placement: Placement | null,
  ) {
    const base = reason instanceof Error ? reason.message : String(reason);
    const where = placement ? ` The VM is ${placement.state} on host ${placement.host}.` : " The VM was not found on any declared host.";
    super(reason instanceof MoveError ? base : `${base}${where}`, reason instanceof LivevirtError ? reason.detail : {}, { cause: reason });
  }
}

/**
 * Where a failed move left the VM, from what the engine saw on both hosts just before throwing.
 * Preferred over a fresh locate(): while libvirt still holds a migration job (a cut link in
 * post-copy, a restarted source daemon) `dumpxml` waits on the job's lock and times out, and
 * the state would fall back to the old host although the guest runs on the new one (measured).
 */
export function placementAfterFailure(e: unknown, current: Placement, from: string, to: string): Placement | null {
  if (!(e instanceof MoveError) || e.location === "unknown") return null;
  const view = e.location === "destination" ? e.hosts.destination : e.hosts.source;
  if (view.present !== true || !view.state) return null;
  return {
    uuid: current.uuid,
    name: current.name,
    host: e.location === "destination" ? to : from,
    domainType: current.domainType,
    state: view.state.state,
    reason: view.state.reason,
  };
}
