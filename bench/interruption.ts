/**
 * The guest-visible interruption of an operation, from heartbeat arrival times (ConsoleTail):
 * the longest gap between consecutive heartbeats, from the last one that arrived before the
 * operation started to the first one that arrived after it ended. For a live move that is the
 * handover (pause + the destination faulting in what memcheck touches first); for destroy+create
 * it is everything from the last beat of the old boot to the first beat of the new one.
 * Pure, so the definition itself is unit-tested.
 */
import type { ConsoleEvent } from "./console-tail.js";

export type Beat = Extract<ConsoleEvent, { kind: "hb" }>;

export interface Gap {
  gapMs: number;
  before: Beat;
  after: Beat;
  /** Heartbeats from `before`'s predecessor window to `after`, inclusive. */
  beatsInWindow: number;
}

export const beatsOf = (events: readonly ConsoleEvent[]): Beat[] => events.filter((e): e is Beat => e.kind === "hb").sort((x, y) => x.at - y.at);

/** Longest gap across [start, end]; null when no beat arrived before start or none after end. */
export function interruption(events: readonly ConsoleEvent[], start: number, end: number): Gap | null {
  const beats = beatsOf(events);
  let i0 = -1;
  for (let i = 0; i < beats.length; i++) if (beats[i]!.at <= start) i0 = i;
  const i1 = beats.findIndex((b) => b.at >= end);
  if (i0 < 0 || i1 < 0 || i1 <= i0) return null;
  let best: Gap | null = null;
  for (let i = i0 + 1; i <= i1; i++) {
    const gapMs = beats[i]!.at - beats[i - 1]!.at;
    if (!best || gapMs > best.gapMs) best = { gapMs, before: beats[i - 1]!, after: beats[i]!, beatsInWindow: i1 - i0 + 1 };
  }
  return best;
}

/** Longest gap between heartbeats that all arrived within [from, to]: the noise floor. */
export function longestGapWithin(events: readonly ConsoleEvent[], from: number, to: number): number | null {
  const beats = beatsOf(events).filter((b) => b.at >= from && b.at <= to);
  if (beats.length < 2) return null;
  let m = 0;
  for (let i = 1; i < beats.length; i++) m = Math.max(m, beats[i]!.at - beats[i - 1]!.at);
  return m;
}

/** First event of `kind` on `host` at or after `from` whose boot differs from `oldBoot`. */
export function firstOfNewBoot(
  events: readonly ConsoleEvent[],
  kind: ConsoleEvent["kind"],
  host: string,
  from: number,
  oldBoot: string,
): ConsoleEvent | undefined {
  return events.filter((e) => e.kind === kind && e.host === host && e.at >= from && e.boot !== oldBoot).sort((x, y) => x.at - y.at)[0];
}
