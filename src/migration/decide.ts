/**
 * The monitor loop's brain: given the job samples so far, continue, switch to post-copy, or abort.
 * Pure and deterministic (no clock, no I/O) so that every rule is tested on recorded samples.
 *
 * Invariants: abort only during pre-copy (the VM still runs on the source); in post-copy there is
 * no rollback, so the answer there is always "continue"; never switch over a link that moves no
 * data (post-copy would strand the guest, paused, on the destination).
 */
import type { MigrationSettings } from "./policy.js";
import { QEMU_DEFAULT_MAX_DOWNTIME_MS } from "../model/index.js";
import {
  GIB,
  MIB,
  type JobSample,
  type Phase,
  formatMiB,
  formatProgress,
  formatRate,
  formatSeconds,
  remainingAtIterationStart,
  reportedDirtyBytesPerS,
  windowTransfer,
} from "./progress.js";

export type Action = "continue" | "switch" | "abort";

export interface Decision {
  action: Action;
  /** One human sentence; goes to logs and to the apply output. */
  reason: string;
}

export interface DecideContext {
  settings: MigrationSettings;
  phase: Phase;
  /** Time since the move started, measured by the monitor (includes setup and storage copy). */
  elapsedMs: number;
  /** Memory total of the job (fallback when a sample lacks it). */
  memoryTotalBytes: number;
  /** Guest RAM, for the per-GiB timeout. */
  guestRamBytes: number;
  /**
   * Guest dirty rate measured by page sampling alongside pass 1 (libvirt ≥ 7.2
   * `virsh domdirtyrate-calc` then `domstats --dirtyrate`; see dirty-rate.ts). Optional, but it is
   * the only way `auto` can judge a guest before the first pass ends: QEMU's own figure stays 0
   * until then. Noisy (about ±25 %), so it is only used until QEMU has its own figure.
   */
  dirtyRateHintBytesPerS?: number;
  /** That measurement is still running (its result comes a couple of seconds into pass 1). */
  dirtyRateHintPending?: boolean;
}

/** Tuning of the `auto` rule and of the shared guards. Exported so tests and docs quote them. */
export const AUTO_TUNING = Object.freeze({
  /** Transfer must be measured over this much job time before `auto` judges (3 samples at 0.5 s). */
  measureWindowMs: 1000,
  /** Average the transfer rate over up to this much job time, against bursty intervals. */
  rateWindowMs: 2000,
  /** dirty ≥ this × bandwidth: pre-copy cannot converge (at best it crawls at 1/(1−ratio) passes). */
  cannotConvergeRatio: 0.8,
  /**
   * Pre-copy "clearly about to finish": what it still needs after the current pass takes at most
   * max(this, share × the whole pre-copy move as now expected). Beyond that, virsh
   * --postcopy-after-precopy would switch at the end of pass 1, so auto switches — as early as it
   * can tell. Relative to the move, so that a big, nearly idle guest is not post-copied whole to
   * save a second (switching in pass 1 saves only what the rest of the pass would re-dirty).
   */
  extraTimeSlackMs: 1000,
  extraTimeSlackShare: 0.1,
  /** forceSwitchWhenEnabled: switch when the pass may end within this many sampling intervals. */
  completionHorizonIntervals: 2,
  minCompletionHorizonMs: 1000,
  /** Below this the link counts as stalled (QEMU sends at least a page a second when it can). */
  stalledBelowBytesPerS: 4096,
});

const T = AUTO_TUNING;

const cont = (reason: string): Decision => ({ action: "continue", reason });
const sw = (reason: string): Decision => ({ action: "switch", reason });
const abort = (reason: string): Decision => ({ action: "abort", reason });

