/**
 * The order the plan's moves run in and how long they take together. The provider runs at most
 * `max_outbound_moves` moves out of a host and `max_inbound_moves` into it at once (first come,
 * first served; src/migration/limits.ts), and Terraform itself at most `-parallelism` (10)
 * operations. Terraform starts independent changes together, in no fixed order, so this is one
 * such order — by address, as the plan lists them — scheduled greedily: each move starts as soon
 * as its source, its destination and Terraform all have a free slot. With every move out of one
 * host (a drain) the total does not depend on that order when the moves are alike.
 */
import { humanSeconds } from "./estimate.js";

export interface HostLimits {
  outbound: number;
  /** Infinity: no limit. */
  inbound: number;
}

/** What the provider does when a host declares no limit (src/model/host.ts). */
export const DEFAULT_HOST_LIMITS: HostLimits = { outbound: 1, inbound: Number.POSITIVE_INFINITY };
/** Terraform's default -parallelism. */
export const TERRAFORM_PARALLELISM = 10;

export interface ScheduleInput {
  vm: string;
  from: string;
  to: string;
  /** The move's estimated duration; undefined when the plan cannot tell (no bandwidth cap). */
  seconds: number | undefined;
  /** The duration is a floor (pre-copy may send pages again). */
  atLeast?: boolean;
}

export interface ScheduledMove extends ScheduleInput {
  /** 1-based position in the order the moves start. */
  order: number;
  /** Estimated start and end, in seconds from the first move's start (undefined with any unknown duration). */
  startS?: number;
  endS?: number;
  /** The moves sharing a host whose end lets this one start, by VM name (empty: it starts at once). */
  after: string[];
}

export interface Schedule {
  moves: ScheduledMove[];
  /** Estimated wall time of all moves together; undefined when a duration is unknown. */
  totalS?: number;
  /** totalS is a floor: some move's duration is (pre-copy). */
  atLeast: boolean;
  /** The per-host limits that applied, for the hosts that take part. */
  limits: Record<string, HostLimits>;
  /** The most moves running at once. */
  peak: number;
}

/**
 * A simulation of the provider's queues: at each moment, in input order, a waiting move starts when
 * Terraform, its source and its destination all have a free slot and no move ahead of it waits out
 * of the same host (first come, first served); time then runs to the next move's end. Unknown
 * durations are simulated as equal (1 unit), so the order and who waits for whom are still shown;
 * times are then left out.
 */
export function scheduleMoves(
  moves: readonly ScheduleInput[],
  limitsOf: (host: string) => HostLimits = () => DEFAULT_HOST_LIMITS,
  parallelism = TERRAFORM_PARALLELISM,
): Schedule {
  const timed = moves.every((m) => m.seconds !== undefined);
  const limits: Record<string, HostLimits> = {};
  for (const m of moves) for (const h of [m.from, m.to]) limits[h] ??= limitsOf(h);
  const waiting = moves.map((m) => ({ m }));
  const running: { m: ScheduleInput; end: number }[] = [];
  const out: ScheduledMove[] = [];
  const ended: { vm: string; from: string; to: string; at: number }[] = [];
  let t = 0;
  let peak = 0;
  while (waiting.length > 0) {
    const blockedOut = new Set<string>();
    for (let i = 0; i < waiting.length; i++) {
      const { m } = waiting[i]!;
      const free =
        running.length < parallelism &&
        !blockedOut.has(m.from) &&
        running.filter((r) => r.m.from === m.from).length < limits[m.from]!.outbound &&
        running.filter((r) => r.m.to === m.to).length < limits[m.to]!.inbound;
      if (!free) {
        blockedOut.add(m.from);
        continue;
      }
      // Who it waited for: the moves sharing a host whose end freed its slot just now.
      const after = t === 0 ? [] : ended.filter((e) => e.at === t && (e.from === m.from || e.to === m.to)).map((e) => e.vm);
      const end = t + (timed ? m.seconds! : 1);
      running.push({ m, end });
      out.push({ ...m, order: out.length + 1, after, ...(timed ? { startS: t, endS: end } : {}) });
      waiting.splice(i--, 1);
    }
    peak = Math.max(peak, running.length);
    if (waiting.length === 0) break;
    // Run to the next end (some move is running: anything waiting waits for one of them).
    t = Math.min(...running.map((r) => r.end));
    for (const r of running.filter((x) => x.end <= t)) ended.push({ vm: r.m.vm, from: r.m.from, to: r.m.to, at: r.end });
    running.splice(0, running.length, ...running.filter((r) => r.end > t));
  }
  const totalS = timed && out.length ? Math.max(...out.map((m) => m.endS!)) : undefined;
  return { moves: out, limits, peak, atLeast: moves.some((m) => m.atLeast === true), ...(totalS !== undefined ? { totalS } : {}) };
}

/** "1 at a time", "2 at once", "no limit". */
export function limitText(n: number): string {
  return !Number.isFinite(n) ? "no limit" : n === 1 ? "1 at a time" : `${n} at once`;
}

/** One sentence: how many moves, how they run, and the estimated total. */
export function scheduleSummary(s: Schedule): string {
  const n = s.moves.length;
  const sources = [...new Set(s.moves.map((m) => m.from))];
  const per = sources.map((h) => `${s.moves.filter((m) => m.from === h).length} out of ${h} (${limitText(s.limits[h]!.outbound)})`).join(", ");
  const total =
    s.totalS !== undefined
      ? `estimated ${s.atLeast ? "at least " : ""}${humanSeconds(s.totalS)} in all`
      : "no total estimate: a move has neither bandwidth_mib nor an earlier move between its hosts to measure the link from";
  return `${n} move${n === 1 ? "" : "s"}: ${per}; at most ${s.peak} at once; ${total}.`;
}

export const ORDER_HEAD = ["#", "VM", "move", "starts", "estimated duration", "starts after"] as const;

/** The order table's cells (plain text; each renderer escapes them). */
export function orderRows(s: Schedule): string[][] {
  const t = (x: number | undefined) => (x === undefined ? "—" : x === 0 ? "at once" : `+${humanSeconds(x)}`);
  return s.moves.map((m) => [
    String(m.order),
    m.vm,
    `${m.from} → ${m.to}`,
    t(m.startS),
    m.seconds === undefined ? "bounded by the link" : `${m.atLeast ? "≥" : "≈"} ${humanSeconds(m.seconds)}`,
    m.after.length ? m.after.join(", ") : m.order === 1 || m.startS === 0 ? "—" : "a free slot",
  ]);
}
