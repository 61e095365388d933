/**
 * Synth-time fixes found by the bad-input matrix: the constructs accepted values the provider or
 * the domain layer refuse later (synth and plan must agree). Same helpers as
 * test/unit/modules/validation.test.ts.
 */
import { TerraformStack } from "cdktf";
import { testApp } from "../modules/testing-app.js";
import { describe, expect, it } from "vitest";
import { MEMORY_MIB_RANGE, VCPUS_RANGE } from "../../../src/model/index.js";
import { LivevirtHosts, VmPlacement, type Host, type VmPlacementProps } from "../../../modules/index.js";

const HOSTS: Host[] = [
  { name: "a", uri: "qemu+ssh://root@kvm-a/system" },
  { name: "b", uri: "qemu+tls://kvm-b/system" },
];

function problems(opts: { hosts?: unknown; vm?: Record<string, unknown> }): string[] {
  const stack = new TerraformStack(testApp(), "s");
  new LivevirtHosts(stack, "hosts", { hosts: (opts.hosts ?? HOSTS) as Host[] });
  new VmPlacement(stack, "web", { host: "a", ...(opts.vm ?? {}) } as VmPlacementProps);
  return stack.node
    .findAll()
    .flatMap((n) => n.node.validate())
    .filter((m) => m.startsWith("livevirt:"));
}

