/** Host state (active / cordoned / draining) and capacity across a plan: the model's rules, at plan and at synth. */
import { TerraformStack } from "cdktf";
import { describe, expect, it } from "vitest";
import { HostList, capacityProblem, hostStateProblem, hostsProblems, type Host } from "../../../src/model/index.js";
import type { CallContext } from "../../../provider/framework/resource.js";
import type { ObjectValue } from "../../../provider/framework/values.js";
import type { Drivers } from "../../../provider/livevirt/driver.js";
import { LivevirtRuntime } from "../../../provider/livevirt/runtime.js";
import { vmSchema } from "../../../provider/livevirt/schema.js";
import { vmResource } from "../../../provider/livevirt/vm.js";
import type { Logger } from "../../../provider/plugin/log.js";
import { LivevirtHosts, VmPlacement } from "../../../modules/index.js";
import { testApp } from "../modules/testing-app.js";
import { fakeLibvirt } from "./fake-driver.js";
import { fullConfig, proposedNew } from "./tf-sim.js";

const block = vmSchema.block;
const log: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => log };
const ctx: CallContext = { signal: new AbortController().signal, log };

function setup(hosts: Host[], usage: { usedMib?: number; freeMib?: number } = {}) {
  const fake = fakeLibvirt();
  const rt = new LivevirtRuntime();
  const list = new HostList(hosts);
  const drivers = fake.factory(list, null as never) as Drivers;
  drivers.vm.hostUsage = async () => usage;
  rt.configure(list, drivers);
  return vmResource(rt);
}
const create = (vm: ReturnType<typeof setup>, partial: Record<string, unknown>) => {
  const config = fullConfig(block, { name: "web", host: "a", ...partial });
  return vm.plan({ prior: null, config, proposed: proposedNew(block, null, config) }, ctx);
};
const stay = (vm: ReturnType<typeof setup>, host: string) => {
  const config = fullConfig(block, { name: "web", host });
  const prior: ObjectValue = {
    ...config,
    id: "u-1",
    memory_mib: 512,
    vcpus: 1,
    state: "running",
    last_move: null,
    preflight: null,
    adopted: false,
    resize: null,
  };
  return vm.plan({ prior, config, proposed: proposedNew(block, prior, config) }, ctx);
};

describe("rules", () => {
  it("state and capacity values are checked with the host list", () => {
    expect(hostsProblems([{ name: "a", uri: "qemu:///system", state: "paused", capacityMemoryMib: 0.5 }]).map((p) => p.field)).toEqual([
      "hosts.0.state",
      "hosts.0.capacityMemoryMib",
    ]);
  });

  it("move limits per host are whole numbers from 1 to 64, each problem naming the field and the fix", () => {
    const ps = hostsProblems([
      { name: "a", uri: "qemu:///system", maxOutboundMoves: 0, maxInboundMoves: 1.5 },
      { name: "b", uri: "qemu:///system", maxOutboundMoves: 65 },
    ]);
    expect(ps.map((p) => [p.field, p.reason])).toEqual([
      ["hosts.0.maxOutboundMoves", "must be at least 1"],
      ["hosts.0.maxInboundMoves", "must be a whole number"],
      ["hosts.1.maxOutboundMoves", "must be at most 64"],
    ]);
    expect(ps[0]!.fix).toMatch(/between 1 and 64 moves, or leave it out for 1$/);
    expect(hostsProblems([{ name: "a", uri: "qemu:///system", maxOutboundMoves: 4, maxInboundMoves: 64 }])).toEqual([]);
  });

  it("cordoned refuses arrivals only; draining refuses staying too; the fix names the active hosts", () => {
    const hosts = [{ name: "a", state: "cordoned" as const }, { name: "b" }, { name: "c", state: "draining" as const }];
    expect(hostStateProblem("host", "web", hosts[0]!, false, hosts)).toBeNull();
    expect(hostStateProblem("host", "web", hosts[0]!, true, hosts)?.reason).toBe("host a is cordoned: no VM may be placed or moved there");
    expect(hostStateProblem("host", "web", hosts[2]!, false, hosts)?.fix).toBe('place web on an active host ("b"), or set host c\'s state to "active"');
  });

  it("capacity: the VMs landing together, what the host already uses, its free memory", () => {
    const host = { name: "b", capacityMemoryMib: 1024 };
    const vms = [
      { vm: "x", memoryMib: 512, vcpus: 1 },
      { vm: "y", memoryMib: 512, vcpus: 1 },
    ];
    expect(capacityProblem("host", host, vms)).toBeNull();
    expect(capacityProblem("host", host, vms, { usedMib: 256 })?.reason).toBe(
      "host b cannot take these 2 VMs together: x (512 MiB), y (512 MiB) need 1024 MiB, 256 MiB over its declared capacity (1024 MiB, 256 MiB already used)",
    );
    expect(capacityProblem("host", { name: "b" }, vms, { freeMib: 900 })?.reason).toMatch(/124 MiB more than it has free \(900 MiB\)$/);
  });
});

