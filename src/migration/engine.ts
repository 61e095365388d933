/**
 * moveVm: one live migration of a running VM from one host to another, as apply needs it.
 *
 *   limit slot → checks → source event stream → dirty-rate calc started → virsh migrate (p2p,
 *   live, persistent, undefinesource, [--postcopy]) → monitor loop (decide: continue/switch/abort;
 *   the dirty-rate result joins it during pass 1) →
 *   statistics (source job-completed event) → verify on both hosts → MoveOutcome
 *
 * Every failure becomes a MoveError whose `location` comes from asking both hosts, never from
 * the exit code: the state file must record where the VM really is.
 *
 * The switch is ours (migratePostcopy when decide() says so), not virsh's
 * --postcopy-after-precopy: that flag is the baseline the benchmark compares against.
 */
import type { Host } from "../model/index.js";
import { DomainNotFoundError, LibvirtError, LivevirtError, ValidationError } from "../errors.js";
import { MigrationError } from "../libvirt/errors.js";
import { startMigration, type MigrationHandle } from "../libvirt/migrate.js";
import { migrationAddressOptions, type MigrateOptions } from "../libvirt/migrate-args.js";
import type { DomJobInfo } from "../libvirt/parse/domjobinfo.js";
import { connect } from "../hosts/registry.js";
import type { Connection } from "../libvirt/virsh.js";
import { readDirtyRate } from "../libvirt/dirty-rate.js";
import { startDirtyRateProbe, wantsDirtyRateHint } from "./dirty-rate.js";
import { describeView, MoveError, type HostViews, type VmLocation } from "./errors.js";
import { completedStats, watchSourceEvents, type StatsOrigin } from "./job-stats.js";
import { defaultMoveLimits, type MoveLimits, type MoveSlot } from "./limits.js";
import { monitorMigration, type DirtyRateSource, type MonitorResult, type MoveLog } from "./monitor.js";
import type { MigrationSettings } from "./policy.js";
import { formatMiB } from "./progress.js";
import { ProgressRecorder } from "./progress-log.js";
import { peerRefusal, prepareRefusal, type PrepareRefusal } from "./refusal.js";
import { resumePostcopy, type Recovery } from "./resume.js";
import { disksToCopy, prepareDestinationImages, removeCreatedImages, type CopiedDisk, type MoveDisk } from "./storage-copy.js";
import { settleOrphanJob, type SettleResult } from "./orphan-job.js";
import { fixFor, inspectBoth, isIncompleteIncoming, judgeLocation, movedProblems, stateAt, verifyMoved, whereMessage } from "./verify.js";

export type { MoveLog } from "./monitor.js";

export interface MoveRequest {
  domain: string;
  from: Host;
  to: Host;
  settings: MigrationSettings;
  /** Overrides settings.mode: the resource's choice for this move. */
  strategy: "postcopy" | "precopy";
  /** Encrypt the migration data (QEMU TLS): the preflight's decision for this pair. @default false */
  tls?: boolean;
  /** Where the move's progress file goes (progress-log.ts). @default progressDir() */
  progressDir?: string;
  /** StopProvider: aborts a pre-copy; after the post-copy switch the move runs to the end. */
  signal?: AbortSignal;
  log?: MoveLog;
  /** Job sampling interval (default 500 ms, as nova). */
  sampleMs?: number;
  /** Concurrency limits (default: process-wide, 1 outbound per host). */
  limits?: MoveLimits;
  /**
   * The VM's disks with livevirt's shared flag. With settings.copyStorage, the non-shared ones
   * are copied (their destination images prepared first, storage-copy.ts) and only those
   * (--migrate-disks). Left out: libvirt's own rule, every writable non-shareable disk.
   */
  disks?: readonly MoveDisk[];
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
  /** A post-copy that lost its link and was completed anyway: how, and in how long; else null. */
  recovery: Recovery | null;
  /** Destination libvirt state after verification, e.g. "running (migrated)". */
  state: string;
  /**
   * When the move got its slot (MoveLimits) and when it was done (verified, before the slot was
   * given back), RFC 3339 UTC; and how long it waited for the slot. Two moves that share a limit
   * have [startedAt, finishedAt] intervals that never overlap.
   */
  startedAt: string;
  finishedAt: string;
  queuedMs: number;
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
  if (busy.running > 0)
    log("info", `waiting for ${busy.running + busy.waiting} other move(s) out of ${req.from.name} (limit ${limits.limitsOf(req.from.name).outbound})`);
  let slot: MoveSlot;
  try {
    slot = await limits.take(req.from.name, req.to.name, req.signal);
  } catch (e) {
    throw await failure(req, "stopped while waiting for a free move slot", false, "not-started", e);
  }
  if (slot.queuedMs > 0 && busy.running > 0) log("info", `got a move slot out of ${req.from.name} after ${slot.queuedMs} ms`);
  const copied: CopiedDisk[] = [];
  try {
    return await runMove(req, log, slot, limits.now, copied);
  } catch (e) {
    // Images made for this move are only garbage while the VM is still (only) on the source.
    if (e instanceof MoveError && e.location === "source") await removeCreatedImages(req.to, copied, log);
    throw e;
  } finally {
    slot.release();
  }
}