export function decide(history: readonly JobSample[], ctx: DecideContext): Decision {
  const cur = history[history.length - 1];
  const at = `after ${formatSeconds(ctx.elapsedMs)}`;
  if (!cur) return cont("no job statistics yet");
  if (cur.type !== undefined && cur.type !== "Bounded" && cur.type !== "Unbounded") {
    return cont(`job is ${cur.type}; nothing to decide`);
  }
  const progress = formatProgress(withTotal(cur, ctx), ctx.phase);
  if (ctx.phase === "postcopy") {
    return cont(`${progress}; post-copy runs to the end (no rollback, never aborted)`);
  }

  const s = ctx.settings;
  const timeLeftMs = s.timeoutS * 1000 - ctx.elapsedMs;
  const transfer = windowTransfer(history, T.rateWindowMs);
  const stalled = transfer.spanMs >= T.measureWindowMs && (transfer.bytesPerS ?? 0) < T.stalledBelowBytesPerS;

  if (timeLeftMs <= 0) {
    if (s.mode === "precopy") {
      return abort(`pre-copy did not finish within the ${s.timeoutS} s timeout (${progress}); aborting, the VM keeps running on the source`);
    }
    if (!cur.memoryProcessedBytes) {
      return abort(
        `timeout ${s.timeoutS} s reached before the memory transfer started${s.copyStorage ? " (storage still copying)" : ""}; ` +
          `post-copy cannot start yet, so aborting while the VM runs on the source`,
      );
    }
    if (stalled) {
      return abort(
        `timeout ${s.timeoutS} s reached but no data moved in the last ${formatSeconds(transfer.spanMs)}; ` +
          `switching would strand the guest on the destination, so aborting while it still runs on the source`,
      );
    }
    return sw(`pre-copy did not finish within the ${s.timeoutS} s timeout (${progress}); switching to post-copy ${at}`);
  }
  if (s.mode === "precopy") return cont(`${progress}; pre-copy only, aborting at ${s.timeoutS} s`);
  if (!cur.memoryProcessedBytes) return cont(`${progress}; memory transfer not started yet${s.copyStorage ? " (copying storage)" : ""}`);
  if (stalled) {
    return cont(`${progress}; no data moved in the last ${formatSeconds(transfer.spanMs)}: not switching over a stalled link`);
  }
  if (s.forceSwitchWhenEnabled) {
    const near = nearCompletion(history, transfer.bytesPerS, s);
    if (near) return sw(`${near}; this QEMU must not converge with post-copy enabled, switching to post-copy ${at}`);
  }

  switch (s.switch) {
    case "first-pass":
      return (cur.iteration ?? 1) >= 2
        ? sw(`first pass done (iteration ${cur.iteration}); switching to post-copy ${at}`)
        : cont(`${progress}; waiting for the first pass to end`);
    case "stall":
      return decideStall(history, s, progress, at);
    case "timeout":
      return decideTimeout(cur, ctx, progress, at);
    case "auto":
      return decideAuto(history, ctx, transfer, timeLeftMs, progress, at);
  }
}

function withTotal(sample: JobSample, ctx: DecideContext): JobSample {
  return sample.dataTotalBytes === undefined && sample.memoryTotalBytes === undefined ? { ...sample, memoryTotalBytes: ctx.memoryTotalBytes } : sample;
}

function maxDowntimeMs(s: MigrationSettings): number {
  return s.maxDowntimeMs ?? QEMU_DEFAULT_MAX_DOWNTIME_MS;
}

/**
 * QEMU completes pre-copy by itself once remaining ≤ bandwidth × downtime limit, possibly right at
 * the end of a pass. We only see every sampling interval, so "about to complete" means: at the
 * pace remaining fell lately (zero pages make it fall faster than the bandwidth), it reaches that
 * threshold within two intervals. Returns why, or undefined.
 */
