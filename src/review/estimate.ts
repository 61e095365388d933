/**
 * How long a move takes, from what the plan knows: the VM's memory and the migration bandwidth
 * cap. Both copy modes send all RAM once over the capped link, so RAM ÷ bandwidth is the floor;
 * post-copy stops there (each page crosses exactly once after the switch), pre-copy sends pages
 * the guest dirties again and again, so it takes at least that — or never converges.
 */
import type { Strategy } from "../preflight/types.js";

export type Estimate =
  /** A number: RAM ÷ bandwidth. `atLeast`: pre-copy (a floor, not a figure). */
  | { kind: "bounded"; seconds: number; atLeast: boolean; memoryMib: number; bandwidthMib: number; formula: string; note: string; overTimeout?: number }
  /** No bandwidth cap: the link decides (not in the plan). */
  | { kind: "unlimited"; memoryMib: number; text: string; note: string }
  /** No data is copied live (recreate), or no move happens (fail), or memory is unknown. */
  | { kind: "none"; text: string };

export interface EstimateInput {
  memoryMib: number | undefined;
  bandwidthMib: number | undefined;
  timeoutS: number | undefined;
  /** The verdict's strategy, or the declared mode when the verdict is known only after apply. */
  strategy: Strategy;
}

export const UNLIMITED_TEXT = "unlimited bandwidth: bounded by the link";

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
  postcopy: "post-copy: the total is about RAM ÷ bandwidth — every page crosses the link once; the guest keeps running, pages it touches first are fetched on demand",
  precopy: "pre-copy: at least RAM ÷ bandwidth — pages the guest dirties are sent again, and a guest that dirties memory faster than the bandwidth may never converge (the move is aborted at timeout_s and the VM stays on the source)",
};

export function estimateMove(i: EstimateInput): Estimate {
  if (i.strategy === "fail") return { kind: "none", text: "no move: the plan fails before anything is touched" };
  if (i.strategy === "recreate") return { kind: "none", text: "not a live move: the guest is shut down and booted again on the destination (downtime = shutdown + boot)" };
  if (i.memoryMib === undefined) return { kind: "none", text: "memory_mib is known only after apply: no estimate" };
  const mode = i.strategy;
  if (i.bandwidthMib === undefined || i.bandwidthMib <= 0) {
    return { kind: "unlimited", memoryMib: i.memoryMib, text: UNLIMITED_TEXT, note: NOTE[mode] };
  }
  const seconds = i.memoryMib / i.bandwidthMib;
  const over = i.timeoutS !== undefined && seconds > i.timeoutS ? { overTimeout: i.timeoutS } : {};
  return {
    kind: "bounded",
    seconds,
    atLeast: mode === "precopy",
    memoryMib: i.memoryMib,
    bandwidthMib: i.bandwidthMib,
    formula: `${i.memoryMib} MiB of RAM ÷ ${i.bandwidthMib} MiB/s of bandwidth = ${humanSeconds(seconds)}`,
    note: NOTE[mode],
    ...over,
  };
}

/** The estimate in one phrase, for summary rows. */
export function estimateShort(e: Estimate): string {
  if (e.kind === "none") return "—";
  if (e.kind === "unlimited") return "bounded by the link";
  return `${e.atLeast ? "≥" : "≈"} ${humanSeconds(e.seconds)}`;
}
