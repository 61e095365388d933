/**
 * moveVm: one live migration of a running VM from one host to another, as apply needs it.
 *
 *   limit slot → checks → dirty-rate hint → source event stream → virsh migrate (p2p, live,
 *   persistent, undefinesource, [--postcopy]) → monitor loop (decide: continue/switch/abort) →
 *   statistics (source job-completed event) → verify on both hosts → MoveOutcome
 *
 * Every failure becomes a MoveError whose `location` comes from asking both hosts, never from
 * the exit code: the state file must record where the VM really is.
 *
 * The switch is ours (migratePostcopy when decide() says so), not virsh's
 * --postcopy-after-precopy: that flag is the baseline the benchmark compares against.
 */
import type { HostTarget } from "../hosts.js";
import { DomainNotFoundError, LibvirtError, ValidationError } from "../errors.js";
import { MigrationError } from "../libvirt/errors.js";
import { startMigration, type MigrationHandle } from "../libvirt/migrate.js";
import type { MigrateOptions } from "../libvirt/migrate-args.js";
import type { DomJobInfo } from "../libvirt/parse/domjobinfo.js";
import { Connection } from "../libvirt/virsh.js";
import { measureDirtyRateHint, wantsDirtyRateHint } from "./dirty-rate.js";
import { MoveError, type HostViews, type VmLocation } from "./errors.js";
import { completedStats, watchSourceEvents, type SourceEvents, type StatsOrigin } from "./job-stats.js";
import { defaultMoveLimits, type MoveLimits } from "./limits.js";
import { monitorMigration, type MonitorResult, type MoveLog } from "./monitor.js";
import type { MigrationSettings } from "./policy.js";
import { formatMiB } from "./progress.js";
import { resumePostcopy } from "./resume.js";
import { fixFor, inspectBoth, judgeLocation, stateAt, verifyMoved, whereMessage } from "./verify.js";

export type { MoveLog } from "./monitor.js";

export interface MoveRequest {
  domain: string;
  from: HostTarget;
  to: HostTarget;
  settings: MigrationSettings;
  /** Overrides settings.mode: the resource's choice for this move. */
  strategy: "postcopy" | "precopy";
  /** StopProvider: aborts a pre-copy; after the post-copy switch the move runs to the end. */
  signal?: AbortSignal;
  log?: MoveLog;
  /** Job sampling interval (default 500 ms, as nova). */
  sampleMs?: number;
  /** Concurrency limits (default: process-wide, 1 outbound per host). */
  limits?: MoveLimits;
}

export interface MoveOutcome {
  /** "postcopy" only if the switch happened; a post-copy-enabled move that converged is "precopy". */
  mode: "postcopy" | "precopy";
  switchedAtIteration: number | null;
  switchReason: string | null;
  /** Wall clock from starting virsh migrate to its successful end (incl. a resume). */
  totalMs: number;
  /** Guest pause at the handover (completed-job stats), null when no stats came. */
  downtimeMs: number | null;
  /** Data sent (memory + copied disks). */
  bytes: number | null;
  /** Pages the destination faulted in over the network after the switch. */
  postcopyRequests: number | null;
  location: "destination";
  /** Extras for the record and the benchmark. */
  jobElapsedMs: number | null;
  dirtyRateHintMibPerS: number | null;
  statsOrigin: StatsOrigin | null;
  stats: DomJobInfo | null;
  resumed: boolean;
  /** Destination libvirt state after verification, e.g. "running (migrated)". */
  state: string;
}

const noLog: MoveLog = () => {};

export async function moveVm(req: MoveRequest): Promise<MoveOutcome> {
  const log = req.log ?? noLog;
  if (req.from.name === req.to.name) {
    throw new ValidationError(`${req.domain}: source and destination are the same host (${req.from.name})`, {
      field: "host",
      value: req.to.name,
      fix: "nothing to move; pick another host",
    });
  }
  const limits = req.limits ?? defaultMoveLimits;
  const busy = limits.busyOut(req.from.name);
  if (busy.running > 0) log("info", `waiting for ${busy.running + busy.waiting} other move(s) out of ${req.from.name} (limit ${limits.outboundPerHost})`);
  let release: () => void;
  try {
    release = await limits.acquire(req.from.name, req.to.name, req.signal);
  } catch (e) {
    throw await failure(req, "stopped while waiting for a free move slot", false, "not-started", e);
  }
  try {
    return await runMove(req, log);
  } finally {
    release();
  }
}

