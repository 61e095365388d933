import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parseDomainXml } from "../../../src/libvirt/parse/dumpxml.js";
import { sample, V11, V9 } from "./fixtures.js";

describe("parseDomainXml", () => {
  it("reads the running lab guest (9.0)", () => {
    const d = parseDomainXml(sample(V9, "virsh-dumpxml-running.xml"));
    expect(d).toMatchObject({
      type: "qemu",
      id: 14,
      name: "probe",
      uuid: "725299ac-ec9f-4bc1-9cd5-8d261195807c",
      memoryBytes: 262144 * 1024,
      currentMemoryBytes: 262144 * 1024,
      vcpus: 1,
      os: {
        type: "hvm",
        arch: "x86_64",
        machine: "pc-i440fx-7.2",
        kernel: "/var/lib/twohost/guest/vmlinuz",
        initrd: "/var/lib/twohost/guest/initrd.img",
        cmdline: "console=ttyS0 panic=-1 quiet dirty_mb=0 dirty_rate=0",
      },
      cpu: { mode: "custom", model: "qemu64" },
      onCrash: "destroy",
      disks: [],
      interfaces: [],
    });
    expect(d.serials).toEqual([{ type: "file", path: "/var/log/libvirt/console-probe.log", append: true, targetType: "isa-serial", port: 0 }]);
    expect(d.consoles).toEqual([{ type: "file", path: "/var/log/libvirt/console-probe.log", append: true, targetType: "serial", port: 0 }]);
  });

  it("reads the 11.3 / QEMU 10.0 guest (new machine type)", () => {
    const d = parseDomainXml(sample(V11, "virsh-dumpxml-running.xml"));
    expect(d.id).toBe(51);
    expect(d.uuid).toBe("9d2e73aa-e829-4260-868c-80852db936d7");
    expect(d.os.machine).toBe("pc-i440fx-10.0");
  });

  it("reads disks and an inactive domain (no id)", () => {
    const d = parseDomainXml(`<domain type='kvm'><name>x</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
      <memory unit='MiB'>512</memory><vcpu placement='static'>2</vcpu><os><type>hvm</type></os>
      <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/x.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdz'/><target dev='vdb' bus='virtio'/></disk>
      <interface type='network'><source network='default'/></interface></devices></domain>`);
    expect(d.id).toBeUndefined();
    expect(d.memoryBytes).toBe(512 * 1024 ** 2);
    expect(d.disks).toEqual([
      { type: "file", device: "disk", format: "qcow2", path: "/img/x.qcow2", target: "vda", bus: "virtio" },
      { type: "block", device: "disk", format: "raw", path: "/dev/sdz", target: "vdb", bus: "virtio" },
    ]);
    expect(d.interfaces).toHaveLength(1);
  });

  it("rejects XML that is not a domain", () => {
    expect(() => parseDomainXml("<capabilities/>")).toThrow(ParseError);
    expect(() => parseDomainXml("<domain><name>x</name></domain>")).toThrow(ParseError);
  });
});