function nearCompletion(history: readonly JobSample[], bytesPerS: number | undefined, s: MigrationSettings): string | undefined {
  const cur = history[history.length - 1]!;
  const prev = history[history.length - 2];
  const remaining = cur.memoryRemainingBytes;
  const bw = bytesPerS || cur.memoryBandwidthBytesPerSec || (s.bandwidthMib ?? 0) * MIB;
  if (remaining === undefined || !bw) return undefined;
  const threshold = (bw * maxDowntimeMs(s)) / 1000;
  let fall = bw;
  let intervalMs = 0;
  if (prev?.timeElapsedMs !== undefined && cur.timeElapsedMs !== undefined && cur.timeElapsedMs > prev.timeElapsedMs) {
    intervalMs = cur.timeElapsedMs - prev.timeElapsedMs;
    const dropped = (prev.memoryRemainingBytes ?? remaining) - remaining;
    if (dropped > 0) fall = Math.max(fall, (dropped / intervalMs) * 1000);
  }
  const horizonMs = Math.max(T.minCompletionHorizonMs, T.completionHorizonIntervals * intervalMs);
  if (remaining > threshold + (fall * horizonMs) / 1000) return undefined;
  return `pre-copy about to complete (${formatMiB(remaining)} remaining, falling ${formatRate(fall)}, stop threshold ${formatMiB(threshold)})`;
}

/** nova's 2016 rule: compare remaining at the start of the last two passes, the older one ≥ 2. */
function decideStall(history: readonly JobSample[], s: MigrationSettings, progress: string, at: string): Decision {
  const passes = [...new Set(history.map((h) => h.iteration).filter((i): i is number => i !== undefined && i >= 2))];
  const [older, newer] = passes.slice(-2);
  if (older === undefined || newer === undefined) return cont(`${progress}; watching for a pass that makes too little progress`);
  const before = remainingAtIterationStart(history, older);
  const after = remainingAtIterationStart(history, newer);
  if (before === undefined || after === undefined || before <= 0) return cont(`${progress}; remaining unknown at pass start`);
  const madePct = ((before - after) / before) * 100;
  const limit = s.stallProgressPercent ?? 10;
  if (madePct < limit) {
    return sw(
      `pass ${older} took remaining from ${formatMiB(before)} to ${formatMiB(after)} (${madePct.toFixed(0)} % progress < ${limit} %): pre-copy stalls; ` +
        `switching to post-copy ${at}`,
    );
  }
  return cont(`${progress}; pass ${older} made ${madePct.toFixed(0)} % progress (≥ ${limit} %)`);
}

/** KubeVirt/nova style: a completion budget per GiB of data to move. */
function decideTimeout(cur: JobSample, ctx: DecideContext, progress: string, at: string): Decision {
  const s = ctx.settings;
  const bytes = ctx.guestRamBytes + (s.copyStorage ? (cur.diskTotalBytes ?? 0) : 0);
  const budgetMs = (s.timeoutPerGiBS ?? 150) * (bytes / GIB) * 1000;
  if (ctx.elapsedMs > budgetMs) {
    return sw(
      `pre-copy exceeded ${s.timeoutPerGiBS ?? 150} s/GiB × ${(bytes / GIB).toFixed(2)} GiB = ${formatSeconds(budgetMs)}; switching to post-copy ${at}`,
    );
  }
  return cont(`${progress}; switching at ${formatSeconds(budgetMs)} unless pre-copy finishes first`);
}

/**
 * auto, a cost model. With dirty rate d and bandwidth b, each pass leaves d/b of the previous
 * one, so R bytes to re-send take R/(b−d) of pre-copy in total, while post-copy sends them once.
 * virsh --postcopy-after-precopy switches when pass 1 ends, whatever is left; auto keeps pre-copy
 * only while it is clearly about to finish (what remains after the current pass takes ≤ slack =
 * max(1 s, 10 % of the expected move)), or when pre-copy is no slower than post-copy. Otherwise
 * it switches — in pass 1 as soon as the dirty-rate hint is in, which also saves the bytes virsh
 * re-sends after pass 1. So where auto keeps pre-copy and virsh switches, auto is slower by at
 * most the slack (at equal pre- and post-copy bandwidth); everywhere else it is not slower.
 */
