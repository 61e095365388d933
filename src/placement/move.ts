/**
 * A host change, end to end: check both hosts (preflight), then move the VM the way the
 * verdict and the VM's policy say — post-copy, pre-copy, or recreate — and report where the VM
 * really is afterwards, whatever happened.
 */
import { LivevirtError } from "../errors.js";
import type { HostRegistry } from "../hosts/registry.js";
import { atLeast } from "../libvirt/version-compare.js";
import { FORCED_SWITCH_BELOW_QEMU } from "../libvirt/versions.js";
import { moveVm, type MoveLog, type MoveOutcome } from "../migration/engine.js";
import { MoveError } from "../migration/errors.js";
import { MoveLimits } from "../migration/limits.js";
import { engineSettings } from "../migration/policy.js";
import { MoveFailed, attachDisks, type MoveRecord, type Placement, type Vm } from "../model/index.js";
import { formatReport, formatVerdict, getHostFacts, runPreflight } from "../preflight/index.js";
import { cpuElement } from "../preflight/fit.js";
import type { PreflightReport } from "../preflight/types.js";
import type { VmLifecycle } from "./lifecycle.js";

export class MoveService {
  constructor(
    private readonly hosts: HostRegistry,
    private readonly vms: VmLifecycle,
    /** Concurrent moves per host: each declared host's maxOutboundMoves / maxInboundMoves, else the defaults. */
    private readonly limits: MoveLimits = limitsOfHosts(hosts),
  ) {}

  /**
   * The plan-time verdict for moving `current` to def.host. Throws PreflightError when the
   * policy is "fail" and a required check fails; nothing on any host is changed (the optional
   * probe move uses its own throw-away domain).
   */
  async preflight(current: Placement, def: Vm, opts: { probe: boolean; signal?: AbortSignal; planned?: { from: string } }): Promise<PreflightReport> {
    engineSettings(def.migration); // bad settings fail the plan before any host is asked
    const policy = def.migration;
    // Already on the destination although the state still says `planned.from`: a move of an
    // interrupted apply finished after this plan was made, and Terraform is re-planning that saved
    // plan. The verdict must be the one the plan showed (Terraform refuses a changed planned
    // value), so it is the verdict of the planned pair; the domain's own facts come from where it is.
    const already = opts.planned && current.host === def.host && opts.planned.from !== def.host ? opts.planned.from : null;
    const cpuXml = already && (current.domainType === "kvm" || def.cpu !== null) ? await this.cpuXmlOf(current, opts.signal) : undefined;
    return runPreflight({
      vm: {
        name: def.name,
        memoryMib: def.memoryMib,
        domainType: current.domainType,
        cpu: def.cpu,
        ...(cpuXml !== undefined ? { cpuXml } : {}),
        // Each disk's own flag: copy_storage is how non-shared disks move, not a claim that they are shared.
        disks: def.disks.map((d) => ({ path: d.path, pool: d.pool, volume: d.volume, format: d.format, shared: d.shared ?? true })),
        // What the domain really has (an adopted VM may have more than it declares) and what the
        // same apply plugs in after the move: the destination needs both.
        networkInterfaces: [...(current.networkInterfaces ?? []), ...def.networkInterfaces],
        migration: { mode: policy.mode, onUnsupported: policy.onUnsupported, copyStorage: policy.copyStorage, tls: policy.tls },
      },
      from: this.hosts.target(already ?? current.host),
      to: this.hosts.target(def.host),
      probe: opts.probe,
      signal: opts.signal,
    });
  }

  /**
   * Starts reading both hosts' facts for a coming preflight() of a move between them (the run cache
   * keeps them; that preflight awaits the same reads). Returns at once and never throws: a failed
   * read is dropped from the cache, and the preflight reads again and reports it.
   */
  prepare(fromHost: string, toHost: string, signal?: AbortSignal): void {
    for (const name of new Set([fromHost, toHost])) {
      const target = this.hosts.find(name);
      if (target) getHostFacts(target, { signal }).promise.catch(() => undefined);
    }
  }

  private async cpuXmlOf(p: Placement, signal?: AbortSignal): Promise<string | undefined> {
    try {
      return cpuElement((await this.hosts.connection(p.host).dumpXml(p.uuid, { migratable: true }, { signal })).xml);
    } catch {
      return undefined;
    }
  }

