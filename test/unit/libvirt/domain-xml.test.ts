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

describe("disks from storage pools", () => {
  const pooled: DomainSpec = { ...base, disks: [{ path: null, pool: "vms", volume: "web-1.qcow2", format: "qcow2", target: "vda" }] };

  it("a pool volume is <disk type='volume'> with <source pool volume>, and reads back as such", () => {
    const xml = buildDomainXml(pooled);
    expect(xml).toContain(`<disk type="volume" device="disk">`);
    expect(xml).toMatch(/<source pool="vms" volume="web-1.qcow2"\s*\/>/);
    expect(xml).not.toContain("file=");
    const d = parseDomainXml(xml).disks;
    expect(d).toEqual([{ type: "volume", device: "disk", format: "qcow2", path: undefined, pool: "vms", volume: "web-1.qcow2", target: "vda", bus: "virtio" }]);
  });

  it("a path disk stays a file disk beside it", () => {
    const xml = buildDomainXml({ ...pooled, disks: [...pooled.disks!, { path: "/x.img", pool: null, volume: null, format: "raw", target: "vdb" }] });
    expect(parseDomainXml(xml).disks.map((d) => [d.type, d.path ?? `${d.pool}/${d.volume}`])).toEqual([
      ["volume", "vms/web-1.qcow2"],
      ["file", "/x.img"],
    ]);
  });

  it("the model's disk rules apply: both forms, half a volume, a bad pool name", () => {
    expect(invalid({ ...base, disks: [{ path: "/x", pool: "vms", volume: "x", format: "raw", target: "vda" }] }).detail.field).toBe("disks.0.pool");
    expect(invalid({ ...base, disks: [{ path: null, pool: "vms", volume: null, format: "raw", target: "vda" }] }).detail.field).toBe("disks.0.volume");
    expect(invalid({ ...base, disks: [{ path: null, pool: "a pool", volume: "x", format: "raw", target: "vda" }] }).detail.field).toBe("disks.0.pool");
  });

  it("reads the running domain's volume disk as libvirt 11.3 writes it (index, backingStore, alias)", () => {
    // Captured on the lab: dumpxml of a running TCG guest with a qcow2 volume of a dir pool.
    const running =
      `<domain type='qemu' id='3'><name>pool-exp-vm</name><uuid>${UUID}</uuid><memory unit='KiB'>131072</memory><vcpu ` +
      `placement='static'>1</vcpu><os><type arch='x86_64' machine='pc-i440fx-10.0'>hvm</type></os><devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='pool-exp' volume='d.qcow2' index='1'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
      <alias name='virtio-disk0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </disk></devices></domain>`;
    expect(parseDomainXml(running).disks).toEqual([
      { type: "volume", device: "disk", format: "qcow2", path: undefined, pool: "pool-exp", volume: "d.qcow2", target: "vda", bus: "virtio" },
    ]);
  });
});
