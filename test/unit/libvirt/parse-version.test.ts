import { describe, expect, it } from "vitest";
import { ParseError, ValidationError } from "../../../src/errors.js";
import { parseVersion } from "../../../src/libvirt/parse/version.js";
import { atLeast, compareVersions } from "../../../src/libvirt/version-compare.js";
import { sample, V11, V9 } from "./fixtures.js";

describe("parseVersion", () => {
  it("reads libvirt 9.0 / QEMU 7.2 without --daemon", () => {
    expect(parseVersion(sample(V9, "virsh-version.txt"))).toEqual({
      compiledAgainst: "9.0.0",
      library: "9.0.0",
      api: { driver: "QEMU", version: "9.0.0" },
      hypervisor: { name: "QEMU", version: "7.2.22" },
    });
  });

  it("reads the --daemon form (9.0)", () => {
    expect(parseVersion(sample(V9, "virsh-version-daemon.txt")).daemon).toBe("9.0.0");
  });

  it("reads the --daemon form (11.3 / QEMU 10.0)", () => {
    const v = parseVersion(sample(V11, "virsh-version-daemon.txt"));
    expect(v.daemon).toBe("11.3.0");
    expect(v.library).toBe("11.3.0");
    expect(v.hypervisor).toEqual({ name: "QEMU", version: "10.0.2" });
  });

  it("rejects other output with a ParseError", () => {
    expect(() => parseVersion("Using library: libvirt 9.0.0\n")).toThrow(ParseError);
  });
});

describe("version compare", () => {
  it("compares dotted versions numerically", () => {
    expect(atLeast("11.3.0", "8.5.0")).toBe(true);
    expect(atLeast("9.0.0", "8.5.0")).toBe(true);
    expect(atLeast("8.4.9", "8.5.0")).toBe(false);
    expect(atLeast("10.0.2", "8.1")).toBe(true);
    expect(atLeast("7.2.22", "10.1")).toBe(false);
    expect(compareVersions("8.5", "8.5.0")).toBe(0);
    expect(compareVersions("1.10.0", "1.9.9")).toBe(1);
  });

  it("refuses non-versions", () => {
    expect(() => atLeast("11.3.0-2~bpo12", "8.5.0")).toThrow(ValidationError);
  });
});