describe("at plan", () => {
  const hosts: Host[] = [
    { name: "a", uri: "qemu+ssh://root@kvm-a/system" },
    { name: "b", uri: "qemu+ssh://root@kvm-b/system", capacityMemoryMib: 1200 },
    { name: "c", uri: "qemu+ssh://root@kvm-c/system", state: "cordoned" },
    { name: "d", uri: "qemu+ssh://root@kvm-d/system", state: "draining" },
  ];

  it("a create on a cordoned host fails; a VM that stays there does not", async () => {
    await expect(create(setup(hosts), { host: "c" })).rejects.toThrow('host = "c" is invalid: host c is cordoned: no VM may be placed or moved there');
    await expect(stay(setup(hosts), "c")).resolves.toBeDefined();
  });

  it("a VM kept on a draining host fails its plan", async () => {
    await expect(stay(setup(hosts), "d")).rejects.toThrow("host d is draining: every VM must leave it");
  });

  it("three VMs landing on b fit one by one but not together: the third plan call fails naming all three and the shortfall", async () => {
    const vm = setup(hosts, { usedMib: 0, freeMib: 20_000 });
    await create(vm, { name: "x", host: "b", memory_mib: 512 });
    await create(vm, { name: "y", host: "b", memory_mib: 512 });
    await expect(create(vm, { name: "z", host: "b", memory_mib: 512 })).rejects.toThrow(
      'host = "b" is invalid: host b cannot take these 3 VMs together: x (512 MiB), y (512 MiB), z (512 MiB) need 1536 MiB, ' +
        "336 MiB over its declared capacity (1200 MiB)",
    );
    // The same VM planned again is not counted twice (still three VMs), and all three plans now fail alike.
    await expect(create(vm, { name: "y", host: "b", memory_mib: 512 })).rejects.toThrow("these 3 VMs together");
  });

  it("plans that run at the same time (as Terraform runs them) see each other", async () => {
    const vm = setup(hosts, { usedMib: 0, freeMib: 20_000 });
    const r = await Promise.allSettled(["x", "y", "z"].map((name) => create(vm, { name, host: "b", memory_mib: 512 })));
    expect(r.every((x) => x.status === "rejected")).toBe(true);
  });
});

describe("at synth", () => {
  const synth = (hosts: Host[], vms: { id: string; host: string; memoryMib?: number }[]) => {
    const stack = new TerraformStack(testApp(), "s");
    const h = new LivevirtHosts(stack, "hosts", { hosts });
    for (const v of vms) new VmPlacement(stack, v.id, { host: v.host, memoryMib: v.memoryMib, hosts: h });
    return stack.node
      .findAll()
      .flatMap((n) => n.node.validate())
      .filter((m) => m.startsWith("livevirt:"));
  };
  const H = (extra: Partial<Host>): Host[] => [
    { name: "a", uri: "qemu:///system", ...extra },
    { name: "b", uri: "qemu+ssh://root@kvm-b/system" },
  ];

  it("a move limit out of range fails synth in the props' spelling", () => {
    expect(synth(H({ maxOutboundMoves: 0 }), [])).toEqual([expect.stringContaining("s/hosts: hosts[0].maxOutboundMoves = 0 is invalid: must be at least 1")]);
  });

  it("a VM declared on a draining host fails synth, naming the active hosts", () => {
    expect(synth(H({ state: "draining" }), [{ id: "web", host: "a" }])).toEqual([
      'livevirt: s/web: host = "a" is invalid: host a is draining: every VM must leave it. ' +
        'Fix: place web on an active host ("b"), or set host a\'s state to "active".',
    ]);
  });

  it("declared capacity against every VM the stack puts on the host: reported once, by the first that overflows", () => {
    const out = synth(H({ capacityMemoryMib: 1000 }), [
      { id: "x", host: "a" },
      { id: "y", host: "a" },
      { id: "z", host: "a" },
      { id: "w", host: "b" },
    ]);
    expect(out).toEqual([
      'livevirt: s/y: host = "a" is invalid: host a cannot take these 2 VMs together: x (512 MiB), y (512 MiB) need 1024 MiB, ' +
        "24 MiB over its declared capacity (1000 MiB). Fix: place some of them on another host, make them smaller, or raise host a's capacity.",
    ]);
  });
});