async function runMove(req: MoveRequest, log: MoveLog, slot: MoveSlot, now: () => number, copied: CopiedDisk[]): Promise<MoveOutcome> {
  const { domain, from, to } = req;
  const settings: MigrationSettings = { ...req.settings, mode: req.strategy };
  const src = connect(from, { timeoutMs: 15_000 });
  const deadline = Date.now() + settings.timeoutS * 1000;

  // What the move needs of the source domain, asked while the check below runs (one round trip
  // instead of three in a row); read again if that check had to settle anything.
  const readSource = () => settled(Promise.all([src.domainState(domain), src.dumpXml(domain)]));
  let source = readSource();
  // Likewise the host's last dirty-rate result, which tells ours from an older one (dirty-rate.ts):
  // a query, allowed while a job runs. Only the calculation itself must wait for the check.
  const wantsHint = wantsDirtyRateHint(settings);
  let rateBefore = wantsHint ? settled(readDirtyRate(from.uri, domain, { timeoutMs: 10_000, signal: req.signal })) : undefined;

  // An apply whose provider died (SIGKILL, a second Ctrl-C) leaves its p2p job running in the
  // source daemon: abort it (pre-copy) or let it finish (post-copy) first — see orphan-job.ts.
  let orphan: SettleResult;
  try {
    orphan = await settleOrphanJob({ domain, hosts: [from, to], deadline, log, signal: req.signal });
  } catch (e) {
    throw await failure(req, `an earlier migration could not be settled: ${(e as Error).message}`, false, "not-started", e);
  }
  if (orphan.actions.length > 0) {
    const views = await inspectBoth(from, to, domain);
    if (movedProblems(views).length === 0) return adoptedMove(domain, from, to, views, orphan, slot, now, log);
    source = readSource();
    if (wantsHint) rateBefore = settled(readDirtyRate(from.uri, domain, { timeoutMs: 10_000, signal: req.signal }));
  }

  // The guest must be running on the source: post-copy and --live refuse anything else, and a
  // missing domain means the state is stale (say where it is instead).
  let guestRamBytes: number;
  try {
    const [st, xml] = unwrap(await source);
    if (st.state !== "running") {
      throw await failure(req, `${domain} is ${st.state} (${st.reason}) on ${from.name}; only a running VM is live-migrated`, false, "not-started");
    }
    guestRamBytes = xml.memoryBytes;
  } catch (e) {
    if (e instanceof MoveError) throw e;
    throw await failure(
      req,
      e instanceof DomainNotFoundError ? `${domain} is not on ${from.name}` : `cannot read ${domain} on ${from.name}`,
      false,
      "not-started",
      e,
    );
  }

  const copyTargets = req.disks === undefined ? undefined : disksToCopy(settings.copyStorage, req.disks);
  if (copyTargets !== undefined && copyTargets.length > 0) {
    try {
      await prepareDestinationImages({ domain, from, to, targets: copyTargets, done: copied, log, signal: req.signal });
    } catch (e) {
      const why = `the destination images for the storage copy could not be prepared: ${(e as Error).message}`;
      // Our refusal names the host to fix and how (e.g. a foreign image at the path on the destination).
      const refused = e instanceof LivevirtError && e.detail.host && e.detail.fix ? { why, host: e.detail.host, fix: e.detail.fix } : undefined;
      throw await failure(req, why, false, "not-started", e, refused);
    }
  }

  // No settle wait for the stream: the only event used, job-completed, comes at the end of the
  // move, seconds after virsh has registered (~0.1 s, while the next steps run). completedStats()
  // falls back to the source's completed job should it ever be missed.
  const events = await watchSourceEvents(from, domain, log, 0);
  // The dirty-rate calc runs in QEMU during pass 1 (dirty-rate.ts): started now, it costs one
  // short virsh call instead of a measurement before the move.
  let dirtyRate: DirtyRateSource | undefined;
  try {
    if (rateBefore) {
      const before = await rateBefore; // a failed read is read again there, and a second failure only logged
      dirtyRate = await startDirtyRateProbe(from, domain, log, req.signal, before.ok ? before.value : undefined);
    }
    if (req.signal?.aborted) throw req.signal.reason;
  } catch (e) {
    await events.close();
    throw await failure(req, "stopped before the move started", false, "not-started", e);
  }

  const migrate: MigrateOptions = {
    live: true,
    p2p: true,
    persistent: true,
    undefineSource: true,
    postcopy: req.strategy === "postcopy",
    ...(req.tls ? { tls: true } : {}),
    ...migrationAddressOptions(to.migrationAddress),
    ...(settings.bandwidthMib !== undefined ? { bandwidth: settings.bandwidthMib } : {}),
    ...(req.strategy === "postcopy" && settings.postcopyBandwidthMib !== undefined ? { postcopyBandwidth: settings.postcopyBandwidthMib } : {}),
    ...(copyTargets === undefined
      ? settings.copyStorage
        ? { copyStorageAll: true }
        : {}
      : copyTargets.length > 0
        ? { copyStorageAll: true, migrateDisks: copyTargets }
        : {}),
  };
  const destUri = to.migrationUri ?? to.uri;

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
  log(
    "info",
    `moving ${domain} from ${from.name} to ${to.name} ` +
      `(${req.strategy}${req.strategy === "postcopy" ? `, switch ${settings.switch}` : ""}, ${req.tls ? "TLS" : "in clear"}, ` +
      `${formatMiB(guestRamBytes)} RAM${settings.bandwidthMib ? `, ${settings.bandwidthMib} MiB/s` : ""})`,
    {
      command: handle.command.join(" "),
    },
  );

  let mon: MonitorResult | undefined;
  const progress = new ProgressRecorder(
    { t: t0, vm: domain, from: from.name, to: to.name, strategy: req.strategy, tls: req.tls ?? false, ramBytes: guestRamBytes },
    (m) => log("warn", m),
    req.progressDir,
  );
  let ended = false;
  const end = (result: "precopy" | "postcopy" | "failed", message?: string) => {
    if (ended) return;
    ended = true;
    progress.write({ kind: "end", t: Date.now(), elapsedMs: Date.now() - t0, result, ...(message ? { message } : {}) });
  };
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
      ...(dirtyRate !== undefined ? { dirtyRate } : {}),
      sampleMs: req.sampleMs ?? 500,
      done: handle.done,
      signal: req.signal,
      log,
      onProgress: (r) => progress.write(r),
    });
    let recovery: Recovery | null = null;
    try {
      await handle.done;
    } catch (e) {
      const switched = mon.phase === "postcopy";
      if (!switched) {
        // virsh can die while the p2p job lives on in the source daemon (measured: killing virsh
        // does not stop it). Never leave such an orphan behind a "failed" answer.
        await abortOrphanJob(src, domain, log);
        const refused = prepareRefusal(e, to.name) ?? peerRefusal(e, from, to);
        if (refused) throw await failure(req, refused.why, false, "not-started", e, refused);
        const why = mon.abortReason ?? "the migration failed during pre-copy";
        throw await failure(req, why, false, "precopy", e);
      }
      log("warn", `post-copy move failed: ${(e as Error).message}`);
      const r = await resumePostcopy({ domain, from, to, migrate, deadline: Math.max(deadline, Date.now() + 60_000), log });
      // The guest's vCPUs are on the destination now; the error must say so (and the state b).
      if (!r.ok)
        throw await failure(
          req,
          `the post-copy phase lost its connection: ${r.why}; the guest's memory is split between ${from.name} and ${to.name}`,
          true,
          "postcopy",
          e,
        );
      recovery = r.recovery;
    }
    const totalMs = Date.now() - t0;
    const switched = mon.phase === "postcopy";
    if (req.signal?.aborted && !switched) log("warn", "stop requested, but the move had already completed");

    // The statistics (normally already there: the event comes as the job ends) while both hosts are asked.
    const [got, views] = await Promise.all([completedStats(events, from, domain, log), verifyMoved(domain, from, to, { switched })]);
    // After a recovered post-copy the completed-job event carries the figures from when libvirt
    // lost the link (measured: 17 MB sent, 0 page requests): better unknown than wrong.
    const resumed = recovery !== null;
    if (resumed && got) log("warn", "move recovered after a lost link: its statistics are incomplete and are not recorded");
    const stats = resumed ? null : (got?.stats ?? null);
    const outcome: MoveOutcome = {
      mode: switched ? "postcopy" : "precopy",
      switchedAtIteration: mon.switchedAtIteration,
      switchReason: mon.switchReason,
      totalMs,
      downtimeMs: stats?.downtimeMs ?? null,
      bytes: stats?.dataProcessedBytes ?? stats?.memoryProcessedBytes ?? (resumed ? null : (mon.lastSample?.dataProcessedBytes ?? null)),
      postcopyRequests: stats?.postcopyRequests ?? null,
      location: "destination",
      jobElapsedMs: stats?.timeElapsedMs ?? null,
      dirtyRateHintMibPerS: mon.dirtyRateHintBytesPerS === null ? null : mon.dirtyRateHintBytesPerS / (1024 * 1024),
      statsOrigin: got?.origin ?? null,
      stats,
      recovery,
      state: stateAt(views, "destination"),
      startedAt: new Date(slot.grantedAt).toISOString(),
      finishedAt: new Date(now()).toISOString(),
      queuedMs: slot.queuedMs,
    };
    if (!got) log("warn", `no completed-job statistics from ${from.name}: downtime and post-copy requests unknown`);
    log("info", summary(domain, from, to, outcome), recordFields(outcome));
    end(outcome.mode);
    return outcome;
  } catch (e) {
    end("failed", (e as Error).message.split("\n")[0]);
    throw e;
  } finally {
    await events.close();
  }
}

