import { describe, expect, it } from "vitest";
import { DEFAULT_HOST_LIMITS, scheduleMoves, scheduleSummary, type HostLimits } from "../../../src/review/schedule.js";

const mv = (vm: string, from: string, to: string, seconds?: number) => ({ vm, from, to, seconds });
const limits = (o: Record<string, Partial<HostLimits>>) => (h: string) => ({ ...DEFAULT_HOST_LIMITS, ...o[h] });

describe("scheduleMoves: the provider's per-host queues, simulated", () => {
  it("a drain of a with the default limit (1 out): one after another, total = the sum", () => {
    const s = scheduleMoves([mv("x", "a", "b", 16), mv("y", "a", "b", 8), mv("z", "a", "c", 4)]);
    expect(s.moves.map((m) => [m.vm, m.startS, m.endS, m.after])).toEqual([
      ["x", 0, 16, []],
      ["y", 16, 24, ["x"]],
      ["z", 24, 28, ["y"]],
    ]);
    expect([s.totalS, s.peak]).toEqual([28, 1]);
    expect(scheduleSummary(s)).toBe("3 moves: 3 out of a (1 at a time); at most 1 at once; estimated 28 s in all.");
  });

  it("max_outbound_moves = 2 on a: two at a time; the third takes the first free slot", () => {
    const s = scheduleMoves([mv("x", "a", "b", 16), mv("y", "a", "b", 8), mv("z", "a", "c", 4)], limits({ a: { outbound: 2 } }));
    expect(s.moves.map((m) => [m.vm, m.startS, m.endS])).toEqual([
      ["x", 0, 16],
      ["y", 0, 8],
      ["z", 8, 12],
    ]);
    expect([s.totalS, s.peak]).toEqual([16, 2]);
  });

  it("moves out of different hosts run together; an inbound limit on b serialises what lands there", () => {
    const free = scheduleMoves([mv("x", "a", "b", 10), mv("y", "c", "b", 10)]);
    expect(free.totalS).toBe(10);
    const s = scheduleMoves([mv("x", "a", "b", 10), mv("y", "c", "b", 10), mv("w", "c", "d", 3)], limits({ b: { inbound: 1 } }));
    // y waits for b; w waits behind y (first come, first served out of c), as the provider's queues do.
    expect(s.moves.map((m) => [m.vm, m.startS, m.after])).toEqual([
      ["x", 0, []],
      ["y", 10, ["x"]],
      ["w", 20, ["y"]],
    ]);
    expect(s.totalS).toBe(23);
  });

  it("Terraform's parallelism caps everything", () => {
    const many = Array.from({ length: 4 }, (_, i) => mv(`v${i}`, `h${i}`, "z", 5));
    expect(scheduleMoves(many, undefined, 2).totalS).toBe(10);
    expect(scheduleMoves(many).totalS).toBe(5);
  });

  it("an unknown duration: order and waits are shown, no times and no total", () => {
    const s = scheduleMoves([mv("x", "a", "b", 16), mv("y", "a", "b")]);
    expect(s.moves.map((m) => [m.vm, m.order, m.after, m.startS])).toEqual([
      ["x", 1, [], undefined],
      ["y", 2, ["x"], undefined],
    ]);
    expect(s.totalS).toBeUndefined();
    expect(scheduleSummary(s)).toMatch(/no total estimate: a move has neither bandwidth_mib nor an earlier move between its hosts to measure the link from/);
  });
});
