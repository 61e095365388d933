import { describe, expect, it } from "vitest";
import { estimateMove, humanSeconds } from "../../../src/review/estimate.js";

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
    expect(estimateMove({ memoryMib: 512, bandwidthMib: undefined, timeoutS: undefined, strategy: "postcopy" })).toMatchObject({ kind: "unlimited", text: "unlimited bandwidth: bounded by the link" });
  });

  it("recreate and fail copy nothing live", () => {
    expect(estimateMove({ memoryMib: 512, bandwidthMib: 10, timeoutS: 600, strategy: "recreate" })).toMatchObject({ kind: "none", text: expect.stringMatching(/booted again/) });
    expect(estimateMove({ memoryMib: 512, bandwidthMib: 10, timeoutS: 600, strategy: "fail" })).toMatchObject({ kind: "none", text: expect.stringMatching(/plan fails/) });
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
