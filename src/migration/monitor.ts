/**
 * The monitor loop of one move: sample the source's job statistics every `sampleMs`, ask the pure
 * decide() what to do, and do it (switch to post-copy or abort). It is the only actor that
 * switches or aborts, so a StopProvider (signal) can never race a switch: the signal is only
 * looked at between samples, and once switched, nothing aborts any more (no rollback).
 *
 * Everything with side effects is injected (job source, actions, clock, sleep), so unit tests
 * drive it with recorded samples and a fake clock.
 */
import { decide, type Decision } from "./decide.js";
import type { MigrationSettings } from "./policy.js";
import { formatProgress, progressPercent, reportedDirtyBytesPerS, type JobSample, type Phase } from "./progress.js";
import { sampleRecord, type ProgressSample, type ProgressSwitch } from "./progress-log.js";

export type LogLevel = "info" | "warn" | "debug";
export type MoveLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

/** Where samples come from: the real one is `domjobinfo` on the source. */
export interface JobSource {
  /** The current job's statistics; undefined (or type None) when there is no job (yet / any more). */
  sample(): Promise<JobSample | undefined>;
}

/**
 * A dirty-rate measurement running alongside pass 1 (dirty-rate.ts). Polled after each sample
 * until it settles; never throws.
 */
export interface DirtyRateSource {
  /** Bytes/s once measured, "pending" while QEMU measures, "unavailable" when no result will come. */
  poll(): Promise<number | "pending" | "unavailable">;
}

export interface MonitorActions {
  /** Called once, on the first sample of a running job (e.g. set max downtime: needs the job). */
  onJobStarted?(sample: JobSample): Promise<void>;
  switchToPostcopy(): Promise<void>;
  /** Cancel the pre-copy job; the migration's `done` then settles (rejected). */
  abort(reason: string): Promise<void>;
}

export interface MonitorOptions {
  source: JobSource;
  actions: MonitorActions;
  /** Effective settings (mode already = the move's strategy). */
  settings: MigrationSettings;
  guestRamBytes: number;
  /** A dirty rate known before the move (tests, callers that measured it themselves). */
  dirtyRateHintBytesPerS?: number;
  /** Or one being measured during pass 1: decide() gets it from the sample after it is ready. */
  dirtyRate?: DirtyRateSource;
  sampleMs: number;
  /** The migration itself: the loop ends when it settles. */
  done: Promise<unknown>;
  /** StopProvider: abort while in pre-copy; ignored (with a warning) after the switch. */
  signal?: AbortSignal;
  log?: MoveLog;
  /** Progress at INFO at most this often (every sample at DEBUG). Default 2 s. */
  progressEveryMs?: number;
  /** Switch attempts that may fail before the loop gives up and aborts (pre-copy). Default 3. */
  maxSwitchFailures?: number;
  /** Every active-job sample and the switch, as progress records (progress-log.ts). */
  onProgress?: (r: ProgressSample | ProgressSwitch) => void;
  now?: () => number;
  sleep?: (ms: number, wake: Promise<void>) => Promise<void>;
}

export interface MonitorResult {
  phase: Phase;
  switchedAtIteration: number | null;
  switchReason: string | null;
  /** Monitor time (ms since start) of the switch. */
  switchedAtMs: number | null;
  abortReason: string | null;
  abortedBy: "policy" | "signal" | "switch-failure" | null;
  /** Active-job samples seen. */
  samples: number;
  /** The dirty-rate hint decide() saw (bytes/s), null when none came. */
  dirtyRateHintBytesPerS: number | null;
  lastSample?: JobSample;
  lastDecision?: Decision;
}

const ACTIVE = new Set(["Bounded", "Unbounded"]);

function isActive(s: JobSample | undefined): s is JobSample {
  return s !== undefined && (s.type === undefined || ACTIVE.has(s.type));
}

const realSleep = (ms: number, wake: Promise<void>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    void wake.then(() => {
      clearTimeout(t);
      resolve();
    });
  });