async function runMove(req: MoveRequest, log: MoveLog): Promise<MoveOutcome> {
  const { domain, from, to } = req;
  const settings: MigrationSettings = { ...req.settings, mode: req.strategy };
  const src = new Connection(from.uri, { timeoutMs: 15_000 });
  const deadline = Date.now() + settings.timeoutS * 1000;

  // The guest must be running on the source: post-copy and --live refuse anything else, and a
  // missing domain means the state is stale (say where it is instead).
  let guestRamBytes: number;
  try {
    const st = await src.domainState(domain);
    if (st.state !== "running") {
      throw await failure(req, `${domain} is ${st.state} (${st.reason}) on ${from.name}; only a running VM is live-migrated`, false, "not-started");
    }
    guestRamBytes = (await src.dumpXml(domain)).memoryBytes;
  } catch (e) {
    if (e instanceof MoveError) throw e;
    throw await failure(req, e instanceof DomainNotFoundError ? `${domain} is not on ${from.name}` : `cannot read ${domain} on ${from.name}`, false, "not-started", e);
  }

  let hint: number | undefined;
  if (wantsDirtyRateHint(settings)) {
    try {
      hint = await measureDirtyRateHint(from, domain, log, req.signal);
    } catch (e) {
      throw await failure(req, "stopped before the move started", false, "not-started", e);
    }
  }
  if (req.signal?.aborted) throw await failure(req, "stopped before the move started", false, "not-started");

  const migrate: MigrateOptions = {
    live: true,
    p2p: true,
    persistent: true,
    undefineSource: true,
    postcopy: req.strategy === "postcopy",
    ...(settings.bandwidthMib !== undefined ? { bandwidth: settings.bandwidthMib } : {}),
    ...(req.strategy === "postcopy" && settings.postcopyBandwidthMib !== undefined ? { postcopyBandwidth: settings.postcopyBandwidthMib } : {}),
    ...(settings.copyStorage ? { copyStorageAll: true } : {}),
  };
  const destUri = to.migrationUri ?? to.uri;

  const events = await watchSourceEvents(from, domain, log);
  let handle: MigrationHandle;
  const t0 = Date.now();
  try {
    // No signal/timeout handed to virsh: aborting is the monitor's job (never in post-copy). The
    // process limit is only a backstop far beyond the move's own timeout.
    handle = startMigration(from.uri, domain, destUri, { ...migrate, processTimeoutMs: settings.timeoutS * 1000 + 6 * 3600_000 });
  } catch (e) {
    await events.close();
    throw await failure(req, "the migration could not be started", false, "not-started", e);
  }
  log("info", `moving ${domain} from ${from.name} to ${to.name} (${req.strategy}${req.strategy === "postcopy" ? `, switch ${settings.switch}` : ""}, ${formatMiB(guestRamBytes)} RAM${settings.bandwidthMib ? `, ${settings.bandwidthMib} MiB/s` : ""})`, {
    command: handle.command.join(" "),
  });

  let mon: MonitorResult | undefined;
  try {
    mon = await monitorMigration({
      source: { sample: () => src.domJobInfo(domain, {}, { timeoutMs: 10_000 }) },
      actions: {
        onJobStarted: async () => {
          if (settings.maxDowntimeMs !== undefined) await src.migrateSetMaxDowntime(domain, settings.maxDowntimeMs);
        },
        switchToPostcopy: () => src.migratePostcopy(domain),
        // domjobabort, not SIGINT to virsh: measured on libvirt 11.3, virsh migrate --p2p ignored
        // SIGINT, and killing it leaves the job running in the source daemon.
        abort: () => src.domJobAbort(domain),
      },
      settings,
      guestRamBytes,
      ...(hint !== undefined ? { dirtyRateHintBytesPerS: hint } : {}),
      sampleMs: req.sampleMs ?? 500,
      done: handle.done,
      signal: req.signal,
      log,
    });
    let resumed = false;
    try {
      await handle.done;
    } catch (e) {
      const switched = mon.phase === "postcopy";
      if (!switched) {
        // virsh can die while the p2p job lives on in the source daemon (measured: killing virsh
        // does not stop it). Never leave such an orphan behind a "failed" answer.
        await abortOrphanJob(src, domain, log);
        const why = mon.abortReason ?? "the migration failed during pre-copy";
        throw await failure(req, why, false, "precopy", e);
      }
      log("warn", `post-copy move failed: ${(e as Error).message}`);
      resumed = await resumePostcopy({ domain, from, to, migrate, deadline: Math.max(deadline, Date.now() + 60_000), log });
      if (!resumed) throw await failure(req, `post-copy failed after the switch and could not be resumed (${(e as Error).message})`, true, "postcopy", e);
    }
    const totalMs = Date.now() - t0;
    const switched = mon.phase === "postcopy";
    if (req.signal?.aborted && !switched) log("warn", "stop requested, but the move had already completed");

    const got = await completedStats(events, from, domain, log);
    const views = await verifyMoved(domain, from, to, { switched });
    const stats = got?.stats ?? null;
    const outcome: MoveOutcome = {
      mode: switched ? "postcopy" : "precopy",
      switchedAtIteration: mon.switchedAtIteration,
      switchReason: mon.switchReason,
      totalMs,
      downtimeMs: stats?.downtimeMs ?? null,
      bytes: stats?.dataProcessedBytes ?? stats?.memoryProcessedBytes ?? mon.lastSample?.dataProcessedBytes ?? null,
      postcopyRequests: stats?.postcopyRequests ?? null,
      location: "destination",
      jobElapsedMs: stats?.timeElapsedMs ?? null,
      dirtyRateHintMibPerS: hint === undefined ? null : hint / (1024 * 1024),
      statsOrigin: got?.origin ?? null,
      stats,
      resumed,
      state: stateAt(views, "destination"),
    };
    if (!got) log("warn", `no completed-job statistics from ${from.name}: downtime and post-copy requests unknown`);
    log("info", summary(domain, from, to, outcome), recordFields(outcome));
    return outcome;
  } finally {
    await events.close();
  }
}

