/** Placement before/after per host (review/placement.ts) from plan changes. */
import { describe, expect, it } from "vitest";
import { hostsLine, hostTotals, placementOf, placementRows, placementSvg, showsPlacement, sourceLine } from "../../../src/review/placement.js";
import type { VmChange } from "../../../src/review/plan-json.js";

const ch = (name: string, action: VmChange["action"], before: [string, number] | null, after: [string, number] | null): VmChange => ({
  address: `livevirt_vm.${name}`,
  action,
  before: before && { name, host: before[0], memory_mib: before[1] },
  after: after && { name, host: after[0], memory_mib: after[1] },
  afterUnknown: {},
  replacePaths: [],
});

// A drain of host a: two VMs move to b, one to c; c is new in the plan; one VM is destroyed.
const plan = [
  ch("web-1", "update", ["a", 256], ["b", 256]),
  ch("web-2", "update", ["a", 512], ["c", 512]),
  ch("db", "no-op", ["b", 1024], ["b", 1024]),
  ch("old", "delete", ["a", 128], null),
  ch("new", "create", null, ["c", 256]),
];

describe("placement", () => {
  const placed = placementOf(plan);
  const totals = hostTotals(placed, [
    { name: "a", state: "draining" },
    { name: "b", capacityMemoryMib: 1200 },
  ]);

  it("each VM's host and memory before and after, and what changes", () => {
    expect(placed.map((p) => [p.vm, p.before?.host ?? "-", p.after?.host ?? "-", p.change])).toEqual([
      ["db", "b", "b", "unchanged"],
      ["new", "-", "c", "created"],
      ["old", "a", "-", "destroyed"],
      ["web-1", "a", "b", "moves"],
      ["web-2", "a", "c", "moves"],
    ]);
    expect(showsPlacement({ placement: placed })).toBe(true);
    expect(showsPlacement({ placement: placed.filter((p) => p.change === "unchanged") })).toBe(false);
  });

  it("per-host totals: declared hosts first, then others the plan names; capacity exceeded is said", () => {
    expect(placementRows(totals)).toEqual([
      ["a", "draining", "3 → 0", "896 → 0", "not declared", "2 (768) / 0 (0)"],
      ["b", "active", "1 → 2", "1024 → 1280", "1200 (exceeded)", "0 (0) / 1 (256)"],
      ["c", "active", "0 → 2", "0 → 768", "not declared", "0 (0) / 1 (512)"],
    ]);
  });

  it("the SVG: a column per host, before and after, the draining host marked, moves named with their other host, names escaped", () => {
    const svg = placementSvg([...placed, { vm: "<x>", before: { host: "b", memoryMib: 1 }, after: { host: "b", memoryMib: 1 }, change: "unchanged" }], totals);
    expect(svg.match(/<rect class="host"/g)).toHaveLength(6);
    expect(svg).toContain(">a (draining)<");
    expect(svg).toContain("web-1 · 256 MiB → b");
    expect(svg).toContain("web-1 · 256 MiB ← a");
    expect(svg).toContain("old · 128 MiB (destroyed)");
    expect(svg).toContain("&lt;x&gt;");
    expect(svg).not.toContain("<x>");
  });

  it("the header lines: hosts the plan changes with memory before → after and moves; where the plan came from", () => {
    expect(hostsLine(totals)).toBe("a (draining) 896 → 0 MiB (2 out) · b 1024 → 1280 MiB (1 in) · c 0 → 768 MiB (1 in)");
    expect(sourceLine({ planSha256: "0123456789abcdef0123", stack: "livevirt-example", commit: "3b7fa04" })).toBe(
      "stack livevirt-example · commit 3b7fa04 · plan sha256 0123456789ab",
    );
    expect(sourceLine({ planSha256: "ffffffffffffffff" })).toBe("plan sha256 ffffffffffff");
  });
});