function decideAuto(
  history: readonly JobSample[],
  ctx: DecideContext,
  transfer: { bytesPerS: number | undefined; spanMs: number },
  timeLeftMs: number,
  progress: string,
  at: string,
): Decision {
  const cur = history[history.length - 1]!;
  const s = ctx.settings;
  if (transfer.spanMs < T.measureWindowMs) {
    return cont(`${progress}; measuring transfer rate (${formatSeconds(transfer.spanMs)} of ${formatSeconds(T.measureWindowMs)})`);
  }
  const b = transfer.bytesPerS;
  if (!b || b <= 0) return cont(`${progress}; no transfer rate measured yet`);
  const remaining = cur.memoryRemainingBytes ?? 0;
  const firstPass = (cur.iteration ?? 1) < 2;

  // Pass 1: only the hint (QEMU's figure is 0 until the pass ends). Later: QEMU's own figure, an
  // exact count over the whole last pass, instead of a 2 s sample of 512 pages per GiB.
  const reported = reportedDirtyBytesPerS(cur);
  const hint = ctx.dirtyRateHintBytesPerS;
  const d = firstPass ? (hint ?? reported) : (reported ?? hint);

  if (d === undefined) {
    const minMs = (remaining / b) * 1000;
    if (minMs > timeLeftMs) {
      return sw(
        `even an idle guest needs ≥ ${formatSeconds(minMs)} more pre-copy at ${formatRate(b)} ` +
          `but only ${formatSeconds(timeLeftMs)} remain before the timeout; switching to post-copy ${at}`,
      );
    }
    return ctx.dirtyRateHintPending
      ? cont(`${progress}; first pass: measuring the guest's dirty rate`)
      : cont(`${progress}; first pass: QEMU reports the dirty rate only when the pass ends`);
  }

  const ratio = d / b;
  const rates = `dirty rate ${formatRate(d)} vs bandwidth ${formatRate(b)}`;
  if (ratio >= T.cannotConvergeRatio) {
    const cmp = ratio >= 1 ? "≥" : `is ${Math.floor(ratio * 100)} % of`;
    return sw(`dirty rate ${formatRate(d)} ${cmp} bandwidth ${formatRate(b)}: pre-copy cannot converge; switching to post-copy ${at}`);
  }
  const postcopyBw = s.postcopyBandwidthMib !== undefined ? s.postcopyBandwidthMib * MIB : b;
  const o = firstPass ? firstPassOutlook(history, ctx, b, d, postcopyBw) : laterPassOutlook(remaining, b, d, postcopyBw);
  const slackMs = Math.max(T.extraTimeSlackMs, T.extraTimeSlackShare * (ctx.elapsedMs + o.precopyMs));

  if (o.precopyMs > timeLeftMs) {
    return sw(
      `${rates}: pre-copy needs ~${formatSeconds(o.precopyMs)} more but only ${formatSeconds(timeLeftMs)} remain before the timeout; ` +
        `switching to post-copy ${at}`,
    );
  }
  const where = firstPass ? `after this pass (~${formatMiB(o.afterPassBytes)} dirtied by its end)` : "";
  if (o.afterPassMs <= slackMs) {
    return cont(
      `${progress}; ${rates}: pre-copy converges, ~${formatSeconds(o.precopyMs)} to go${firstPass ? `, ~${formatSeconds(o.afterPassMs)} of it ${where}` : ""}`,
    );
  }
  if (o.postcopyMs >= o.precopyMs) {
    return cont(`${progress}; ${rates}: pre-copy (~${formatSeconds(o.precopyMs)}) is no slower than post-copy (~${formatSeconds(o.postcopyMs)})`);
  }
  return sw(
    `${rates}${firstPass ? "" : " after the first pass"}: ` +
      `pre-copy not about to finish (~${formatSeconds(o.afterPassMs)} more ${firstPass ? where : "to re-send what is left"}, ` +
      `> ${formatSeconds(slackMs)}; ~${formatSeconds(o.precopyMs)} in all vs ~${formatSeconds(o.postcopyMs)} in post-copy); switching to post-copy ${at}`,
  );
}

