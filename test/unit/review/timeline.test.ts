/** The move timeline SVG (review/timeline.ts) from progress records. */
import { describe, expect, it } from "vitest";
import { timelineSvg } from "../../../src/review/timeline.js";
import type { ProgressRecord } from "../../../src/migration/progress-log.js";

const MiB = 1048576;
const recs: ProgressRecord[] = [
  { kind: "start", t: 0, vm: "web<1>", from: "a", to: "b", strategy: "postcopy", tls: false, ramBytes: 256 * MiB },
  { kind: "sample", t: 1, elapsedMs: 500, phase: "precopy", iteration: 1, remainingBytes: 250 * MiB },
  { kind: "sample", t: 2, elapsedMs: 2000, phase: "precopy", iteration: 2, remainingBytes: 120 * MiB },
  { kind: "switch", t: 3, elapsedMs: 2500, iteration: 2, reason: "dirty rate" },
  { kind: "sample", t: 4, elapsedMs: 3500, phase: "postcopy", iteration: 2, remainingBytes: 20 * MiB },
  { kind: "end", t: 5, elapsedMs: 4000, result: "postcopy" },
];

describe("timelineSvg", () => {
  it("draws remaining memory, the passes, the switch and the arrival; escapes names", () => {
    const svg = timelineSvg(recs);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("web&lt;1&gt;: a → b, 256 MiB RAM, in clear");
    expect(svg.match(/<polyline[^>]*points="([^"]+)"/)![1]!.split(" ")).toHaveLength(3);
    expect(svg.match(/>pass \d</g)).toEqual([">pass 1<", ">pass 2<"]);
    expect(svg).toContain("switch to post-copy");
    expect(svg).toContain("arrived (post-copy) at 4.0 s");
    expect(svg).not.toContain("<script");
  });
  it("no samples: says so instead of drawing an empty line", () => {
    expect(timelineSvg(recs.slice(0, 1))).toContain("no job samples recorded");
  });
});
