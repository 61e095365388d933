import { MODEL_SPELLING, spell } from "../../../src/model/index.js";
import { describe, expect, it } from "vitest";
import { LivevirtError } from "../../../src/errors.js";
import { PreflightError } from "../../../src/preflight/errors.js";
import { hostChecks } from "../../../src/preflight/host-checks.js";
import { known } from "../../../src/preflight/known.js";
import { decide } from "../../../src/preflight/verdict.js";
import { summarize } from "../../../src/preflight/format.js";
import type { CheckResult, OnUnsupported, PreflightReport, PreflightVm } from "../../../src/preflight/types.js";
import { probe, rootHost, unprivHost } from "./facts.js";

function vm(onUnsupported: OnUnsupported = "fail", mode: "postcopy" | "precopy" = "postcopy"): PreflightVm {
  return { name: "web-1", memoryMib: 512, domainType: "qemu", disks: [], migration: { mode, onUnsupported } };
}

const fit = (status: CheckResult["status"] = "pass", id = "fit.memory"): CheckResult => ({
  id,
  host: "b",
  title: id,
  status,
  found: status === "fail" ? "100 MiB free" : "ok",
  required: "≥ 512 MiB free",
  requiredFor: "move",
  ...(status === "fail" ? { fix: "free memory" } : {}),
});
const probeMove = (status: CheckResult["status"]): CheckResult => ({
  id: "migration.postcopy-probe",
  host: "b",
  title: "probe",
  status,
  found: status === "fail" ? "Postcopy is not supported" : "moved",
  required: "moves",
  requiredFor: "postcopy",
});

const good = () => [...hostChecks({ ...rootHost("a"), qemuProbe: probe("yes") }), ...hostChecks({ ...rootHost("b"), qemuProbe: probe("yes") })];
const bad = () => [...hostChecks({ ...rootHost("a"), qemuProbe: probe("yes") }), ...hostChecks({ ...unprivHost("b"), qemuProbe: probe("no") })];

describe("decide: post-copy verdict × on_unsupported", () => {
  it.each<[string, () => CheckResult[], OnUnsupported, string, string]>([
    ["both hosts can", good, "fail", "yes", "postcopy"],
    ["b cannot, policy fail", bad, "fail", "no", "fail"],
    ["b cannot, policy precopy", bad, "precopy", "no", "precopy"],
    ["b cannot, policy recreate", bad, "recreate", "no", "recreate"],
    ["probe move passes: overrides an inferred failure", () => [...bad(), probeMove("pass")], "fail", "yes", "postcopy"],
    ["probe move fails although inference said yes", () => [...good(), probeMove("fail")], "fail", "no", "fail"],
    [
      "unknown, policy fail: post-copy attempted (prepare failure is harmless)",
      () => [...good(), probeMove("unknown"), { ...good()[0]!, status: "unknown" as const }],
      "fail",
      "unknown",
      "postcopy",
    ],
    ["unknown, policy precopy", () => [{ ...good()[0]!, status: "unknown" as const }], "precopy", "unknown", "precopy"],
    ["destination does not fit: fails whatever the policy", () => [...good(), fit("fail")], "precopy", "yes", "fail"],
    ["destination does not fit, recreate", () => [...good(), fit("fail")], "recreate", "yes", "fail"],
    ["only the CPU differs, recreate: re-created", () => [...good(), fit("fail", "fit.cpu")], "recreate", "yes", "recreate"],
  ])("%s ⇒ post-copy %s… strategy", (_n, checks, policy, postcopy, strategy) => {
    const d = decide(checks(), vm(policy));
    expect(d.postcopy).toBe(postcopy);
    expect(d.strategy).toBe(strategy);
    expect(d.blocking.length > 0).toBe(strategy === "fail");
  });

  it("a passing probe marks contradicted inferred checks as overridden, keeps them visible", () => {
    const d = decide([...bad(), probeMove("pass")], vm());
    const over = d.checks.filter((c) => c.overriddenBy);
    expect(over.map((c) => `${c.host}:${c.id}`).sort()).toEqual(["b:kernel.userfaultfd", "b:qemu.postcopy-ram"]);
  });

  it("mode precopy: post-copy checks never block; only destination fit", () => {
    expect(decide(bad(), vm("fail", "precopy")).strategy).toBe("precopy");
    expect(decide([...bad(), fit("fail")], vm("fail", "precopy")).strategy).toBe("fail");
  });

  it("only the destination needs userfaultfd: a source that cannot receive post-copy is advisory", () => {
    const checks = [
      ...hostChecks({ ...unprivHost("b"), qemuProbe: probe("no") }, "source"),
      ...hostChecks({ ...rootHost("a"), qemuProbe: probe("yes") }, "destination"),
    ];
    const src = checks.filter((c) => c.host === "b" && c.status === "fail");
    // (libvirt 11.3.0's recovery check fails too: advisory, see the recovery test below.)
    expect(src.map((c) => c.id).sort()).toEqual(["kernel.userfaultfd", "libvirt.postcopy-recovery", "qemu.postcopy-ram"]);
    expect(src.every((c) => c.advisory)).toBe(true);
    const d = decide(checks, vm());
    expect([d.postcopy, d.strategy]).toEqual(["yes", "postcopy"]);
    const s = summarize(
      {
        vm: "web-1",
        from: "b",
        to: "a",
        checks: d.checks,
        postcopy: d.postcopy,
        strategy: d.strategy,
        tls: false,
        timing: { totalMs: 1, cached: { from: false, to: false } },
      },
      "fail",
      "postcopy",
      false,
    );
    expect(s).toContain("Host b itself could not receive a post-copy move");
  });

  it("advisory checks (post-copy recovery) never block", () => {
    const old = [
      ...hostChecks({ ...rootHost("a"), libvirtVersion: known("7.0.0", "t"), qemuProbe: probe("yes") }),
      ...hostChecks({ ...rootHost("b"), qemuProbe: probe("yes") }),
    ];
    const rec = old.find((c) => c.id === "libvirt.postcopy-recovery" && c.host === "a")!;
    expect(rec).toMatchObject({ status: "fail", advisory: true });
    expect(decide(old, vm()).strategy).toBe("postcopy");
  });

  it("libvirt too old for post-copy fails the libvirt.version check", () => {
    const c = hostChecks({ ...rootHost("a"), libvirtVersion: known("1.2.9", "t") }).find((x) => x.id === "libvirt.version")!;
    expect(c).toMatchObject({ status: "fail", found: "1.2.9", required: "≥ 1.3.3" });
  });
});