describe("VmPlacement: synth refuses what plan or create refuse", () => {
  it.each([
    [
      "memoryMib above the domain maximum",
      { memoryMib: MEMORY_MIB_RANGE[1] + 1 },
      `memoryMib = ${MEMORY_MIB_RANGE[1] + 1} is invalid: must be at most ${MEMORY_MIB_RANGE[1]}`,
    ],
    [
      "vcpus above the domain maximum",
      { vcpus: VCPUS_RANGE[1] + 1 },
      `vcpus = ${VCPUS_RANGE[1] + 1} is invalid: must be at most ${VCPUS_RANGE[1]}. Fix: set vcpus to a whole number between 1 and 256 vCPUs`,
    ],
    [
      "disk target xvda (the domain layer builds vd/sd/hd only)",
      { disks: [{ path: "/i.img", target: "xvda" }] },
      'disks[0].target = "xvda" is invalid: must be a device name like vda',
    ],
    [
      "two disks on one device",
      { disks: [{ path: "/a.img" }, { path: "/b.img", target: "vda" }] },
      'disks[1].target = "vda" is invalid: is already the device of disks[0] (a disk without target gets vda, vdb, … by its position)',
    ],
    [
      "one image attached twice",
      { disks: [{ path: "/a.img" }, { path: "/a.img", target: "vdc" }] },
      'disks[1].path = "/a.img" is invalid: is already attached as disks[0]. Fix: attach each image once: remove disks[1] or point it at another image',
    ],
    [
      "a disk with a path and a pool volume",
      { disks: [{ path: "/a.img", pool: "vms", volume: "a.qcow2" }] },
      'disks[0].pool = "vms" is invalid: cannot be set together with disks[0].path. Fix: give the disk an image file (disks[0].path, e.g. ' +
        '"/var/lib/livevirt/web1.img") or a volume of a storage pool (disks[0].pool and disks[0].volume, ' +
        'e.g. "default" and "web1.qcow2"): exactly one of the two',
    ],
    [
      "a pool volume without its pool",
      { disks: [{ volume: "a.qcow2" }] },
      "disks[0].pool is missing: a disk from a storage pool needs both disks[0].pool and disks[0].volume",
    ],
    [
      "an interface on neither a network nor a bridge",
      { networkInterfaces: [{ model: "virtio" }] },
      "networkInterfaces[0].network is missing: an interface needs a libvirt network or a host bridge (networkInterfaces[0].bridge)",
    ],
    [
      "an interface on a network and a bridge",
      { networkInterfaces: [{ network: "default", bridge: "br0" }] },
      'networkInterfaces[0].bridge = "br0" is invalid: cannot be set together with networkInterfaces[0].network',
    ],
    [
      "a multicast MAC",
      { networkInterfaces: [{ network: "default", mac: "01:00:5e:00:00:01" }] },
      'networkInterfaces[0].mac = "01:00:5e:00:00:01" is invalid: is a multicast address',
    ],
    [
      "a MAC that is not one",
      { networkInterfaces: [{ network: "default", mac: "52:54:00:zz:00:01" }] },
      'networkInterfaces[0].mac = "52:54:00:zz:00:01" is invalid: is not a MAC address',
    ],
    [
      "one MAC on two interfaces",
      {
        networkInterfaces: [
          { network: "default", mac: "52:54:00:00:00:01" },
          { bridge: "br0", mac: "52:54:00:00:00:01" },
        ],
      },
      'networkInterfaces[1].mac = "52:54:00:00:00:01" is invalid: is already the address of networkInterfaces[0]',
    ],
    [
      "an unknown NIC model",
      { networkInterfaces: [{ network: "default", model: "ne2k" }] },
      'networkInterfaces[0].model = "ne2k" is invalid: must be one of "virtio", "e1000", "e1000e", "rtl8139"',
    ],
    [
      "a bridge name longer than Linux allows",
      { networkInterfaces: [{ bridge: "bridge-with-a-long-name" }] },
      'networkInterfaces[0].bridge = "bridge-with-a-long-name" is invalid: is not a Linux interface name',
    ],
    [
      "host-passthrough on an emulated VM",
      { domainType: "qemu", cpu: "host-passthrough" },
      'cpu = "host-passthrough" is invalid: needs KVM: an emulated (domainType "qemu") guest has no host CPU to pass through. ' +
        'Fix: set domainType: "kvm", or cpu: "host-model" or a named model.',
    ],
    ["a CPU model with a space", { cpu: "Skylake Server" }, 'cpu = "Skylake Server" is invalid: is neither host-model, host-passthrough nor a CPU model name'],
    [
      "maxMemoryMib below memoryMib",
      { memoryMib: 1024, maxMemoryMib: 512 },
      "maxMemoryMib = 512 is invalid: is below memoryMib (1024 MiB). Fix: set maxMemoryMib to at least 1024, " +
        "or leave it out (no headroom: a change of memoryMib restarts the VM).",
    ],
    ["maxVcpus below the default vcpus", { maxVcpus: 0 }, "maxVcpus = 0 is invalid: must be at least 1"],
    ["maxDowntimeMs 10^9", { migration: { maxDowntimeMs: 1e9 } }, "migration.maxDowntimeMs = 1000000000 is invalid: must be at most 60000"],
    ["bandwidthMib 10^12", { migration: { bandwidthMib: 1e12 } }, "migration.bandwidthMib = 1000000000000 is invalid: must be at most 1000000"],
    [
      "postcopyBandwidthMib 10^12",
      { migration: { postcopyBandwidthMib: 1e12 } },
      "migration.postcopyBandwidthMib = 1000000000000 is invalid: must be at most 1000000",
    ],
    ["timeoutS of a year", { migration: { timeoutS: 365 * 86400 } }, "migration.timeoutS = 31536000 is invalid: must be at most 604800"],
    [
      "postcopyBandwidthMib with precopy",
      { migration: { mode: "precopy", postcopyBandwidthMib: 100 } },
      "migration.postcopyBandwidthMib = 100 is invalid: only applies to post-copy moves. " +
        'Fix: remove migration.postcopyBandwidthMib, or set migration: { mode: "postcopy" }.',
    ],
  ])("%s", (_what, vm, text) => {
    const all = problems({ vm });
    expect(all, all.join("\n")).toHaveLength(1);
    expect(all[0]).toContain(`livevirt: s/web: ${text}`);
    expect(all[0]).toMatch(/\. Fix: .+\.$/);
  });

  it("the bounds themselves and a valid migration block pass", () => {
    expect(problems({ vm: { memoryMib: MEMORY_MIB_RANGE[1], vcpus: VCPUS_RANGE[1], disks: [{ path: "/i.img", target: "sdb" }] } })).toEqual([]);
    expect(problems({ vm: { migration: { mode: "precopy", bandwidthMib: 1_000_000, maxDowntimeMs: 60_000, timeoutS: 604_800 } } })).toEqual([]);
  });

  it("one MAC on two VMs of the stack: the later one is refused, naming the first", () => {
    const stack = new TerraformStack(testApp(), "s");
    new LivevirtHosts(stack, "hosts", { hosts: HOSTS });
    new VmPlacement(stack, "web", { host: "a", networkInterfaces: [{ network: "default", mac: "52:54:00:AA:00:01" }] });
    new VmPlacement(stack, "db", { host: "b", networkInterfaces: [{ network: "default" }, { bridge: "br0", mac: "52:54:00:aa:00:01" }] });
    const all = stack.node
      .findAll()
      .flatMap((n) => n.node.validate())
      .filter((m) => m.startsWith("livevirt:"));
    expect(all).toEqual([
      'livevirt: s/db: networkInterfaces[1].mac = "52:54:00:aa:00:01" is invalid: is already the address of an interface of s/web. ' +
        "Fix: give each VM's interfaces their own addresses, or leave networkInterfaces[1].mac out and libvirt assigns one.",
    ]);
  });

  it("interfaces that are fine pass: a network, a bridge, an upper-case MAC, every model", () => {
    const nics = [
      { network: "default" },
      { bridge: "br0", mac: "52:54:00:AB:CD:EF", model: "e1000" },
      { network: "lab-net", model: "rtl8139" },
      { bridge: "virbr0", model: "e1000e" },
    ];
    expect(problems({ vm: { networkInterfaces: nics } })).toEqual([]);
  });

  it("'+' in a VM name is accepted (and now by the domain layer too)", () => {
    expect(problems({ vm: { name: "db+1" } })).toEqual([]);
  });
});

describe("LivevirtHosts: shell words must not be blank", () => {
  it.each([[[""]], [["ssh", "  "]]])("%j", (shell) => {
    const all = problems({ hosts: [{ ...HOSTS[0], shell }, HOSTS[1]] });
    expect(all, all.join("\n")).toHaveLength(1);
    // The model's one shell rule (the provider reports it for host.0.shell alike).
    expect(all[0]).toBe(
      `livevirt: s/hosts: hosts[0].shell = ${JSON.stringify(shell)} is invalid: must be a non-empty argv without empty or blank words. ` +
        `Fix: give the command as argv words, e.g. ["ssh", "root@kvm-a"], or leave it out for the default.`,
    );
  });
});
