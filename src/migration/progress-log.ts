/**
 * Each move's progress, as it happens, in a well-known place another terminal can read
 * (`npm run moves -- --watch`): one JSON-lines file per move — a "start" line, a "sample" line per
 * job sample (phase, pass, remaining and transferred MiB, dirty rate, ETA, post-copy page
 * requests), a "switch" line, and an "end" line. The file stays after the move: it is the move's
 * timeline (src/review/timeline.ts draws it).
 *
 * Where: $LIVEVIRT_PROGRESS_DIR, else $XDG_STATE_HOME/livevirt/moves, else
 * ~/.local/state/livevirt/moves. Writing is best effort: a full or read-only disk never fails a
 * move (the first failure is logged once, then the recorder goes quiet).
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { makeDirs } from "../fs-dirs.js";
import { progressPercent, reportedDirtyBytesPerS, type JobSample, type Phase } from "./progress.js";

export interface ProgressStart {
  kind: "start";
  /** ms since the epoch. */
  t: number;
  vm: string;
  from: string;
  to: string;
  strategy: "postcopy" | "precopy";
  tls: boolean;
  ramBytes: number;
}

export interface ProgressSample {
  kind: "sample";
  t: number;
  /** ms since the move's start. */
  elapsedMs: number;
  phase: Phase;
  iteration?: number;
  percent?: number;
  remainingBytes?: number;
  transferredBytes?: number;
  dirtyBytesPerS?: number;
  sendBytesPerS?: number;
  /** Seconds to go at the current rates; absent when it cannot be told (pre-copy not converging). */
  etaS?: number;
  postcopyRequests?: number;
}

export interface ProgressSwitch {
  kind: "switch";
  t: number;
  elapsedMs: number;
  iteration: number | null;
  reason: string;
}

export interface ProgressEnd {
  kind: "end";
  t: number;
  elapsedMs: number;
  /** "precopy" / "postcopy" when it arrived, "failed" when it did not. */
  result: "precopy" | "postcopy" | "failed";
  message?: string;
}

export type ProgressRecord = ProgressStart | ProgressSample | ProgressSwitch | ProgressEnd;

/** Pure: a job sample as a progress line. ETA: remaining ÷ (send − dirty) in pre-copy, remaining ÷ send in post-copy. */
export function sampleRecord(s: JobSample, phase: Phase, t: number, elapsedMs: number): ProgressSample {
  const remaining = s.dataRemainingBytes ?? s.memoryRemainingBytes;
  const send = s.memoryBandwidthBytesPerSec;
  const dirty = phase === "precopy" ? reportedDirtyBytesPerS(s) : undefined;
  const net = send === undefined ? undefined : send - (dirty ?? 0);
  const pct = progressPercent(s);
  const r: ProgressSample = { kind: "sample", t, elapsedMs, phase };
  if (s.iteration !== undefined) r.iteration = s.iteration;
  if (pct !== undefined) r.percent = Math.floor(pct);
  if (remaining !== undefined) r.remainingBytes = remaining;
  if (s.memoryProcessedBytes !== undefined) r.transferredBytes = s.memoryProcessedBytes;
  if (dirty !== undefined) r.dirtyBytesPerS = dirty;
  if (send !== undefined) r.sendBytesPerS = send;
  if (remaining !== undefined && net !== undefined && net > 0) r.etaS = Math.round(remaining / net);
  if (phase === "postcopy" && s.postcopyRequests !== undefined) r.postcopyRequests = s.postcopyRequests;
  return r;
}

/** Pure: the lines of a progress file (a torn last line — the writer mid-append — is skipped). */
export function parseProgress(text: string): ProgressRecord[] {
  const out: ProgressRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as ProgressRecord;
      if (r && typeof r === "object" && typeof r.kind === "string") out.push(r);
    } catch {
      // partial line
    }
  }
  return out;
}

export function progressDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIVEVIRT_PROGRESS_DIR) return env.LIVEVIRT_PROGRESS_DIR;
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "livevirt", "moves");
}

/** Appends one move's records to its file (see the header). */
export class ProgressRecorder {
  readonly path: string;
  private broken = false;

