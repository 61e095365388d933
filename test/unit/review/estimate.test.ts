import { describe, expect, it } from "vitest";
import { UNLIMITED_TEXT, estimateMove, humanSeconds, linkRates } from "../../../src/review/estimate.js";

describe("estimateMove: RAM ÷ bandwidth", () => {
  it("post-copy: about RAM ÷ bandwidth, in plain words", () => {
    const e = estimateMove({ memoryMib: 2048, bandwidthMib: 100, timeoutS: 600, strategy: "postcopy" });
    expect(e).toMatchObject({ kind: "bounded", seconds: 20.48, atLeast: false, formula: "2048 MiB of RAM ÷ 100 MiB/s of bandwidth = 20 s" });
    expect(e.kind === "bounded" && e.note).toMatch(/every page crosses the link once/);
  });

  it("pre-copy: a floor that may never be reached", () => {
    const e = estimateMove({ memoryMib: 2048, bandwidthMib: 100, timeoutS: 600, strategy: "precopy" });
    expect(e).toMatchObject({ kind: "bounded", atLeast: true });
    expect(e.kind === "bounded" && e.note).toMatch(/may never converge/);
  });

  it("flags an estimate beyond timeout_s", () => {
    expect(estimateMove({ memoryMib: 65536, bandwidthMib: 50, timeoutS: 600, strategy: "postcopy" })).toMatchObject({ overTimeout: 600 });
    expect(estimateMove({ memoryMib: 1024, bandwidthMib: 50, timeoutS: 600, strategy: "postcopy" })).not.toHaveProperty("overTimeout");
  });

  it("no bandwidth cap: bounded by the link", () => {
    expect(estimateMove({ memoryMib: 512, bandwidthMib: undefined, timeoutS: undefined, strategy: "postcopy" })).toMatchObject({
      kind: "unlimited",
      text: UNLIMITED_TEXT,
    });
  });

  it("recreate and fail copy nothing live", () => {
    expect(estimateMove({ memoryMib: 512, bandwidthMib: 10, timeoutS: 600, strategy: "recreate" })).toMatchObject({
      kind: "none",
      text: expect.stringMatching(/booted again/),
    });
    expect(estimateMove({ memoryMib: 512, bandwidthMib: 10, timeoutS: 600, strategy: "fail" })).toMatchObject({
      kind: "none",
      text: expect.stringMatching(/plan fails/),
    });
  });
});

describe("humanSeconds", () => {
  it.each([
    [0.25, "0.3 s"],
    [4, "4 s"],
    [20.48, "20 s"],
    [128, "2 min 8 s"],
    [120, "2 min"],
    [3900, "1 h 5 min"],
  ])("%s s → %s", (s, text) => {
    expect(humanSeconds(s)).toBe(text);
  });
});

describe("linkRates: what earlier moves between two hosts achieved", () => {
  const mib = 1048576;
  it("is the median of data ÷ duration per host pair, in either direction", () => {
    const r = linkRates([
      { from: "a", to: "b", bytes: 100 * mib, totalMs: 2000 }, // 50
      { from: "b", to: "a", bytes: 300 * mib, totalMs: 3000 }, // 100
      { from: "a", to: "b", bytes: 90 * mib, totalMs: 1000 }, // 90
      { from: "a", to: "c", bytes: 10 * mib, totalMs: 1000 }, // 10
    ]);
    expect(r.get("a ↔ b")).toEqual({ mibPerS: 90, moves: 3 });
    expect(r.get("a ↔ c")).toEqual({ mibPerS: 10, moves: 1 });
  });

  it("leaves out moves without data or time, and moves to the same host", () => {
    expect(
      linkRates([
        { from: "a", to: "b", bytes: 0, totalMs: 1000 },
        { from: "a", to: "b", bytes: mib, totalMs: 0 },
        { from: "a", to: "a", bytes: mib, totalMs: 10 },
      ]).size,
    ).toBe(0);
  });

  it("an even count takes the mean of the middle two", () => {
    expect(
      linkRates([
        { from: "a", to: "b", bytes: 40 * mib, totalMs: 1000 },
        { from: "a", to: "b", bytes: 60 * mib, totalMs: 1000 },
      ]).get("a ↔ b")!.mibPerS,
    ).toBe(50);
  });
});

describe("estimateMove with a measured link", () => {
  const link = { mibPerS: 40, moves: 3 };
  it("no cap: RAM ÷ the measured rate, and says where the rate comes from", () => {
    const e = estimateMove({ memoryMib: 400, bandwidthMib: undefined, link, timeoutS: 5, strategy: "precopy" });
    expect(e).toMatchObject({ kind: "bounded", seconds: 10, atLeast: true, bandwidthMib: 40, measured: link, overTimeout: 5 });
    expect(e.kind === "bounded" && e.formula).toBe(
      "400 MiB of RAM ÷ 40 MiB/s (measured: the median of 3 earlier moves between these hosts, no bandwidth_mib set) = 10 s",
    );
  });
  it("a cap above what the link achieved: the link decides", () => {
    expect(estimateMove({ memoryMib: 400, bandwidthMib: 100, link, timeoutS: undefined, strategy: "postcopy" })).toMatchObject({
      seconds: 10,
      bandwidthMib: 40,
      measured: link,
    });
  });
  it("a cap below it: the cap decides", () => {
    const e = estimateMove({ memoryMib: 400, bandwidthMib: 20, link, timeoutS: undefined, strategy: "postcopy" });
    expect(e).toMatchObject({ seconds: 20, bandwidthMib: 20 });
    expect(e.kind === "bounded" && e.measured).toBeUndefined();
  });
  it("no cap and no record: bounded by the link, and says why there is no number", () => {
    expect(estimateMove({ memoryMib: 400, bandwidthMib: undefined, timeoutS: undefined, strategy: "postcopy" })).toMatchObject({
      kind: "unlimited",
      text: UNLIMITED_TEXT,
    });
    expect(UNLIMITED_TEXT).toMatch(/no earlier move between these hosts/);
  });
});
