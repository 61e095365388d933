import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import type { CheckResult, PreflightReport, Strategy } from "../../../src/preflight/types.js";
import { parseVerdict } from "../../../src/review/verdict.js";
import { hcl } from "../../../provider/livevirt/spelling.js";
import { probe, unprivHost } from "../preflight/facts.js";
import { change, fallbackToPrecopy, noPostcopyB, realPlan, report, verdictText } from "./fixtures/plans.js";

/** What the verdict text carries of a check (found is left out on purpose: it is not stable). */
function expected(c: CheckResult) {
  const shown = c.status !== "pass" && !c.overriddenBy;
  return {
    status: c.status,
    advisory: c.advisory === true && !c.overriddenBy,
    ...(c.overriddenBy ? { overriddenBy: c.overriddenBy } : {}),
    host: c.host,
    id: c.id,
    title: c.title,
    // As the provider renders them into the plan (settings named in HCL).
    ...(shown ? { required: hcl(c.required) } : {}),
    ...(shown && c.fix ? { fix: hcl(c.fix) } : {}),
  };
}

const scenarios: [string, () => PreflightReport][] = [
  ["both hosts can post-copy (probe passed)", () => report({ probe: "pass" })],
  ["b cannot, fallback pre-copy: FAIL rows with fixes", fallbackToPrecopy],
  ["b cannot, policy fail", () => report({ dest: noPostcopyB(), probe: "fail" })],
  ["b cannot, policy recreate", () => report({ dest: noPostcopyB(), probe: "fail", onUnsupported: "recreate" })],
  ["probe passes: inferred failures overridden", () => report({ dest: { ...unprivHost("b"), qemuProbe: probe("no") }, probe: "pass" })],
  [
    "probe could not run: unknown rows",
    () => report({ dest: { ...unprivHost("b"), qemuProbe: probe("unknown") }, probe: "unknown", onUnsupported: "precopy" }),
  ],
  ["pre-copy mode", () => report({ mode: "precopy" })],
];

describe("parseVerdict ∘ formatVerdict (the producer): round trip", () => {
  it.each(scenarios)("%s", (_name, make) => {
    const r = make();
    const p = parseVerdict(verdictText(r));
    expect({ from: p.from, to: p.to, strategy: p.strategy, postcopy: p.postcopy }).toEqual({
      from: r.from,
      to: r.to,
      strategy: r.strategy,
      postcopy: r.postcopy,
    });
    expect(p.checks.map(({ line: _l, ...c }) => c)).toEqual(r.checks.map(expected));
    expect(p.unparsed).toEqual([]);
  });

  it("the scenarios cover every strategy, status and tag", () => {
    const all = scenarios.map(([, make]) => make());
    const checks = all.flatMap((r) => r.checks);
    expect(new Set(all.map((r) => r.strategy))).toEqual(new Set<Strategy>(["postcopy", "precopy", "recreate", "fail"]));
    expect(new Set(checks.map((c) => c.status))).toEqual(new Set(["pass", "fail", "unknown"]));
    expect(checks.some((c) => c.advisory)).toBe(true);
    expect(checks.some((c) => c.overriddenBy)).toBe(true);
  });

  it("keeps a fix that itself contains '; ' whole (the userfaultfd fix does)", () => {
    const c = parseVerdict(verdictText(fallbackToPrecopy())).checks.find((x) => x.id === "kernel.userfaultfd" && x.host === "b")!;
    expect(c.status).toBe("fail");
    expect(c.fix).toContain('MODE="0660"; needs QEMU ≥ 8.1), or run QEMU as root');
    expect(c.fix).toMatch(/or set migration.on_unsupported = "precopy"$/);
    expect(c.required).toMatch(/^QEMU, as libvirt runs it, can open userfaultfd/);
  });

  it("keeps each check's line exactly as the plan shows it", () => {
    const text = verdictText(fallbackToPrecopy());
    expect(parseVerdict(text).checks.map((c) => c.line)).toEqual(text.split("\n").slice(1));
  });
});

describe("parseVerdict on the real captured plan", () => {
  it("reads rv-web's verdict: a → b, post-copy, 16 checks on both hosts, all pass", () => {
    const p = parseVerdict(String(change(realPlan(), "livevirt_vm.rv_web").after!.preflight));
    expect(p).toMatchObject({ from: "a", to: "b", strategy: "postcopy", postcopy: "yes", strategyText: "live-migrates with post-copy", unparsed: [] });
    expect(p.checks).toHaveLength(16);
    expect(new Set(p.checks.map((c) => c.host))).toEqual(new Set(["a", "b"]));
    expect(p.checks.every((c) => c.status === "pass")).toBe(true);
    expect(p.checks.filter((c) => c.advisory).map((c) => `${c.host} ${c.id}`)).toEqual([
      "a libvirt.postcopy-recovery",
      "a qemu.postcopy-ram",
      "a kernel.userfaultfd",
      "b libvirt.postcopy-recovery",
    ]);
    expect(p.checks.at(-1)).toMatchObject({ id: "migration.postcopy-probe", host: "b", title: "throw-away post-copy move a → b" });
  });
});

describe("parseVerdict on other input", () => {
  it("keeps lines it does not understand instead of dropping them", () => {
    const p = parseVerdict("a → b: live-migrates with post-copy (post-copy: yes)\n  [pass] a libvirt.version — ok\n  note: something new\n");
    expect(p.checks).toHaveLength(1);
    expect(p.unparsed).toEqual(["  note: something new"]);
  });

  it.each([["not a verdict"], ["a → b: teleports (post-copy: yes)"], [""]])("rejects a first line it cannot read: %j", (text) => {
    expect(() => parseVerdict(text)).toThrow(ParseError);
  });
});