export async function monitorMigration(o: MonitorOptions): Promise<MonitorResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  const log: MoveLog = o.log ?? (() => {});
  const progressEveryMs = o.progressEveryMs ?? 2000;
  const maxSwitchFailures = o.maxSwitchFailures ?? 3;
  const start = now();

  let finished = false;
  // Two wake-ups: the move ending, and the stop signal. Each resolves once; after the signal has
  // been handled only the first one may cut a sleep short (else the loop would spin).
  const doneWake = o.done.then(
    () => void (finished = true),
    () => void (finished = true),
  );
  let signalResolve!: () => void;
  const signalWake = new Promise<void>((r) => (signalResolve = r));
  const onSignal = () => signalResolve();
  o.signal?.addEventListener("abort", onSignal, { once: true });
  const eitherWake = Promise.race([doneWake, signalWake]);

  const r: MonitorResult = {
    phase: "precopy",
    switchedAtIteration: null,
    switchReason: null,
    switchedAtMs: null,
    abortReason: null,
    abortedBy: null,
    samples: 0,
    dirtyRateHintBytesPerS: o.dirtyRateHintBytesPerS ?? null,
  };
  // Polled only while it can still matter: in pre-copy, until it settles.
  let hintPending = o.dirtyRateHintBytesPerS === undefined && o.dirtyRate !== undefined;
  const history: JobSample[] = [];
  let jobStarted = false;
  let lastInfoAt = -Infinity;
  let switchFailures = 0;
  let warnedSignal = false;

  let abortDelivered = false;
  let abortAttempts = 0;
  const doAbort = async (reason: string, by: NonNullable<MonitorResult["abortedBy"]>) => {
    if (r.abortReason === null) {
      r.abortReason = reason;
      r.abortedBy = by;
      log("warn", `aborting the move: ${reason}`, { phase: r.phase, by });
    }
    abortAttempts++;
    try {
      await o.actions.abort(reason);
      abortDelivered = true;
    } catch (e) {
      // E.g. "no job is active" in the instant before the job exists: retried next tick.
      log("warn", `abort request failed (attempt ${abortAttempts}): ${(e as Error).message}`);
    }
  };

  try {
    while (!finished) {
      await sleep(o.sampleMs, warnedSignal ? doneWake : eitherWake);
      if (finished) break;
      if (r.abortReason !== null) {
        // Abort asked: nothing left to decide, only wait for the job to end (re-asking while
        // the request did not get through).
        if (abortDelivered) {
          await doneWake;
          break;
        }
        await doAbort(r.abortReason, r.abortedBy!);
        continue;
      }
      if (o.signal?.aborted) {
        if (r.phase === "precopy") {
          await doAbort("stopped by the user (StopProvider) during pre-copy; the VM keeps running on the source", "signal");
          continue;
        }
        if (!warnedSignal) {
          warnedSignal = true;
          log("warn", "stop requested, but the move is in post-copy: it cannot be aborted (no rollback) and runs to the end");
        }
      }

      let s: JobSample | undefined;
      try {
        s = await o.source.sample();
      } catch (e) {
        // The domain disappears from the source the moment the move completes; done() tells.
        log("debug", `job statistics unavailable: ${(e as Error).message}`);
        continue;
      }
      if (finished) break;
      if (!isActive(s)) continue;
      if (!jobStarted) {
        jobStarted = true;
        try {
          await o.actions.onJobStarted?.(s);
        } catch (e) {
          log("warn", `could not apply job settings: ${(e as Error).message}`);
        }
      }
      history.push(s);
      r.samples++;
      r.lastSample = s;
      if (hintPending && r.phase === "precopy") {
        // After the job sample, not beside it: both are libvirt query jobs on the same domain,
        // and the stats call does not wait for a busy one.
        const h = await o.dirtyRate!.poll();
        if (h !== "pending") {
          hintPending = false;
          if (h !== "unavailable") r.dirtyRateHintBytesPerS = h;
        }
        if (finished) break;
      }
      const elapsedMs = now() - start;
      const d = decide(history, {
        settings: o.settings,
        phase: r.phase,
        elapsedMs,
        memoryTotalBytes: s.memoryTotalBytes ?? o.guestRamBytes,
        guestRamBytes: o.guestRamBytes,
        ...(r.dirtyRateHintBytesPerS !== null ? { dirtyRateHintBytesPerS: r.dirtyRateHintBytesPerS } : {}),
        ...(hintPending ? { dirtyRateHintPending: true } : {}),
      });
      r.lastDecision = d;

      const fields = progressFields(s, r.phase, elapsedMs);
      // Setup samples (no totals yet) would read "0 MiB left": not progress.
      if (fields.percent !== undefined) o.onProgress?.(sampleRecord(s, r.phase, now(), elapsedMs));
      // Setup samples (no totals yet) say nothing a user can use: DEBUG only.
      if (fields.percent !== undefined && elapsedMs - lastInfoAt >= progressEveryMs) {
        lastInfoAt = elapsedMs;
        log("info", formatProgress(s, r.phase), fields);
      } else {
        log("debug", formatProgress(s, r.phase), fields);
      }

      if (d.action === "switch" && r.phase === "precopy") {
        try {
          await o.actions.switchToPostcopy();
          r.phase = "postcopy";
          r.switchedAtIteration = s.iteration ?? null;
          r.switchReason = d.reason;
          r.switchedAtMs = elapsedMs;
          log("info", `switched to post-copy: ${d.reason}`, { iteration: s.iteration, elapsedMs });
          o.onProgress?.({ kind: "switch", t: now(), elapsedMs, iteration: s.iteration ?? null, reason: d.reason });
        } catch (e) {
          if (finished) break; // completed in pre-copy just before the switch: fine
          switchFailures++;
          log("warn", `switch to post-copy failed (${switchFailures}/${maxSwitchFailures}): ${(e as Error).message}`);
          if (switchFailures >= maxSwitchFailures) {
            await doAbort(`switching to post-copy failed ${switchFailures} times (${(e as Error).message})`, "switch-failure");
          }
        }
      } else if (d.action === "abort" && r.phase === "precopy") {
        await doAbort(d.reason, "policy");
      }
    }
  } finally {
    o.signal?.removeEventListener("abort", onSignal);
  }
  return r;
}

/** Structured progress for the provider log. */
export function progressFields(s: JobSample, phase: Phase, elapsedMs: number): Record<string, unknown> {
  return {
    phase,
    percent: progressPercent(s) === undefined ? undefined : Math.floor(progressPercent(s)!),
    remainingBytes: s.dataRemainingBytes ?? s.memoryRemainingBytes,
    dirtyBytesPerS: reportedDirtyBytesPerS(s),
    bandwidthBytesPerS: s.memoryBandwidthBytesPerSec,
    iteration: s.iteration,
    postcopyRequests: phase === "postcopy" ? s.postcopyRequests : undefined,
    elapsedMs,
  };
}
