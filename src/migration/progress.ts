/**
 * Pure arithmetic on migration job samples: progress, rates from successive samples, log lines.
 * No clock reads: every time comes from the samples (libvirt's job clock, "Time elapsed").
 */
import type { DomJobInfo } from "../libvirt/parse/domjobinfo.js";

/**
 * What the decision needs from one `virsh domjobinfo` sample. A `DomJobInfo` from the parser is
 * one as it stands; tests can write just the fields they care about.
 */
export type JobSample = Partial<
  Pick<
    DomJobInfo,
    | "type"
    | "timeElapsedMs"
    | "dataProcessedBytes"
    | "dataRemainingBytes"
    | "dataTotalBytes"
    | "memoryProcessedBytes"
    | "memoryRemainingBytes"
    | "memoryTotalBytes"
    | "memoryBandwidthBytesPerSec"
    | "memoryDirtyRatePagesPerSec"
    | "pageSizeBytes"
    | "iteration"
    | "postcopyRequests"
    | "diskRemainingBytes"
    | "diskTotalBytes"
  >
>;

export type Phase = "precopy" | "postcopy";

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
const DEFAULT_PAGE_SIZE = 4096;

/** nova's progress: 100 − remaining/total, over all data (memory + copied disks). */
export function progressPercent(sample: JobSample): number | undefined {
  const total = sample.dataTotalBytes ?? sample.memoryTotalBytes;
  const remaining = sample.dataRemainingBytes ?? sample.memoryRemainingBytes;
  if (total === undefined || remaining === undefined || total <= 0) return undefined;
  return Math.max(0, Math.min(100, 100 - (remaining / total) * 100));
}

/**
 * The guest's dirty rate as QEMU reports it, in bytes/s — or undefined while it is not measured.
 * QEMU computes it only when it re-syncs the dirty bitmap, i.e. when a pass ends: during the first
 * pass it reads 0 whatever the guest does (recorded: 0 pages/s at 10 s and 20 s for a guest
 * dirtying 60 MiB/s), so a 0 there means "unknown", not "idle".
 */
export function reportedDirtyBytesPerS(sample: JobSample): number | undefined {
  const pages = sample.memoryDirtyRatePagesPerSec;
  if (pages === undefined) return undefined;
  if ((sample.iteration ?? 1) < 2 && pages === 0) return undefined;
  return pages * (sample.pageSizeBytes ?? DEFAULT_PAGE_SIZE);
}

export interface Rates {
  /** Bytes/s the guest dirties (QEMU's figure of the last pass); undefined during the first pass. */
  dirtyBytesPerS: number | undefined;
  /** Bytes/s actually sent: memory processed delta over job-time delta, else QEMU's own figure. */
  transferBytesPerS: number | undefined;
}

/** Rates between two successive samples (prev may be missing: first sample). */
export function rates(prev: JobSample | undefined, cur: JobSample): Rates {
  return { dirtyBytesPerS: reportedDirtyBytesPerS(cur), transferBytesPerS: transferBetween(prev, cur) };
}

function transferBetween(prev: JobSample | undefined, cur: JobSample): number | undefined {
  const dt = (cur.timeElapsedMs ?? NaN) - (prev?.timeElapsedMs ?? NaN);
  const dp = (cur.memoryProcessedBytes ?? NaN) - (prev?.memoryProcessedBytes ?? NaN);
  // A negative delta means the samples are not from one job; fall back to QEMU's figure.
  if (dt > 0 && dp >= 0) return (dp / dt) * 1000;
  return cur.memoryBandwidthBytesPerSec;
}

/**
 * Transfer rate averaged over the samples of the last `windowMs` of job time, so that one bursty
 * interval does not decide a migration. Also says over how much job time it was measured.
 */
export function windowTransfer(history: readonly JobSample[], windowMs: number): { bytesPerS: number | undefined; spanMs: number } {
  const cur = history[history.length - 1];
  if (!cur) return { bytesPerS: undefined, spanMs: 0 };
  const curT = cur.timeElapsedMs;
  let first: JobSample | undefined;
  if (curT !== undefined) {
    for (let i = history.length - 2; i >= 0; i--) {
      const s = history[i]!;
      if (s.timeElapsedMs === undefined || s.timeElapsedMs >= curT) break;
      first = s;
      if (curT - s.timeElapsedMs >= windowMs) break;
    }
  }
  if (!first) return { bytesPerS: cur.memoryBandwidthBytesPerSec, spanMs: 0 };
  return { bytesPerS: transferBetween(first, cur), spanMs: curT! - first.timeElapsedMs! };
}

/** Remaining memory when pass `iteration` began, as seen by the first sample taken in it. */
export function remainingAtIterationStart(history: readonly JobSample[], iteration: number): number | undefined {
  return history.find((s) => s.iteration === iteration)?.memoryRemainingBytes;
}

export function formatMiB(bytes: number): string {
  const mib = bytes / MIB;
  return `${mib >= 100 ? mib.toFixed(0) : mib.toFixed(1)} MiB`;
}

export function formatRate(bytesPerS: number): string {
  return `${formatMiB(bytesPerS)}/s`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One log line: "42 % · 290 MiB remaining · dirty 58 MiB/s · iteration 2 · pre-copy". */
export function formatProgress(sample: JobSample, phase: Phase = "precopy"): string {
  const parts: string[] = [];
  const pct = progressPercent(sample);
  parts.push(pct === undefined ? "? %" : `${Math.floor(pct)} %`);
  const remaining = sample.dataRemainingBytes ?? sample.memoryRemainingBytes;
  if (remaining !== undefined) parts.push(`${formatMiB(remaining)} remaining`);
  if (sample.memoryBandwidthBytesPerSec !== undefined) parts.push(`sending ${formatRate(sample.memoryBandwidthBytesPerSec)}`);
  if (phase === "precopy") {
    const dirty = reportedDirtyBytesPerS(sample);
    parts.push(dirty === undefined ? "dirty rate not measured yet" : `dirty ${formatRate(dirty)}`);
  }
  if (sample.iteration !== undefined) parts.push(`iteration ${sample.iteration}`);
  if (phase === "postcopy" && sample.postcopyRequests !== undefined) parts.push(`${sample.postcopyRequests} page requests`);
  parts.push(phase === "precopy" ? "pre-copy" : "post-copy");
  return parts.join(" · ");
}
