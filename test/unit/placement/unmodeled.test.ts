/** What a re-create from livevirt's model would drop from a domain defined by another tool. */
import { describe, expect, it } from "vitest";
import { parseDomainXml } from "../../../src/libvirt/parse/dumpxml.js";
import { unmodeledDevices } from "../../../src/placement/lifecycle.js";
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
