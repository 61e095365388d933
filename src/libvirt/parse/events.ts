/**
 * `virsh event --all --loop --timestamp` lines. Most events are one line; job-completed is a
 * header line ending in ':' followed by tab-indented "key: value" statistics.
 *
 *   2026-11-25 20:28:47.953+0000: event 'lifecycle' for domain 'probe': Suspended Migrated
 *   2026-11-25 20:28:44.549+0000: event 'migration-iteration' for domain 'probe': iteration: '1'
 */
import { jobInfoFromRawStats, type DomJobInfo } from "./domjobinfo.js";

interface EventBase {
  /** ISO-8601 time from virsh's --timestamp, if present. */
  time?: string;
  domain: string;
  /** The line(s) as virsh printed them. */
  raw: string;
}

export interface LifecycleEvent extends EventBase {
  type: "lifecycle";
  /** "Started", "Suspended", "Resumed", "Stopped", "Shutdown", "Defined", "Undefined", … */
  event: string;
  /** "Migrated", "Post-copy", "Post-copy Error", "Booted", "Finished after host request", … */
  detail: string;
}

export interface MigrationIterationEvent extends EventBase {
  type: "migration-iteration";
  iteration: number;
}

export interface JobCompletedEvent extends EventBase {
  type: "job-completed";
  /** The completed job's statistics (exact numbers; the source's are the reliable ones). */
  stats: DomJobInfo;
}

export interface OtherEvent extends EventBase {
  type: "other";
  name: string;
  text: string;
}

export type VirshEvent = LifecycleEvent | MigrationIterationEvent | JobCompletedEvent | OtherEvent;

const HEADER = /^(?:(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}): )?event '([^']+)' for domain '(.*?)'(?::(?: (.*))?)?$/;

function isoTime(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const m = /^(\S+) (\S+?)([+-])(\d\d)(\d\d)$/.exec(t);
  return m ? `${m[1]}T${m[2]}${m[3]}${m[4]}:${m[5]}` : t;
}

function build(headerLine: string, continuation: string[]): VirshEvent | undefined {
  const m = HEADER.exec(headerLine);
  if (!m) return undefined;
  const time = isoTime(m[1]);
  const name = m[2]!;
  const domain = m[3]!;
  const rest = (m[4] ?? "").trim();
  const raw = [headerLine, ...continuation].join("\n");
  const base = { ...(time ? { time } : {}), domain, raw };
  if (name === "lifecycle") {
    const sp = rest.indexOf(" ");
    return { type: "lifecycle", ...base, event: sp < 0 ? rest : rest.slice(0, sp), detail: sp < 0 ? "" : rest.slice(sp + 1) };
  }
  if (name === "migration-iteration") {
    const it = /iteration: '(\d+)'/.exec(rest);
    if (it) return { type: "migration-iteration", ...base, iteration: Number(it[1]) };
  }
  if (name === "job-completed") {
    const stats = new Map<string, string>();
    for (const line of continuation) {
      const i = line.indexOf(":");
      if (i > 0) stats.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return { type: "job-completed", ...base, stats: jobInfoFromRawStats("Completed", stats, raw) };
  }
  return { type: "other", ...base, name, text: [rest, ...continuation.map((l) => l.trim())].filter(Boolean).join("\n") };
}

/**
 * Incremental assembler: feed lines as they arrive; an event is complete when the next header
 * (or a flush, after the stream went quiet) shows its continuation lines are over.
 */
export class EventLineAssembler {
  private header: string | undefined;
  private continuation: string[] = [];

  /** Feeds one line; returns the events it completed. */
  push(line: string): VirshEvent[] {
    if (/^\s/.test(line) && this.header !== undefined) {
      if (line.trim() !== "") this.continuation.push(line);
      return [];
    }
    const done = this.flush();
    if (HEADER.test(line)) this.header = line;
    return done;
  }

  /** Completes the pending event, if any. */
  flush(): VirshEvent[] {
    if (this.header === undefined) return [];
    const ev = build(this.header, this.continuation);
    this.header = undefined;
    this.continuation = [];
    return ev ? [ev] : [];
  }

  /** True while an event may still receive continuation lines. */
  get pending(): boolean {
    return this.header !== undefined;
  }
}

/** Parses a whole captured event log. */
export function parseEventLines(text: string): VirshEvent[] {
  const a = new EventLineAssembler();
  const out: VirshEvent[] = [];
  for (const line of text.split(/\r?\n/)) out.push(...a.push(line));
  out.push(...a.flush());
  return out;
}