/**
 * The earlier, interrupted apply's migration finished the move by itself (a post-copy runs to
 * its end; a pre-copy may converge): the VM already is where this move wants it.
 */
function adoptedMove(
  domain: string,
  from: Host,
  to: Host,
  views: HostViews,
  orphan: SettleResult,
  slot: MoveSlot,
  now: () => number,
  log: MoveLog,
): MoveOutcome {
  const outcome: MoveOutcome = {
    mode: orphan.actions.includes("abort") ? "precopy" : "postcopy",
    switchedAtIteration: null,
    switchReason: null,
    totalMs: orphan.waitedMs,
    downtimeMs: null,
    bytes: null,
    postcopyRequests: null,
    location: "destination",
    jobElapsedMs: null,
    dirtyRateHintMibPerS: null,
    statsOrigin: null,
    stats: null,
    recovery: orphan.recovery,
    state: stateAt(views, "destination"),
    startedAt: new Date(slot.grantedAt).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    queuedMs: slot.queuedMs,
  };
  log(
    "info",
    `${domain} is already on ${to.name}: an earlier, interrupted migration from ${from.name} completed the move ` +
      `(no statistics: they went to the process that started it)`,
    recordFields(outcome),
  );
  return outcome;
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

/** Half-second looks for libvirt's own clean-up of an incoming copy, before removing it ourselves. */
const LEFTOVER_POLLS = 10;
/**
 * Half-second looks for a host that does not answer (e.g. its libvirtd restarting, ~5–8 s in the
 * lab). Cutting this to 5 s left the VM's location unknown and the state on the old host while the
 * VM ran on the new one (fault-daemon-restart, found in CI).
 */
const UNKNOWN_POLLS = 20;

/** Looks at both hosts and builds the MoveError for a move that did not complete. */
async function failure(
  req: MoveRequest,
  why: string,
  switched: boolean,
  phase: MoveError["phase"],
  cause?: unknown,
  refused?: PrepareRefusal,
): Promise<MoveError> {
  const { domain, from, to } = req;
  let views: HostViews;
  let location: VmLocation;
  // libvirt tears down the incoming domain on the destination a moment after a cancelled
  // pre-copy: look again for a while, so that the error shows the settled picture.
  for (let i = 0; ; i++) {
    views = await inspectBoth(from, to, domain);
    location = judgeLocation(views, switched);
    const leftovers = location === "source" && views.destination.present === true;
    if (location !== "unknown" && !leftovers) break;
    // A host that does not answer (its daemon restarting) gets the longer wait; a leftover
    // incoming copy the shorter one, then it is removed below.
    if (i >= UNKNOWN_POLLS || (leftovers && i >= LEFTOVER_POLLS)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  // Still there: the destination has not noticed yet (a cut link: its keepalive). Remove the copy
  // that never ran the guest, so the state and a retry find the VM on the source only.
  if (isIncompleteIncoming(views, switched)) {
    (req.log ?? noLog)(
      "warn",
      `${domain}: removing the incomplete incoming copy on ${to.name} (${describeView(views.destination)}); the guest runs on ${from.name}`,
    );
    await connect(to, { timeoutMs: 15_000 })
      .destroy(domain)
      .catch(() => undefined);
    views = await inspectBoth(from, to, domain);
    location = judgeLocation(views, switched);
  }
  // libvirt's own words, unless it only echoes our abort.
  const libvirtSays =
    cause instanceof MigrationError
      ? cause.failure.kind === "aborted-by-client"
        ? ""
        : ` (libvirt: ${cause.failure.message})`
      : cause instanceof LibvirtError
        ? ` (${cause.message})`
        : "";
  const msg = `${domain}: move from ${from.name} to ${to.name} failed: ${why}${libvirtSays}. ${whereMessage(domain, views, location, from, to)}`;
  // A refusal names the host that refused (the one to fix), not the one the VM stayed on.
  return new MoveError(
    msg,
    location,
    stateAt(views, location),
    views,
    phase,
    {
      host: refused?.host ?? (location === "source" ? from.name : location === "destination" ? to.name : undefined),
      fix: refused && location === "source" ? refused.fix : fixFor(views, location, from, to, domain),
    },
    { cause },
  );
}

function summary(domain: string, from: Host, to: Host, o: MoveOutcome): string {
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
    recoveredBy: o.recovery?.by ?? null,
    recoveryMs: o.recovery?.ms ?? null,
    queuedMs: o.queuedMs,
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A read started ahead of its use, which must not become an unhandled rejection if it is never awaited. */
function settled<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function unwrap<T>(s: Settled<T>): T {
  if (s.ok) return s.value;
  throw s.error;
}
