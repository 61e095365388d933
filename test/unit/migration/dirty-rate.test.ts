/**
 * The dirty-rate probe's reading side, on real `virsh domstats --dirtyrate` outputs recorded on
 * the lab (the calc started right before a move, read during its pass 1), with a fake clock.
 */
import { describe, expect, it } from "vitest";
import type { DirtyRateStats } from "../../../src/libvirt/parse/dirtyrate.js";
import { dirtyRateProbe, HINT_PERIOD_S, wantsDirtyRateHint } from "../../../src/migration/dirty-rate.js";
import { validateSettings } from "../../../src/migration/policy.js";
import { MIB } from "../../../src/migration/progress.js";
import { qemu10DirtyRate } from "./fixtures/samples.js";

const measured8 = qemu10DirtyRate(8); // 7 MiB/s, 2 s, started at 1795650106
const older: DirtyRateStats = { status: "measured", startTimeS: measured8.startTimeS - 40, periodS: 2, mode: "page-sampling", mibPerS: 55 };
const measuring: DirtyRateStats = { status: "measuring", startTimeS: measured8.startTimeS, periodS: 2, mode: "page-sampling" };

function probe(answers: Array<DirtyRateStats | Error>, before: DirtyRateStats = older) {
  let t = 0;
  const reads: number[] = [];
  const logs: string[] = [];
  const p = dirtyRateProbe({
    read: async () => {
      reads.push(t);
      const a = answers[Math.min(reads.length - 1, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
    before,
    periodS: HINT_PERIOD_S,
    startedAtMs: 0,
    now: () => t,
    log: (level, msg) => logs.push(`${level} ${msg}`),
    hostName: "a",
  });
  return { p, reads, logs, at: (ms: number) => ((t = ms), p.poll()) };
}

describe("dirty-rate probe", () => {
  it("recorded outputs parse as the lab measured them (0, 7, 20, 34 MiB/s over 2 s, page sampling)", () => {
    expect(([0, 8, 20, 40] as const).map((r) => qemu10DirtyRate(r))).toMatchObject(
      [0, 7, 20, 34].map((mibPerS) => ({ status: "measured", periodS: 2, mode: "page-sampling", mibPerS })),
    );
  });

  it("makes no call before the period is over, then returns the result in bytes/s and keeps it", async () => {
    const x = probe([measured8]);
    expect(await x.at(500)).toBe("pending");
    expect(await x.at(1999)).toBe("pending");
    expect(x.reads).toEqual([]);
    expect(await x.at(2000)).toBe(7 * MIB);
    expect(await x.at(2500)).toBe(7 * MIB);
    expect(x.reads).toEqual([2000]);
    expect(x.logs).toEqual(["info guest dirty rate during the first pass: 7 MiB/s (page-sampling, 2 s)"]);
  });

  it("still measuring, or the previous move's result: pending until ours is in", async () => {
    const x = probe([older, measuring, measured8]);
    expect(await x.at(2000)).toBe("pending");
    expect(await x.at(2500)).toBe("pending");
    expect(await x.at(3000)).toBe(7 * MIB);
  });

  it("a failing stats call (domain busy) is retried at the next poll", async () => {
    const x = probe([new Error("Timed out during operation: cannot acquire state change lock"), measured8]);
    expect(await x.at(2000)).toBe("pending");
    expect(await x.at(2500)).toBe(7 * MIB);
  });

  it("first calculation ever on the domain (before = unstarted) is recognised", async () => {
    const x = probe([measured8], { status: "unstarted", startTimeS: 0, periodS: 0 });
    expect(await x.at(2000)).toBe(7 * MIB);
  });

  it("no result 10 s after it was due: unavailable, once, with a warning naming the host and why", async () => {
    const x = probe([measuring]);
    expect(await x.at(11_999)).toBe("pending");
    expect(await x.at(12_001)).toBe("unavailable");
    expect(await x.at(20_000)).toBe("unavailable");
    expect(x.reads).toEqual([11_999, 12_001]);
    expect(x.logs).toEqual(["warn no dirty-rate result from a 12 s after starting it (status measuring); auto decides after the first pass"]);
  });

  it("only auto in post-copy mode asks for it", () => {
    expect(wantsDirtyRateHint(validateSettings({}))).toBe(true);
    expect(wantsDirtyRateHint(validateSettings({ switch: "first-pass" }))).toBe(false);
    expect(wantsDirtyRateHint(validateSettings({ mode: "precopy" }))).toBe(false);
  });
});