  /**
   * Moves the VM. On failure throws a MoveFailed that says where the VM really is, so the state
   * can record it. The checks run again first (without the probe: the plan ran it), because
   * hosts can change between plan and apply.
   */
  async move(current: Placement, def: Vm, opts: { signal?: AbortSignal; log?: MoveLog }): Promise<{ placement: Placement; record: MoveRecord }> {
    const report = await this.preflight(current, def, { probe: false, signal: opts.signal });
    const verdict = formatVerdict(report);
    opts.log?.("info", formatReport(report));
    const from = this.hosts.target(current.host);
    const to = this.hosts.target(def.host);
    if (report.strategy === "recreate") return this.recreate(current, def, verdict);
    if (report.strategy !== "postcopy" && report.strategy !== "precopy") {
      throw new LivevirtError(`VM ${def.name}: no way to move it from ${from.name} to ${to.name} (${report.strategy})`, { host: to.name });
    }
    const settings = engineSettings(def.migration, await needsForcedSwitch(this.hosts, [from.name, to.name]));
    try {
      // By name: libvirt's events (where the move statistics come from) name the domain, not its UUID.
      const o = await moveVm({
        domain: current.name,
        from,
        to,
        settings,
        strategy: report.strategy,
        tls: report.tls,
        disks: attachDisks(def.disks),
        signal: opts.signal,
        log: opts.log,
        limits: this.limits,
      });
      const placement = await this.vms.locate(current.uuid, to.name);
      if (!placement) throw new LivevirtError(`VM ${def.name} moved to ${to.name} but libvirt cannot find it there now`, { host: to.name });
      return {
        placement,
        record: { from: from.name, to: to.name, ...pick(o), preflight: verdict },
      };
    } catch (e) {
      const where = placementAfterFailure(e, current, from.name, to.name) ?? (await this.vms.locate(current.uuid, current.host).catch(() => null));
      throw new MoveFailed(e, where, e instanceof MoveError);
    }
  }

  /** destroy + create: the guest reboots on the destination. Only by explicit policy. */
  private async recreate(current: Placement, def: Vm, verdict: string): Promise<{ placement: Placement; record: MoveRecord }> {
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
        recoveredBy: null,
        recoveryMs: null,
        preflight: verdict,
      },
    };
  }
}

/**
 * QEMU before FORCED_SWITCH_BELOW_QEMU crashed guests whose move had post-copy enabled but converged in pre-copy
 * (measured on the lab: ~4 % under 7.2): there, once enabled, the switch must happen.
 */
async function needsForcedSwitch(hosts: HostRegistry, names: string[]): Promise<boolean> {
  for (const n of names) {
    const f = await getHostFacts(hosts.target(n)).promise;
    if (!f.qemuVersion.known || !atLeast(f.qemuVersion.value, FORCED_SWITCH_BELOW_QEMU)) return true;
  }
  return false;
}

type Recorded =
  | "mode"
  | "switchedAtIteration"
  | "totalMs"
  | "downtimeMs"
  | "bytes"
  | "postcopyRequests"
  | "startedAt"
  | "finishedAt"
  | "queuedMs"
  | "recoveredBy"
  | "recoveryMs";

function pick(o: MoveOutcome): Pick<MoveRecord, Recorded> {
  const { mode, switchedAtIteration, totalMs, downtimeMs, bytes, postcopyRequests, startedAt, finishedAt, queuedMs, recovery } = o;
  return {
    mode,
    switchedAtIteration,
    totalMs,
    downtimeMs,
    bytes,
    postcopyRequests,
    startedAt,
    finishedAt,
    queuedMs,
    recoveredBy: recovery?.by ?? null,
    recoveryMs: recovery?.ms ?? null,
  };
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

/** One MoveLimits for a configuration's hosts: each host's declared limits over the defaults. */
export function limitsOfHosts(hosts: HostRegistry): MoveLimits {
  return new MoveLimits({
    forHost: (name) => {
      const h = hosts.find(name);
      return h && { outbound: h.maxOutboundMoves, inbound: h.maxInboundMoves };
    },
  });
}
