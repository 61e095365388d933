/** Network interfaces: the model's rules, their XML, what libvirt reports back, and the plan-wide MAC ledger. */
import { describe, expect, it } from "vitest";
import { renderDomainXml } from "../../../src/libvirt/domain-xml.js";
import { parseDomainXml } from "../../../src/libvirt/parse/dumpxml.js";
import { duplicateMacProblem, macProblem, networkInterfacesProblems, type NetworkInterface } from "../../../src/model/index.js";
import { modelInterfaces } from "../../../src/placement/lifecycle.js";
import { bridgeKind } from "../../../src/preflight/fit.js";
import { LivevirtRuntime } from "../../../provider/livevirt/runtime.js";
import { withAssignedMacs } from "../../../provider/livevirt/vm-spec.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";

const nic = (n: Partial<NetworkInterface>): NetworkInterface => ({ network: null, bridge: null, mac: null, model: "virtio", ...n });

describe("interface rules", () => {
  it("exactly one of network and bridge", () => {
    expect(networkInterfacesProblems([{}]).map((p) => p.field)).toEqual(["networkInterfaces.0.network"]);
    expect(networkInterfacesProblems([{ network: "n", bridge: "b" }]).map((p) => p.field)).toEqual(["networkInterfaces.0.bridge"]);
    expect(networkInterfacesProblems([{ network: "n" }, { bridge: "br0" }])).toEqual([]);
  });

  it("MACs: unicast, not zero, well-formed, one per interface (case does not make another address)", () => {
    expect(macProblem("52:54:00:12:34:56")).toBeNull();
    expect(macProblem("03:54:00:12:34:56")).toMatch(/multicast/);
    expect(macProblem("00:00:00:00:00:00")).toMatch(/all-zero/);
    expect(macProblem("52-54-00-12-34-56")).toMatch(/not a MAC/);
    expect(macProblem("52:54:00:12:34")).toMatch(/not a MAC/);
    const dup = networkInterfacesProblems([
      { network: "n", mac: "52:54:00:AA:BB:CC" },
      { network: "n", mac: "52:54:00:aa:bb:cc" },
    ]);
    expect(dup.map((p) => [p.field, p.reason])).toEqual([["networkInterfaces.1.mac", "is already the address of ‹networkInterfaces.0›"]]);
  });

  it("names: libvirt network names and Linux interface names", () => {
    expect(networkInterfacesProblems([{ network: "a/b" }]).map((p) => p.field)).toEqual(["networkInterfaces.0.network"]);
    expect(networkInterfacesProblems([{ bridge: "sixteen-chars-xx" }]).map((p) => p.field)).toEqual(["networkInterfaces.0.bridge"]);
    expect(networkInterfacesProblems([{ bridge: "fifteen-chars-x" }])).toEqual([]);
  });

  it("a MAC on two VMs: the later VM's problem names the first; the same VM planned twice is no conflict", () => {
    const owners = [{ vm: "web", field: "networkInterfaces.0.mac", mac: "52:54:00:00:00:01" }];
    expect(duplicateMacProblem({ vm: "db", field: "networkInterfaces.1.mac", mac: "52:54:00:00:00:01" }, owners)).toMatchObject({
      field: "networkInterfaces.1.mac",
      reason: "is already the address of an interface of web",
    });
    expect(duplicateMacProblem({ vm: "web", field: "networkInterfaces.0.mac", mac: "52:54:00:00:00:01" }, owners)).toBeNull();
  });
});

describe("interfaces in libvirt's words", () => {
  it("domain XML: a network NIC and a bridge NIC, the MAC lowercase and only when given", () => {
    const xml = renderDomainXml({
      name: "x",
      uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f",
      memoryMib: 64,
      vcpus: 1,
      type: "qemu",
      interfaces: [nic({ network: "lab-net", mac: "52:54:00:AA:00:01" }), nic({ bridge: "br0", model: "e1000" })],
    });
    const back = parseDomainXml(xml).interfaces;
    expect(back).toEqual([
      { type: "network", network: "lab-net", bridge: undefined, mac: "52:54:00:aa:00:01", model: "virtio", tap: undefined },
      { type: "bridge", network: undefined, bridge: "br0", mac: undefined, model: "e1000", tap: undefined },
    ]);
  });

  it("what a running domain reports maps back to the model (a network NIC also names its bridge; other kinds are not livevirt's)", () => {
    const found = parseDomainXml(
      `<domain type='qemu' id='3'><name>x</name><uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>` +
        `<memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>
      <interface type='network'><mac address='52:54:00:4c:56:15'/>` +
        `<source network='lab-net' portid='0b0c' bridge='lvbr0'/><target dev='vnet0'/><model type='virtio'/></interface>
      <interface type='bridge'><mac address='52:54:00:4c:56:16'/><source bridge='br0'/><target dev='vnet1'/></interface>
      <interface type='bridge'><mac address='52:54:00:4c:56:18'/>` +
        `<source network='lab-net' portid='0c0d' bridge='lvbr0'/><target dev='vnet2'/><model type='virtio'/></interface>
      <interface type='user'><mac address='52:54:00:4c:56:17'/><model type='e1000'/></interface></devices></domain>`,
    ).interfaces;
    expect(found[0]).toMatchObject({ type: "network", network: "lab-net", bridge: "lvbr0", tap: "vnet0" });
    // A bridge-mode network's interface reads type='bridge' on a running domain (libvirt 11.3): still on the network.
    expect(modelInterfaces(found)).toEqual([
      nic({ network: "lab-net", mac: "52:54:00:4c:56:15" }),
      nic({ bridge: "br0", mac: "52:54:00:4c:56:16" }),
      nic({ network: "lab-net", mac: "52:54:00:4c:56:18" }),
    ]);
  });

  it("bridge kind from what ls printed on the host", () => {
    expect(bridgeKind("br0", "/sys/class/net/br0\n/sys/class/net/br0/bridge\n")).toBe("bridge");
    expect(bridgeKind("eth0", "/sys/class/net/eth0\n")).toBe("not-a-bridge");
    expect(bridgeKind("br9", "")).toBe("missing");
    expect(bridgeKind("br0", "/sys/class/net/br01/bridge\n")).toBe("missing");
  });
});

describe("the provider's side", () => {
  it("create fills the MACs libvirt assigned, by position; given MACs stay", () => {
    const planned: ObjectValue[] = [
      { network: "n", bridge: null, mac: Unknown, model: "virtio" },
      { network: null, bridge: "b", mac: "52:54:00:00:00:09", model: "virtio" },
    ];
    const found = [nic({ network: "n", mac: "52:54:00:11:22:33" }), nic({ bridge: "b", mac: "52:54:00:00:00:09" })];
    expect(withAssignedMacs(planned, found)).toEqual([{ ...planned[0], mac: "52:54:00:11:22:33" }, planned[1]]);
    expect(withAssignedMacs(planned, undefined)).toEqual(planned);
  });

  it("one MAC declared by two VMs of one plan fails the second VM's plan, in HCL", () => {
    const rt = new LivevirtRuntime();
    rt.claimMacs({ name: "web", networkInterfaces: [nic({ network: "n", mac: "52:54:00:00:00:01" })] });
    rt.claimMacs({ name: "web", networkInterfaces: [nic({ network: "n", mac: "52:54:00:00:00:01" })] });
    expect(() => rt.claimMacs({ name: "db", networkInterfaces: [nic({ network: "n" }), nic({ network: "n", mac: "52:54:00:00:00:01" })] })).toThrow(
      'network_interface.1.mac = "52:54:00:00:00:01" is invalid: is already the address of an interface of livevirt_vm "web"',
    );
  });
});
