import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors.js";
import { buildDomainXml, renderDomainXml, type DomainSpec } from "../../../src/libvirt/domain-xml.js";
import { parseDomainXml } from "../../../src/libvirt/parse/dumpxml.js";
import { HOSTILE, HOSTILE_CMDLINE } from "./fixtures.js";

const UUID = "9d2e73aa-e829-4260-868c-80852db936d7";

const base: DomainSpec = {
  name: "web-1",
  uuid: UUID,
  memoryMib: 512,
  vcpus: 2,
  type: "qemu",
  machine: "pc-i440fx-10.0",
  kernel: "/var/lib/livevirt/guest/vmlinuz",
  initrd: "/var/lib/livevirt/guest/initrd.img",
  cmdline: "console=ttyS0 panic=-1",
  disks: [{ path: "/var/lib/livevirt/disks/web-1.qcow2", format: "qcow2", target: "vda" }],
  consoleLog: "/var/log/livevirt/web-1.log",
};

function invalid(spec: DomainSpec): ValidationError {
  try {
    buildDomainXml(spec);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

describe("buildDomainXml", () => {
  it("builds a TCG guest: no <cpu>, no network, serial+console to the log, on_crash destroy", () => {
    const xml = buildDomainXml(base);
    const d = parseDomainXml(xml);
    expect(d).toMatchObject({
      type: "qemu",
      name: "web-1",
      uuid: UUID,
      memoryBytes: 512 * 1024 ** 2,
      vcpus: 2,
      os: { type: "hvm", arch: "x86_64", machine: "pc-i440fx-10.0", kernel: base.kernel, initrd: base.initrd, cmdline: base.cmdline },
      onCrash: "destroy",
      onPoweroff: "destroy",
      onReboot: "restart",
      interfaces: [],
      disks: [{ type: "file", device: "disk", format: "qcow2", path: base.disks![0]!.path, target: "vda", bus: "virtio" }],
      serials: [{ type: "file", path: base.consoleLog, append: true, port: 0 }],
      consoles: [{ type: "file", path: base.consoleLog, append: true, targetType: "serial", port: 0 }],
    });
    expect(d.cpu).toBeUndefined();
    expect(xml).not.toMatch(/<interface/);
    expect(xml).toMatch(/<memballoon model="none"\/>/);
  });

  it("uses host-model for kvm and honours an explicit cpu mode", () => {
    expect(parseDomainXml(buildDomainXml({ ...base, type: "kvm" })).cpu).toEqual({ mode: "host-model", model: undefined });
    expect(parseDomainXml(buildDomainXml({ ...base, type: "kvm", cpuMode: "none" })).cpu).toBeUndefined();
  });

  it("minimal spec: no kernel, disks or console", () => {
    const d = parseDomainXml(buildDomainXml({ name: "n", uuid: UUID, memoryMib: 16, vcpus: 1, type: "qemu" }));
    expect(d.os.kernel).toBeUndefined();
    expect(d.disks).toEqual([]);
    expect(d.serials).toEqual([]);
  });
});

describe("escaping (XMLBuilder does it, round trip is exact)", () => {
  it("a hostile name survives build → parse byte for byte", () => {
    const xml = renderDomainXml({ ...base, name: HOSTILE });
    expect(xml).toContain("<name>a&lt;b&amp;c&quot;d&apos;e]]&gt;f</name>");
    expect(parseDomainXml(xml).name).toBe(HOSTILE);
  });

  it("a hostile cmdline and paths cannot add elements", () => {
    const spec: DomainSpec = {
      ...base,
      cmdline: HOSTILE_CMDLINE,
      kernel: `/k/${HOSTILE}`,
      consoleLog: `/log/${HOSTILE}"/><serial type='pty'`,
      disks: [{ path: `/d/${HOSTILE}`, format: "raw", target: "vdb" }],
    };
    const d = parseDomainXml(buildDomainXml(spec));
    expect(d.os.cmdline).toBe(HOSTILE_CMDLINE);
    expect(d.os.kernel).toBe(`/k/${HOSTILE}`);
    expect(d.disks.map((x) => x.path)).toEqual([`/d/${HOSTILE}`]);
    expect(d.serials).toHaveLength(1);
    expect(d.serials[0]!.path).toBe(spec.consoleLog);
    expect(d.interfaces).toEqual([]);
  });
});

describe("validation names field, value and fix", () => {
  it.each<[string, Partial<DomainSpec>, string]>([
    ["hostile name", { name: HOSTILE }, "name"],
    ["empty name", { name: "" }, "name"],
    ["65-char name", { name: "a".repeat(65) }, "name"],
    ["name with space", { name: "my vm" }, "name"],
    ["memory too small", { memoryMib: 15 }, "memoryMib"],
    ["memory too large", { memoryMib: 1_048_577 }, "memoryMib"],
    ["fractional memory", { memoryMib: 512.5 }, "memoryMib"],
    ["no vcpus", { vcpus: 0 }, "vcpus"],
    ["too many vcpus", { vcpus: 257 }, "vcpus"],
    ["bad uuid", { uuid: "not-a-uuid" }, "uuid"],
    ["relative kernel", { kernel: "vmlinuz" }, "kernel"],
    ["cmdline with newline", { cmdline: "a\nb" }, "cmdline"],
    ["bad machine", { machine: "pc i440fx" }, "machine"],
    ["relative console log", { consoleLog: "log.txt" }, "consoleLog"],
  ])("%s", (_what, patch, field) => {
    const e = invalid({ ...base, ...patch });
    expect(e.detail.field).toBe(field);
    expect(e.detail.fix).toBeTruthy();
    expect(e.detail.value).toBeDefined();
  });

  it("disk checks", () => {
    expect(invalid({ ...base, disks: [{ path: "x.qcow2", format: "qcow2", target: "vda" }] }).detail.field).toBe("disks.0.path");
    expect(invalid({ ...base, disks: [{ path: "/x", format: "vmdk" as "raw", target: "vda" }] }).detail.field).toBe("disks.0.format");
    expect(invalid({ ...base, disks: [{ path: "/x", format: "raw", target: "xda" }] }).detail.field).toBe("disks.0.target");
    const dup = invalid({
      ...base,
      disks: [
        { path: "/x", format: "raw", target: "vda" },
        { path: "/y", format: "raw", target: "vda" },
      ],
    });
    expect(dup.detail.field).toBe("disks.1.target");
  });

  it("accepts the range bounds", () => {
    expect(() => buildDomainXml({ ...base, name: "A".repeat(64), memoryMib: 1_048_576, vcpus: 256 })).not.toThrow();
    expect(() => buildDomainXml({ ...base, name: "a_b.c-1", memoryMib: 16, vcpus: 1 })).not.toThrow();
  });
});
