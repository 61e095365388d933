/**
 * Follows lab guests' console files on both hosts and stamps every complete line with the moment
 * this process first saw it (absolute ms, see nowMs). Guest heartbeats carry the guest's own clock,
 * which stops while QEMU is paused (TCG's virtual clock), so only a host-side clock can measure an
 * interruption the way a client of the guest would see it.
 *
 * QEMU writes the console file unbuffered (chardev logfile), so "seen" lags "written" by the read
 * delay only: an inotify watch on the directory reads at once, and a poll every `pollMs` covers
 * events inotify might coalesce. Reading and stamping happen in a worker thread, so this thread's
 * own work (virsh calls, parsing) cannot delay a stamp; only CPU starvation of the whole process
 * can, and the worker's poll-tick gaps are kept so reports can state that bound.
 */
import { Worker } from "node:worker_threads";
import { parseConsole } from "../src/lab/guest/console.js";

export interface TimedLine {
  host: string;
  /** When the complete line was first read (nowMs(): absolute ms). */
  at: number;
  text: string;
}

/** One guest event with its arrival time. */
export type ConsoleEvent =
  | { kind: "init"; host: string; at: number; boot: string }
  | { kind: "ready"; host: string; at: number; boot: string }
  | { kind: "hb"; host: string; at: number; boot: string; seq: number; uptimeS: number };

/** Classifies timed lines through the console's own typed parser (one line at a time). */
export function consoleEvents(lines: readonly TimedLine[]): ConsoleEvent[] {
  const out: ConsoleEvent[] = [];
  for (const l of lines) {
    const r = parseConsole(`${l.text}\n`);
    const hb = r.heartbeats[0];
    const ready = r.readyMarks[0];
    if (hb) out.push({ kind: "hb", host: l.host, at: l.at, boot: hb.boot, seq: hb.seq, uptimeS: hb.uptimeS });
    else if (ready) out.push({ kind: "ready", host: l.host, at: l.at, boot: ready.boot });
    else if (/LVINIT/.test(l.text) && r.bootIds[0]) out.push({ kind: "init", host: l.host, at: l.at, boot: r.bootIds[0] });
  }
  return out;
}

/** Text of the lines one host's console received in [from, to], for parseConsole/checkContinuity. */
export function textBetween(lines: readonly TimedLine[], host: string, from: number, to: number): string {
  return lines
    .filter((l) => l.host === host && l.at >= from && l.at <= to)
    .map((l) => `${l.text}\n`)
    .join("");
}

/** What console-tail-worker.mjs is given and sends back. */
interface TailWorkerInput {
  files: { host: string; path: string }[];
  pollMs: number;
}
type TailWorkerMessage = { type: "lines"; lines: TimedLine[] } | { type: "tick"; at: number; gapMs: number } | { type: "stopped" };

/** Absolute ms (epoch-based, sub-ms): the clock both the worker's stamps and callers use. */
export const nowMs = () => performance.timeOrigin + performance.now();

export class ConsoleTail {
  readonly lines: TimedLine[] = [];
  /** The worker's poll ticks: `gapMs` since the previous one bounds how late a stamp can be. */
  readonly ticks: { at: number; gapMs: number }[] = [];
  private worker: Worker | undefined;
  private parsed: ConsoleEvent[] = [];
  private parsedUpTo = 0;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly files: { host: string; path: string }[],
    private readonly pollMs = 20,
  ) {}

  /** Starts following from each file's current end: earlier lives of the guest are not ours. */
  async start(): Promise<void> {
    const w = new Worker(new URL("./console-tail-worker.mjs", import.meta.url), {
      workerData: { files: this.files, pollMs: this.pollMs } satisfies TailWorkerInput,
    });
    this.worker = w;
    let resolveStopped!: () => void;
    this.stopped = new Promise((r) => (resolveStopped = r));
    const firstTick = new Promise<void>((resolve) => {
      w.on("message", (m: TailWorkerMessage) => {
        if (m.type === "lines") this.lines.push(...m.lines);
        else if (m.type === "tick") {
          this.ticks.push({ at: m.at, gapMs: m.gapMs });
          resolve();
        } else resolveStopped();
      });
    });
    w.once("error", (e) => {
      console.error(`console tail worker failed: ${e.message}`);
      resolveStopped();
    });
    await firstTick; // the worker has read each file's current end: nothing older is ours
  }

  async stop(): Promise<void> {
    if (!this.worker) return;
    this.worker.postMessage("stop");
    await this.stopped;
    await this.worker.terminate();
    this.worker = undefined;
  }

  /** Events of every line so far (parsed once each). */
  events(): ConsoleEvent[] {
    if (this.parsedUpTo < this.lines.length) {
      this.parsed.push(...consoleEvents(this.lines.slice(this.parsedUpTo)));
      this.parsedUpTo = this.lines.length;
    }
    return this.parsed;
  }

  /** Longest gap between the worker's poll ticks in [from, to]: the worst stamping delay there. */
  worstTickGap(from: number, to: number): number | null {
    const g = this.ticks.filter((t) => t.at >= from && t.at <= to).map((t) => t.gapMs);
    return g.length ? Math.max(...g) : null;
  }
}