describe("PreflightError names VM, host, check, found, required and fix", () => {
  it("for the lab's no-post-copy host b", () => {
    const d = decide(bad(), vm());
    const report: PreflightReport = {
      tls: false,
      vm: "web-1",
      from: "a",
      to: "b",
      checks: d.checks,
      postcopy: d.postcopy,
      strategy: d.strategy,
      summary: "",
      timing: { totalMs: 1, cached: { from: false, to: false } },
    };
    const e = new PreflightError(report, d.blocking);
    expect(e).toBeInstanceOf(LivevirtError);
    expect(e.name).toBe("PreflightError");
    // One line a person can read: VM, pair, the first failed check (host, id, the finding in a few words), how many more.
    expect(e.message).toMatch(/^VM web-1 cannot move from host a to host b: qemu\.postcopy-ram on host b: .+ \(and 1 more: kernel\.userfaultfd on b\)$/);
    expect(e.message).not.toContain("\n");
    expect(e.message.length).toBeLessThan(220);
    // Everything else is in the detail, a line each.
    const explain = e.detail.explain!.join("\n");
    expect(explain).toContain("host b, check kernel.userfaultfd (userfaultfd usable by QEMU as libvirt runs it):");
    expect(explain).toContain("found: kernel 6.18.44-fc-v782 with userfaultfd; vm.unprivileged_userfaultfd=0");
    expect(explain).toContain("required: QEMU, as libvirt runs it, can open userfaultfd");
    expect(explain).toContain("fix: on host b: set vm.unprivileged_userfaultfd=1");
    expect(e.detail.explain!.at(-1)).toBe("Nothing was changed.");
    expect(e.detail).toMatchObject({ host: "b", field: "preflight.qemu.postcopy-ram", fix: expect.stringContaining("each failed check") });
    expect(e.report.strategy).toBe("fail");
  });
});

describe("summary paragraph", () => {
  it("says what happens and why, in plain words", () => {
    const d = decide(bad(), vm("precopy"));
    const s = summarize(
      {
        vm: "web-1",
        from: "a",
        to: "b",
        checks: d.checks,
        postcopy: d.postcopy,
        strategy: d.strategy,
        tls: false,
        timing: { totalMs: 1, cached: { from: false, to: false } },
      },
      "precopy",
      "postcopy",
      false,
    );
    expect(s).toMatch(/^VM web-1 moving from host a to host b live-migrates with pre-copy only\./);
    expect(s).toContain("post-copy is NOT possible");
    // The setting in the model's words (a marker the provider renders as migration.on_unsupported = "precopy").
    expect(spell(s, MODEL_SPELLING)).toContain('migration.onUnsupported = "precopy"');
    expect(s).toContain("kernel.userfaultfd on b");
  });
});

describe("libvirt.postcopy-recovery (advisory)", () => {
  const recovery = (version: string) =>
    hostChecks({ ...rootHost("b"), libvirtVersion: known(version, "test"), qemuProbe: probe("yes") }).find((c) => c.id === "libvirt.postcopy-recovery")!;
  it("passes from 8.5.0, fails below with an upgrade fix", () => {
    expect(recovery("9.0.0")).toMatchObject({ status: "pass", advisory: true, found: "9.0.0" });
    expect(recovery("8.0.0")).toMatchObject({ status: "fail", advisory: true, fix: expect.stringContaining("≥ 8.5.0") });
  });
  it("fails on a version measured to crash on the resume (11.3.0), saying what was measured, and never blocks a move", () => {
    const c = recovery("11.3.0");
    expect(c).toMatchObject({ status: "fail", advisory: true, brief: "libvirt 11.3.0 crashes on a post-copy resume" });
    expect(c.found).toMatch(/^11\.3\.0: its daemon crashes when it resumes an incoming post-copy move/);
    const checks = [...hostChecks({ ...rootHost("a"), qemuProbe: probe("yes") }, "source"), ...hostChecks({ ...rootHost("b"), qemuProbe: probe("yes") })];
    const d = decide(checks, vm());
    expect([d.postcopy, d.strategy]).toEqual(["yes", "postcopy"]);
    const s = summarize(
      {
        vm: "web-1",
        from: "a",
        to: "b",
        checks: d.checks,
        postcopy: d.postcopy,
        strategy: d.strategy,
        tls: false,
        timing: { totalMs: 1, cached: { from: false, to: false } },
      },
      "fail",
      "postcopy",
      false,
    );
    expect(s).toContain("Post-copy recovery is not available everywhere (libvirt.postcopy-recovery on a");
  });
});
