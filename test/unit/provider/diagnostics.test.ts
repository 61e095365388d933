import { describe, expect, it } from "vitest";
import { LibvirtError, ValidationError } from "../../../src/errors.js";
import { parseField, toDiagnostic } from "../../../provider/diagnostics.js";

describe("LivevirtError → Terraform diagnostic", () => {
  it("names field, value, host and fix, and points at the attribute", () => {
    const d = toDiagnostic(
      new ValidationError("memory_mib must be a whole number ≥ 16", { field: "memory_mib", value: "8", host: "a", fix: "set memory_mib to at least 16" }),
    );
    expect(d).toEqual({
      severity: "ERROR",
      summary: "memory_mib must be a whole number ≥ 16",
      detail: 'Field: memory_mib\nValue: "8"\nHost: a\nFix: set memory_mib to at least 16',
      attribute: { steps: [{ attribute_name: "memory_mib" }] },
    });
  });

  it.each([
    ["disk.0.path", ["disk", 0, "path"]],
    ["disk[1].format", ["disk", 1, "format"]],
    ["migration.mode", ["migration", "mode"]],
  ])("parses field %s", (field, path) => {
    expect(parseField(field)).toEqual(path);
  });

  it("uses element_key_int steps for list indexes", () => {
    expect(toDiagnostic(new ValidationError("x", { field: "host.1.uri" })).attribute).toEqual({
      steps: [{ attribute_name: "host" }, { element_key_int: 1 }, { attribute_name: "uri" }],
    });
  });

  it("omits the attribute path without a field, and can be a warning", () => {
    const d = toDiagnostic(new ValidationError("careful", { fix: "do x" }), "WARNING");
    expect(d.severity).toBe("WARNING");
    expect(d.attribute).toBeUndefined();
    expect(d.detail).toBe("Fix: do x");
  });

  it("includes libvirt's own message and redacts URI passwords everywhere", () => {
    const e = new LibvirtError(
      "cannot connect to qemu+ssh://root:s3cret@kvm-a/system",
      ["virsh", "-c", "qemu+ssh://root:s3cret@kvm-a/system", "list"],
      "error: failed to connect to the hypervisor qemu+ssh://root:s3cret@kvm-a/system",
      { host: "a", fix: "check ssh" },
    );
    const d = toDiagnostic(e);
    expect(JSON.stringify(d)).not.toContain("s3cret");
    expect(d.summary).toBe("cannot connect to qemu+ssh://root:***@kvm-a/system");
    expect(d.detail).toContain("libvirt said: error: failed to connect");
  });

  it("reports other errors as provider bugs", () => {
    const d = toDiagnostic(new TypeError("x is undefined"));
    expect(d.summary).toBe("livevirt provider internal error");
    expect(d.detail).toMatch(/x is undefined[\s\S]*bug/);
  });
});
