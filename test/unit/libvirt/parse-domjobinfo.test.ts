import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { jobProgressPercent, parseDomJobInfo } from "../../../src/libvirt/parse/domjobinfo.js";
import { raw, sample, V11, V9 } from "./fixtures.js";

const MiB = 1024 ** 2;

describe("parseDomJobInfo (human form)", () => {
  it("reads a running outgoing pre-copy job (9.0)", () => {
    const j = parseDomJobInfo(sample(V9, "domjobinfo-precopy-running.txt"));
    expect(j).toMatchObject({
      type: "Unbounded",
      operation: "Outgoing migration",
      timeElapsedMs: 8001,
      dataProcessedBytes: Math.round(192.592 * MiB),
      dataRemainingBytes: Math.round(8.84 * MiB),
      dataTotalBytes: Math.round(512.508 * MiB),
      memoryBandwidthBytesPerSec: Math.round(25.031 * MiB),
      memoryDirtyRatePagesPerSec: 0,
      pageSizeBytes: 4096,
      iteration: 1,
      postcopyRequests: 0,
      constantPages: 79907,
      normalPages: 49032,
      expectedDowntimeMs: 300,
      setupTimeMs: 0,
      exact: false,
    });
    expect(j.other).toEqual({});
    expect(jobProgressPercent(j)).toBeCloseTo(100 - (8.84 / 512.508) * 100, 3);
  });

  it("reads each snapshot of a non-converging pre-copy (dirty rate, iterations)", () => {
    const snaps = raw(V9, "domjobinfo-precopy-not-converging.txt")
      .split(/^--- t=\d+s$/m)
      .filter((s) => s.trim() !== "")
      .map(parseDomJobInfo);
    expect(snaps.map((s) => s.iteration)).toEqual([1, 1, 2, 3]);
    expect(snaps.map((s) => s.memoryDirtyRatePagesPerSec)).toEqual([0, 0, 1649, 2550]);
    expect(snaps[3]!.expectedDowntimeMs).toBe(12922);
    expect(snaps[3]!.dataRemainingBytes).toBe(Math.round(58.449 * MiB));
  });

  it("reads completed incoming statistics with downtime (11.3)", () => {
    const j = parseDomJobInfo(sample(V11, "domjobinfo-dst-completed.txt"));
    expect(j).toMatchObject({
      type: "Completed",
      operation: "Incoming migration",
      timeElapsedMs: 3858,
      timeElapsedNetMs: 3856,
      dataRemainingBytes: 0,
      downtimeMs: 32,
      downtimeNetMs: 30,
      setupTimeMs: 1,
      iteration: 3,
      postcopyRequests: 0,
      normalDataBytes: Math.round(91.523 * MiB),
    });
    expect(parseDomJobInfo(sample(V11, "domjobinfo-dst-completed-anystats.txt")).downtimeMs).toBe(32);
    expect(parseDomJobInfo(sample(V11, "domjobinfo-dst-completed-after-precopy.txt")).downtimeMs).toBe(100);
  });

  it("reads 'Job type: None' (both versions, incl. the destination after a post-copy move)", () => {
    for (const [v, f] of [
      [V9, "virsh-domjobinfo-none.txt"],
      [V11, "virsh-domjobinfo-none.txt"],
      [V11, "domjobinfo-dst-plain.txt"],
      [V11, "domjobinfo-dst-completed-after-switched-postcopy.txt"],
    ] as const) {
      expect(parseDomJobInfo(sample(v, f))).toEqual({ type: "None", exact: false, other: {} });
    }
  });

  it("reads Failed jobs with their error message", () => {
    const j = parseDomJobInfo(
      "Job type:         Failed      \nOperation:        Outgoing migration\nError message:    operation aborted: job 'migration out' canceled by client\n",
    );
    expect(j.type).toBe("Failed");
    expect(j.errorMessage).toMatch(/canceled by client/);
  });

  it("rejects output without a job type", () => {
    expect(() => parseDomJobInfo("error: failed to get domain 'probe'\n")).toThrow(ParseError);
    expect(() => parseDomJobInfo("Job type: Sometimes\n")).toThrow(ParseError);
  });
});

describe("parseDomJobInfo (--rawstats)", () => {
  it("gives exact bytes and the same fields as the human form", () => {
    const rawStats = parseDomJobInfo(sample(V11, "domjobinfo-dst-completed-rawstats.txt"));
    const human = parseDomJobInfo(sample(V11, "domjobinfo-dst-completed-anystats.txt"));
    expect(rawStats).toMatchObject({
      type: "Completed",
      operation: "Incoming migration",
      exact: true,
      dataProcessedBytes: 96655063,
      dataTotalBytes: 268967936,
      memoryBandwidthBytesPerSec: 28220456,
      downtimeMs: 32,
      iteration: 3,
    });
    for (const k of ["timeElapsedMs", "downtimeMs", "iteration", "postcopyRequests", "pageSizeBytes", "constantPages"] as const) {
      expect(rawStats[k]).toBe(human[k]);
    }
    // human sizes have 3 decimals of MiB: within ~1 KiB of the exact figure
    expect(Math.abs(human.dataProcessedBytes! - rawStats.dataProcessedBytes!)).toBeLessThan(1024);
  });
});
