/**
 * How long a move takes, from what the plan knows: the VM's memory and the migration bandwidth
 * cap. Both copy modes send all RAM once over the capped link, so RAM ÷ bandwidth is the floor;
 * post-copy stops there (each page crosses exactly once after the switch), pre-copy sends pages
 * the guest dirties again and again, so it takes at least that — or never converges.
 */
import type { Strategy } from "../preflight/types.js";

export type Estimate =
  /**
   * A number: RAM ÷ bandwidth. `atLeast`: pre-copy (a floor, not a figure). `measured`: the
   * bandwidth is what earlier moves between the same hosts achieved (no cap, or a higher one).
   */
  | {
      kind: "bounded";
      seconds: number;
      atLeast: boolean;
      memoryMib: number;
      bandwidthMib: number;
      formula: string;
      note: string;
      overTimeout?: number;
      measured?: LinkRate;
    }
  /** No bandwidth cap: the link decides (not in the plan). */
  | { kind: "unlimited"; memoryMib: number; text: string; note: string }
  /** No data is copied live (recreate), or no move happens (fail), or memory is unknown. */
  | { kind: "none"; text: string };

/** What earlier moves between two hosts achieved: data sent ÷ their whole duration (median). */
export interface LinkRate {
  mibPerS: number;
  /** How many recorded moves it is the median of. */
  moves: number;
}

/** One recorded move (a VM's last_move in the plan's prior state). */
export interface MoveSample {
  from: string;
  to: string;
  bytes: number;
  totalMs: number;
}

const pairKey = (a: string, b: string) => [a, b].sort().join(" ↔ ");

/**
 * Effective rates per host pair (either direction: one link) from recorded moves — data sent
 * (memory, re-sent pages, copied disks) ÷ the move's whole duration, so set-up and checks count:
 * what a move between those hosts really took, not the wire speed. Pure.
 */
export function linkRates(samples: readonly MoveSample[]): Map<string, LinkRate> {
  const by = new Map<string, number[]>();
  for (const s of samples) {
    if (!(s.bytes > 0) || !(s.totalMs > 0) || s.from === s.to) continue;
    const k = pairKey(s.from, s.to);
    by.set(k, [...(by.get(k) ?? []), s.bytes / 1048576 / (s.totalMs / 1000)]);
  }
  const out = new Map<string, LinkRate>();
  for (const [k, rates] of by) {
    const r = [...rates].sort((x, y) => x - y);
    const mid = r.length >> 1;
    out.set(k, { mibPerS: r.length % 2 ? r[mid]! : (r[mid - 1]! + r[mid]!) / 2, moves: r.length });
  }
  return out;
}

export const linkRateOf = (rates: ReadonlyMap<string, LinkRate>, from: string, to: string): LinkRate | undefined => rates.get(pairKey(from, to));

export interface EstimateInput {
  memoryMib: number | undefined;
  bandwidthMib: number | undefined;
  /** What earlier moves between the two hosts achieved, when the state recorded any. */
  link?: LinkRate | undefined;
  timeoutS: number | undefined;
  /** The verdict's strategy, or the declared mode when the verdict is known only after apply. */
  strategy: Strategy;
}

export const UNLIMITED_TEXT = "unlimited bandwidth: bounded by the link (no earlier move between these hosts in the state to measure it from)";

/** "0.4 s", "4 s", "2 min 8 s", "1 h 5 min" — rounded as a person would quote it. */
export function humanSeconds(s: number): string {
  if (s < 10) return `${Math.round(s * 10) / 10} s`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = Math.round(s - m * 60);
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

const NOTE: Record<"postcopy" | "precopy", string> = {
  postcopy:
    "post-copy: the total is about RAM ÷ bandwidth — every page crosses the link once; the guest keeps running, pages it touches first are fetched on demand",
  precopy:
    "pre-copy: at least RAM ÷ bandwidth — pages the guest dirties are sent again, and a guest that dirties memory faster than the bandwidth may never " +
    "converge (the move is aborted at timeout_s and the VM stays on the source)",
};

export function estimateMove(i: EstimateInput): Estimate {
  if (i.strategy === "fail") return { kind: "none", text: "no move: the plan fails before anything is touched" };
  if (i.strategy === "recreate")
    return { kind: "none", text: "not a live move: the guest is shut down and booted again on the destination (downtime = shutdown + boot)" };
  if (i.memoryMib === undefined) return { kind: "none", text: "memory_mib is known only after apply: no estimate" };
  const mode = i.strategy;
  const cap = i.bandwidthMib !== undefined && i.bandwidthMib > 0 ? i.bandwidthMib : undefined;
  // The link decides when there is no cap, or when earlier moves were slower than the cap.
  const measured = i.link !== undefined && i.link.mibPerS > 0 && (cap === undefined || i.link.mibPerS < cap) ? i.link : undefined;
  if (cap === undefined && measured === undefined) {
    return { kind: "unlimited", memoryMib: i.memoryMib, text: UNLIMITED_TEXT, note: NOTE[mode] };
  }
  const rate = measured?.mibPerS ?? cap!;
  const seconds = i.memoryMib / rate;
  const over = i.timeoutS !== undefined && seconds > i.timeoutS ? { overTimeout: i.timeoutS } : {};
  const shown = rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10;
  const source = measured
    ? ` (measured: the median of ${measured.moves} earlier ${measured.moves === 1 ? "move" : "moves"} between these hosts` +
      `${cap !== undefined ? `, below the ${cap} MiB/s cap` : ", no bandwidth_mib set"})`
    : " of bandwidth";
  return {
    kind: "bounded",
    seconds,
    atLeast: mode === "precopy",
    memoryMib: i.memoryMib,
    bandwidthMib: shown,
    formula: `${i.memoryMib} MiB of RAM ÷ ${shown} MiB/s${source} = ${humanSeconds(seconds)}`,
    note: NOTE[mode],
    ...over,
    ...(measured ? { measured } : {}),
  };
}

/** The estimate in one phrase, for summary rows. */
export function estimateShort(e: Estimate): string {
  if (e.kind === "none") return "—";
  if (e.kind === "unlimited") return "bounded by the link";
  return `${e.atLeast ? "≥" : "≈"} ${humanSeconds(e.seconds)}`;
}
