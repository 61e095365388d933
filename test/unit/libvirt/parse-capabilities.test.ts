import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { hostMemoryBytes, hostSupportsKvm, parseCapabilities } from "../../../src/libvirt/parse/capabilities.js";
import { cpuModeSupported, parseDomainCapabilities } from "../../../src/libvirt/parse/domcapabilities.js";
import { sample, V11, V9 } from "./fixtures.js";

describe("parseCapabilities", () => {
  it("reads host a (libvirt 9.0)", () => {
    const c = parseCapabilities(sample(V9, "virsh-capabilities-a.xml"));
    expect(c.uuid).toBe("00000000-0000-4000-8000-000000000001");
    expect(c.arch).toBe("x86_64");
    expect(c.cpu.model).toBe("kvm64");
    expect(c.cpu.vendor).toBe("AMD");
    expect(c.cpu.features).toContain("sse4.2");
    expect(c.cpu.features).toHaveLength(52);
    expect(c.cpu.topology).toEqual({ sockets: 1, dies: 1, clusters: undefined, cores: 2, threads: 1 });
    expect(c.cpu.pageSizes).toEqual([4096, 2 * 1024 ** 2, 1024 ** 3]);
    expect(c.migration).toEqual({ live: true, uriTransports: ["tcp", "rdma"] });
    expect(c.numaCells).toEqual([{ id: 0, memoryBytes: 5859104 * 1024, cpus: 2 }]);
    expect(hostMemoryBytes(c)).toBe(5859104 * 1024);
    expect(c.secModels).toEqual(["none", "dac"]);
    const x86 = c.guests.find((g) => g.arch === "x86_64")!;
    expect(x86.osType).toBe("hvm");
    expect(x86.emulator).toBe("/usr/bin/qemu-system-x86_64");
    expect(x86.domainTypes).toEqual(["qemu", "kvm"]);
    expect(x86.machines.find((m) => m.name === "pc")).toEqual({ name: "pc", canonical: "pc-i440fx-7.2", maxCpus: 255, deprecated: false });
    expect(x86.machines.find((m) => m.name === "pc-i440fx-1.5")?.deprecated).toBe(true);
    expect(hostSupportsKvm(c)).toBe(true);
  });

  it("tells the two lab hosts apart by UUID", () => {
    const b = parseCapabilities(sample(V9, "virsh-capabilities-b.xml"));
    expect(b.uuid).toBe("00000000-0000-4000-8000-000000000002");
    expect(b.cpu.model).toBe("kvm64");
  });

  it("reads libvirt 11.3 / QEMU 10.0 capabilities", () => {
    const c = parseCapabilities(sample(V11, "virsh-capabilities-a.xml"));
    expect(c.uuid).toBe("00000000-0000-4000-8000-000000000001");
    expect(c.migration.uriTransports).toContain("tcp");
    expect(c.cpu.model).toBe("kvm64-v1");
    expect(c.cpu.topology).toEqual({ sockets: 1, dies: 1, clusters: 1, cores: 2, threads: 1 });
    const x86 = c.guests.find((g) => g.arch === "x86_64")!;
    expect(x86.machines.find((m) => m.name === "pc")?.canonical).toBe("pc-i440fx-10.0");
    expect(hostSupportsKvm(c)).toBe(true);
    expect(c.numaCells[0]!.memoryBytes).toBeGreaterThan(0);
  });

  it("reports a host without kvm", () => {
    const xml =
      "<capabilities><host><uuid>u</uuid><cpu><arch>x86_64</arch></cpu></host><guest><os_type>hvm</os_type><arch name='x86_64'><domain type='qemu'/></arch>" +
      "</guest></capabilities>";
    const c = parseCapabilities(xml);
    expect(hostSupportsKvm(c)).toBe(false);
    expect(c.guests[0]!.domainTypes).toEqual(["qemu"]);
  });

  it("rejects non-capabilities XML", () => {
    expect(() => parseCapabilities("<domain/>")).toThrow(ParseError);
    expect(() => parseCapabilities("error: failed to connect")).toThrow(ParseError);
  });
});

describe("parseDomainCapabilities", () => {
  it("reads --virttype kvm (9.0): host-passthrough and host-model usable", () => {
    const d = parseDomainCapabilities(sample(V9, "virsh-domcapabilities-kvm.xml"));
    expect(d.domainType).toBe("kvm");
    expect(d.machine).toBe("pc-i440fx-7.2");
    expect(d.arch).toBe("x86_64");
    expect(d.emulator).toBe("/usr/bin/qemu-system-x86_64");
    expect(d.vcpuMax).toBe(255);
    expect(cpuModeSupported(d, "host-passthrough")).toBe(true);
    expect(d.hostModel).toEqual({ model: "EPYC-IBPB", vendor: "AMD" });
    expect(d.usableCpuModels).toContain("486");
    expect(d.diskBuses).toContain("virtio");
  });

  it("reads --virttype qemu (TCG, 9.0 and 11.3): no host-passthrough", () => {
    for (const [v, machine] of [
      [V9, "pc-i440fx-7.2"],
      [V11, "pc-i440fx-10.0"],
    ] as const) {
      const d = parseDomainCapabilities(sample(v, "virsh-domcapabilities-qemu.xml"));
      expect(d.domainType).toBe("qemu");
      expect(d.machine).toBe(machine);
      expect(cpuModeSupported(d, "host-passthrough")).toBe(false);
      expect(cpuModeSupported(d, "host-model")).toBe(true);
    }
  });
});
