/** A refused move's error: one line a person can read, the rest in the detail (#13.8). */
import { describe, expect, it } from "vitest";
import { PreflightError, brief } from "../../../src/preflight/errors.js";
import type { CheckResult, PreflightReport } from "../../../src/preflight/types.js";
import { toDiagnostic } from "../../../provider/diagnostics.js";

const report: PreflightReport = {
  vm: "web",
  from: "a",
  to: "b",
  checks: [],
  postcopy: "no",
  strategy: "fail",
  tls: false,
  summary: "",
  timing: { totalMs: 1, cached: { from: false, to: false } },
};
const failed = (id: string, host: string, found: string, more: Partial<CheckResult> = {}): CheckResult => ({
  id,
  host,
  title: `title of ${id}`,
  status: "fail",
  found,
  required: `what ${id} needs`,
  requiredFor: "postcopy",
  ...more,
});
const disks = failed(
  "fit.disks",
  "b",
  "non-shared disk(s) without ‹migration.copyStorage›: /srv/images/web-system-volume.qcow2, /srv/images/web-data-volume.qcow2",
  { requiredFor: "move", fix: "set ‹migration.copyStorage› = true" },
);

describe("brief: the finding in a few words", () => {
  it("keeps a short first clause whole and drops the rest", () => {
    expect(brief("Postcopy is not supported: Userfaultfd not available; QEMU 10.0.2")).toBe("Postcopy is not supported: Userfaultfd not available");
  });
  it("cuts a long clause at a word boundary and says so with …", () => {
    const b = brief("one two three four five six seven eight nine ten", 20);
    expect(b).toBe("one two three four…");
  });
  it("never cuts a field marker in half", () => {
    expect(brief("set the ‹migration.copyStorage› flag", 15)).toBe("set the…");
  });
});

describe("PreflightError", () => {
  it("one failed check: VM, pair, check, host and finding on one line; found, required and fix in the detail", () => {
    const e = new PreflightError(report, [disks]);
    expect(e.message).toBe(
      "VM web cannot move from host a to host b: fit.disks on host b: non-shared disk(s) without ‹migration.copyStorage›: /srv/images/web-system-volume.qcow2…",
    );
    const d = toDiagnostic(e);
    expect(d.summary).not.toContain("\n");
    // The provider spells the model's fields in HCL, in the summary and in every detail line.
    expect(d.summary).toContain("migration.copy_storage");
    expect(d.detail.split("\n")).toEqual([
      "host b, check fit.disks (title of fit.disks):",
      "  found: non-shared disk(s) without migration.copy_storage: /srv/images/web-system-volume.qcow2, /srv/images/web-data-volume.qcow2",
      "  required: what fit.disks needs",
      "Nothing was changed.",
      "Field: preflight.fit.disks",
      "Host: b",
      "Fix: set migration.copy_storage = true",
    ]);
  });

  it("several: the first with its own brief, the others counted and named (at most three); each fix beside its check", () => {
    const uffd = failed("kernel.userfaultfd", "b", "kernel 6.1 with userfaultfd; vm.unprivileged_userfaultfd=0", {
      brief: "QEMU, as libvirt runs it, cannot open userfaultfd",
      fix: "set vm.unprivileged_userfaultfd=1",
    });
    const more = ["qemu.postcopy-ram", "migration.postcopy-probe", "fit.memory", "fit.cpu"].map((id) => failed(id, "b", `${id} failed`));
    const e = new PreflightError(report, [uffd, ...more]);
    expect(e.message).toBe(
      "VM web cannot move from host a to host b: kernel.userfaultfd on host b: QEMU, as libvirt runs it, " +
        "cannot open userfaultfd (and 4 more: qemu.postcopy-ram on b, migration.postcopy-probe on b, fit.memory on b, …)",
    );
    expect(e.detail.explain).toContain("  fix: set vm.unprivileged_userfaultfd=1");
    expect(e.detail.explain).toContain("host b, check fit.cpu (title of fit.cpu):");
    expect(e.detail.fix).toMatch(/each failed check above/);
  });
});