interface Outlook {
  /** Pre-copy from now until QEMU completes (rest of this pass + the passes after it). */
  precopyMs: number;
  /** The part of precopyMs after the current pass (pass 2 on, during pass 1). */
  afterPassMs: number;
  /** Post-copy if switched now. */
  postcopyMs: number;
  /** Pass 1: distinct bytes the guest will have dirtied when the pass ends. */
  afterPassBytes: number;
}

/** From pass 2 on, remaining is what the guest dirtied; it shrinks geometrically by d/b a pass. */
function laterPassOutlook(remaining: number, b: number, d: number, postcopyBw: number): Outlook {
  const tailMs = (remaining / (b - d)) * 1000;
  return { precopyMs: tailMs, afterPassMs: tailMs, postcopyMs: (remaining / postcopyBw) * 1000, afterPassBytes: remaining };
}

/**
 * During pass 1: the rest of the pass takes remaining ÷ (the pace remaining fell at lately; zero
 * pages make it faster than the bandwidth), and by its end the guest has dirtied d × the pass's
 * length (at most all memory), which pass 2 on must re-send. Switching now instead sends the rest
 * plus what was dirtied after being sent so far.
 */
function firstPassOutlook(history: readonly JobSample[], ctx: DecideContext, b: number, d: number, postcopyBw: number): Outlook {
  const cur = history[history.length - 1]!;
  const remaining = cur.memoryRemainingBytes ?? 0;
  const passSoFarMs = cur.timeElapsedMs ?? ctx.elapsedMs;
  const fall = Math.max(b, remainingFall(history, T.rateWindowMs) ?? 0);
  const leftInPassMs = (remaining / fall) * 1000;
  const total = cur.memoryTotalBytes ?? ctx.memoryTotalBytes;
  const dirtiedByPassEnd = Math.min(total, (d * (passSoFarMs + leftInPassMs)) / 1000);
  const stopBytes = (b * maxDowntimeMs(ctx.settings)) / 1000;
  // QEMU completes at the end of the pass when what is dirty by then fits in the downtime.
  const afterPassMs = dirtiedByPassEnd <= stopBytes ? 0 : (dirtiedByPassEnd / (b - d)) * 1000;
  const redirtied = Math.min(cur.memoryProcessedBytes ?? 0, (d * passSoFarMs) / 1000);
  return {
    precopyMs: leftInPassMs + afterPassMs,
    afterPassMs,
    postcopyMs: ((remaining + redirtied) / postcopyBw) * 1000,
    afterPassBytes: dirtiedByPassEnd,
  };
}

/** Bytes/s at which remaining fell over the last `windowMs` of job time within one pass. */
function remainingFall(history: readonly JobSample[], windowMs: number): number | undefined {
  const cur = history[history.length - 1]!;
  if (cur.timeElapsedMs === undefined || cur.memoryRemainingBytes === undefined) return undefined;
  let first: JobSample | undefined;
  for (let i = history.length - 2; i >= 0; i--) {
    const h = history[i]!;
    if (h.timeElapsedMs === undefined || h.memoryRemainingBytes === undefined || h.iteration !== cur.iteration || h.timeElapsedMs >= cur.timeElapsedMs) break;
    first = h;
    if (cur.timeElapsedMs - h.timeElapsedMs >= windowMs) break;
  }
  if (!first) return undefined;
  const fell = first.memoryRemainingBytes! - cur.memoryRemainingBytes;
  return fell > 0 ? (fell / (cur.timeElapsedMs - first.timeElapsedMs!)) * 1000 : undefined;
}