  constructor(
    start: Omit<ProgressStart, "kind">,
    private readonly onError: (msg: string) => void = () => {},
    dir = progressDir(),
  ) {
    const stamp = new Date(start.t).toISOString().replace(/[:.]/g, "-");
    this.path = join(dir, `${stamp}-${start.vm}.jsonl`);
    try {
      makeDirs(dir);
    } catch (e) {
      this.fail(e);
    }
    this.write({ kind: "start", ...start });
  }

  write(r: ProgressRecord): void {
    if (this.broken) return;
    try {
      appendFileSync(this.path, JSON.stringify(r) + "\n");
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.onError(`progress file ${this.path} not written (${(e as Error).message}); the move goes on`);
  }
}

/** Pure: one watcher line for a move from its records, e.g. "web a → b · 42 % · 120 MiB left · … · ETA 4 s". */
export function liveLine(records: readonly ProgressRecord[]): string | undefined {
  const start = records.find((r): r is ProgressStart => r.kind === "start");
  if (!start) return undefined;
  const last = [...records].reverse().find((r): r is ProgressSample => r.kind === "sample");
  const end = records.find((r): r is ProgressEnd => r.kind === "end");
  const sw = records.find((r): r is ProgressSwitch => r.kind === "switch");
  const mib = (b: number) => `${(b / 1048576).toFixed(b >= 100 * 1048576 ? 0 : 1)} MiB`;
  const parts = [`${start.vm} ${start.from} → ${start.to}`];
  if (end) {
    parts.push(
      end.result === "failed"
        ? `FAILED after ${(end.elapsedMs / 1000).toFixed(1)} s: ${end.message ?? ""}`
        : `done by ${end.result === "postcopy" ? "post-copy" : "pre-copy"} in ${(end.elapsedMs / 1000).toFixed(1)} s`,
    );
  } else if (!last) {
    parts.push("starting");
  } else {
    if (last.percent !== undefined) parts.push(`${last.percent} %`);
    if (last.remainingBytes !== undefined) parts.push(`${mib(last.remainingBytes)} left`);
    if (last.transferredBytes !== undefined) parts.push(`${mib(last.transferredBytes)} sent`);
    if (last.sendBytesPerS !== undefined) parts.push(`sending ${mib(last.sendBytesPerS)}/s`);
    if (last.phase === "precopy") parts.push(last.dirtyBytesPerS === undefined ? "dirty rate not measured yet" : `dirty ${mib(last.dirtyBytesPerS)}/s`);
    if (last.iteration !== undefined) parts.push(`pass ${last.iteration}`);
    if (last.phase === "postcopy" && last.postcopyRequests !== undefined) parts.push(`${last.postcopyRequests} page requests`);
    parts.push(last.etaS !== undefined ? `ETA ${last.etaS} s` : last.phase === "precopy" ? "no ETA (not converging)" : "ETA ?");
    parts.push(last.phase === "postcopy" ? `post-copy (switched in pass ${sw?.iteration ?? "?"})` : "pre-copy");
    parts.push(`${(last.elapsedMs / 1000).toFixed(0)} s`);
  }
  parts.push(start.tls ? "TLS" : "in clear");
  return parts.join(" · ");
}

/** A move whose file has had nothing new for this long and no end line is shown as stale. */
const STALE_MS = 120_000;

/**
 * Watches the progress directory: calls `onLine` with a move's live line each time it changes
 * (moves whose files were last written before the watch began are history and skipped). Polls
 * every `everyMs`. Used by `npm run moves -- --watch` and by the demo beside its deploy.
 */
export function watchProgress(dir: string, onLine: (line: string) => void, everyMs = 1000): { stop: () => void } {
  const startedAt = Date.now();
  const shown = new Map<string, string>();
  const tick = () => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith(".jsonl"))
      .sort()) {
      const path = join(dir, f);
      let mtime: number;
      let records: ProgressRecord[];
      try {
        mtime = statSync(path).mtimeMs;
        if (mtime < startedAt - 1000 && !shown.has(path)) continue;
        records = parseProgress(readFileSync(path, "utf8"));
      } catch {
        continue; // removed or unreadable between listing and reading
      }
      let line = liveLine(records);
      if (!line) continue;
      if (!records.some((r) => r.kind === "end") && Date.now() - mtime > STALE_MS) line += ` · no news for ${Math.round((Date.now() - mtime) / 1000)} s`;
      if (shown.get(path) !== line) {
        shown.set(path, line);
        onLine(line);
      }
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      tick(); // the last word (usually the end line)
    },
  };
}
