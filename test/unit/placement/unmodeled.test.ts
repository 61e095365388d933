/** What a re-create from livevirt's model would drop from a domain defined by another tool. */
import { describe, expect, it } from "vitest";
import { parseDomainXml } from "../../../src/libvirt/parse/dumpxml.js";
import { modelDisks, unmodeledDevices } from "../../../src/placement/lifecycle.js";
import { renderDomainXml } from "../../../src/libvirt/domain-xml.js";

const UUID = "6695eb01-f6a4-8304-79aa-97f2502e193f";

describe("unmodeledDevices", () => {
  it("a virt-install-like domain: graphics, video, pty console, CD-ROM, user NIC, balloon, RNG; libvirt's defaults left out", () => {
    const x = parseDomainXml(
      `<domain type='kvm'><name>vm1</name><uuid>${UUID}</uuid><memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type>hvm</type></os><devices>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>` +
        `<source file='/var/lib/libvirt/images/vm1.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda' bus='sata'/><readonly/></disk>
      <controller type='usb' index='0' model='qemu-xhci'/><controller type='pci' index='0' model='pcie-root'/>
      <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><model type='virtio'/></interface>
      <interface type='user'><mac address='52:54:00:aa:bb:cd'/></interface>
      <serial type='pty'><target type='isa-serial' port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>
      <input type='tablet' bus='usb'/><input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>
      <graphics type='spice' autoport='yes'/><video><model type='virtio' heads='1'/></video>
      <memballoon model='virtio'/><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng></devices></domain>`,
    );
    expect(unmodeledDevices(x).sort()).toEqual(
      ["console pty", "disk cdrom", "graphics spice", "input tablet", "interface user", "memballoon virtio", "rng virtio", "serial pty", "video virtio"].sort(),
    );
  });

  it("a domain livevirt builds has nothing unmodeled", () => {
    const xml = renderDomainXml({
      name: "web",
      uuid: UUID,
      memoryMib: 256,
      vcpus: 1,
      type: "qemu",
      kernel: "/k",
      consoleLog: "/var/log/web.console",
      disks: [{ path: "/i.img", format: "raw", target: "vda" }],
      interfaces: [
        { network: "default", bridge: null, mac: null, model: "virtio" },
        { network: null, bridge: "br0", mac: null, model: "e1000" },
      ],
    });
    expect(unmodeledDevices(parseDomainXml(xml))).toEqual([]);
  });
});

describe("modelDisks (import)", () => {
  const xml = (disks: string) =>
    parseDomainXml(
      `<domain type='kvm'><name>vm1</name><uuid>${UUID}</uuid><memory ` +
        `unit='KiB'>1048576</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>${disks}</devices></domain>`,
    );

  it("a type='volume' disk maps back to pool + volume, a file disk to its path; both are modeled", () => {
    const x = xml(`
      <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='vms' volume='db.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/srv/data.img'/><target dev='vdb' bus='virtio'/></disk>`);
    expect(modelDisks(x.disks)).toEqual([
      { path: null, pool: "vms", volume: "db.qcow2", format: "qcow2", target: "vda", shared: true },
      { path: "/srv/data.img", pool: null, volume: null, format: "raw", target: "vdb", shared: true },
    ]);
    expect(unmodeledDevices(x)).toEqual([]);
  });

  it("block, network and CD-ROM disks are not the model's: left to the domain, listed as unmodeled", () => {
    const x = xml(`
      <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vda' bus='virtio'/></disk>
      <disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='pool/img'/><target dev='vdb' bus='virtio'/></disk>
      <disk type='volume' device='cdrom'><source pool='isos' volume='x.iso'/><target dev='sda' bus='sata'/></disk>`);
    expect(modelDisks(x.disks)).toEqual([]);
    expect(unmodeledDevices(x)).toEqual(["disk disk", "disk disk", "disk cdrom"]);
  });

  it("a domain livevirt builds with a pool volume reads back as the same disk", () => {
    const x = parseDomainXml(
      renderDomainXml({
        name: "w",
        uuid: UUID,
        memoryMib: 256,
        vcpus: 1,
        type: "qemu",
        disks: [{ path: null, pool: "p", volume: "w.raw", format: "raw", target: "vda" }],
      }),
    );
    expect(modelDisks(x.disks)).toEqual([{ path: null, pool: "p", volume: "w.raw", format: "raw", target: "vda", shared: true }]);
  });
});