async function abortOrphanJob(src: Connection, domain: string, log: MoveLog): Promise<void> {
  try {
    const job = await src.domJobInfo(domain, {}, { timeoutMs: 10_000 });
    if (job.type !== "Bounded" && job.type !== "Unbounded") return;
    log("warn", `virsh ended but the migration job still runs on the source: aborting it`);
    await src.domJobAbort(domain);
  } catch {
    // No domain or no job: nothing left running.
  }
}

/** Looks at both hosts and builds the MoveError for a move that did not complete. */
async function failure(req: MoveRequest, why: string, switched: boolean, phase: MoveError["phase"], cause?: unknown): Promise<MoveError> {
  const { domain, from, to } = req;
  let views: HostViews;
  let location: VmLocation;
  // libvirt tears down the incoming domain on the destination a moment after a cancelled
  // pre-copy: look again for a while, so that the error shows the settled picture.
  for (let i = 0; ; i++) {
    views = await inspectBoth(from, to, domain);
    location = judgeLocation(views, switched);
    const leftovers = location === "source" && views.destination.present === true;
    if ((location !== "unknown" && !leftovers) || i >= 20) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // libvirt's own words, unless it only echoes our abort.
  const libvirtSays =
    cause instanceof MigrationError
      ? cause.failure.kind === "aborted-by-client" ? "" : ` (libvirt: ${cause.failure.message})`
      : cause instanceof LibvirtError ? ` (${cause.message})` : "";
  const msg = `${domain}: move from ${from.name} to ${to.name} failed: ${why}${libvirtSays}. ${whereMessage(domain, views, location, from, to)}`;
  return new MoveError(msg, location, stateAt(views, location), views, phase, {
    host: location === "source" ? from.name : location === "destination" ? to.name : undefined,
    fix: fixFor(views, location, from, to, domain),
  }, { cause });
}

function summary(domain: string, from: HostTarget, to: HostTarget, o: MoveOutcome): string {
  const sw = o.mode === "postcopy" ? `post-copy (switched in iteration ${o.switchedAtIteration ?? "?"})` : "pre-copy";
  const parts = [`moved ${domain} from ${from.name} to ${to.name} by ${sw} in ${(o.totalMs / 1000).toFixed(1)} s`];
  if (o.downtimeMs !== null) parts.push(`downtime ${o.downtimeMs} ms`);
  if (o.bytes !== null) parts.push(`${formatMiB(o.bytes)} sent`);
  if (o.postcopyRequests !== null && o.mode === "postcopy") parts.push(`${o.postcopyRequests} post-copy page requests`);
  return parts.join(", ");
}

/** The record of a move, as structured log fields (and for the state's move history). */
export function recordFields(o: MoveOutcome): Record<string, unknown> {
  return {
    mode: o.mode,
    switchedAtIteration: o.switchedAtIteration,
    totalMs: o.totalMs,
    downtimeMs: o.downtimeMs,
    bytes: o.bytes,
    postcopyRequests: o.postcopyRequests,
    resumed: o.resumed,
  };
}
