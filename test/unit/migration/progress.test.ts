import { describe, expect, it } from "vitest";
import {
  MIB,
  formatProgress,
  progressPercent,
  rates,
  remainingAtIterationStart,
  reportedDirtyBytesPerS,
  windowTransfer,
} from "../../../src/migration/progress.js";
import { notConverging, precopyRunning, qemu10 } from "./fixtures/samples.js";

const [t10, t20, t30, t40] = notConverging();

describe("progressPercent", () => {
  it.each([
    ["t=10 s, 401.2 of 512.5 MiB left", t10!, 21.7],
    ["t=30 s, 31.6 MiB left", t30!, 93.8],
    ["8.8 MiB left at 25 MiB/s", precopyRunning(), 98.3],
    ["QEMU 10 completed job", qemu10("completed"), 100],
    ["QEMU 10 completed job, raw stats", qemu10("completed-rawstats"), 100],
  ])("%s → %f %", (_n, sample, want) => {
    expect(progressPercent(sample)).toBeCloseTo(want, 1);
  });
  it("is undefined without totals (job type None) or with total 0", () => {
    expect(progressPercent(qemu10("plain"))).toBeUndefined();
    expect(progressPercent({ dataTotalBytes: 0, dataRemainingBytes: 0 })).toBeUndefined();
  });
  it("falls back to memory figures when data figures are missing", () => {
    expect(progressPercent({ memoryTotalBytes: 100, memoryRemainingBytes: 25 })).toBe(75);
  });
});

describe("rates", () => {
  it("first sample: no previous → QEMU's bandwidth, dirty rate unknown in the first pass", () => {
    expect(rates(undefined, t10!)).toEqual({ dirtyBytesPerS: undefined, transferBytesPerS: t10!.memoryBandwidthBytesPerSec });
  });
  it("between recorded samples: processed delta over job-time delta; dirty = pages/s × page size", () => {
    const r = rates(t20, t30!);
    expect(r.transferBytesPerS! / MIB).toBeCloseTo(9.97, 2);
    expect(r.dirtyBytesPerS).toBe(1649 * 4096);
    expect(rates(t30, t40!).dirtyBytesPerS).toBe(2550 * 4096);
  });
  it("same timestamp or counters going back → QEMU's own figure", () => {
    expect(rates(t20, { ...t20! }).transferBytesPerS).toBe(t20!.memoryBandwidthBytesPerSec);
    expect(rates(t40, t10!).transferBytesPerS).toBe(t10!.memoryBandwidthBytesPerSec);
  });
  it("dirty rate 0 means unknown during the first pass, idle afterwards", () => {
    expect(reportedDirtyBytesPerS({ iteration: 1, memoryDirtyRatePagesPerSec: 0 })).toBeUndefined();
    expect(reportedDirtyBytesPerS({ iteration: 3, memoryDirtyRatePagesPerSec: 0 })).toBe(0);
    expect(reportedDirtyBytesPerS({ iteration: 2, memoryDirtyRatePagesPerSec: 10, pageSizeBytes: 65536 })).toBe(655360);
    expect(reportedDirtyBytesPerS({})).toBeUndefined();
  });
});

describe("windowTransfer / remainingAtIterationStart", () => {
  it("averages over the window and reports its span", () => {
    const w = windowTransfer([t10!, t20!, t30!], 2000);
    expect(w.spanMs).toBe(10_046);
    expect(windowTransfer([t10!], 2000)).toEqual({ bytesPerS: t10!.memoryBandwidthBytesPerSec, spanMs: 0 });
    expect(windowTransfer([], 2000)).toEqual({ bytesPerS: undefined, spanMs: 0 });
  });
  it("finds the remaining of the first sample of a pass", () => {
    const h = [t10!, t20!, t30!, t40!];
    expect(remainingAtIterationStart(h, 1)).toBe(t10!.memoryRemainingBytes);
    expect(remainingAtIterationStart(h, 3)).toBe(t40!.memoryRemainingBytes);
    expect(remainingAtIterationStart(h, 4)).toBeUndefined();
  });
});

describe("formatProgress", () => {
  it.each([
    [t10!, "precopy", "21 % · 401 MiB remaining · sending 10.0 MiB/s · dirty rate not measured yet · iteration 1 · pre-copy"],
    [t30!, "precopy", "93 % · 31.6 MiB remaining · sending 10.0 MiB/s · dirty 6.4 MiB/s · iteration 2 · pre-copy"],
    [qemu10("completed"), "postcopy", "100 % · 0.0 MiB remaining · sending 26.9 MiB/s · iteration 3 · 0 page requests · post-copy"],
    [{}, "precopy", "? % · dirty rate not measured yet · pre-copy"],
  ] as const)("%#", (sample, phase, want) => {
    expect(formatProgress(sample, phase)).toBe(want);
  });
});
