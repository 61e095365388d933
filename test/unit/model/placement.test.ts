import { describe, expect, it } from "vitest";
import { planPlacement, type PlacementVm } from "../../../src/model/index.js";

const vm = (name: string, memoryMib = 512, more: Partial<PlacementVm> = {}): PlacementVm => ({ name, memoryMib, vcpus: 1, ...more });
const H = (...names: string[]) => names.map((name) => ({ name }));

describe("planPlacement", () => {
  it("spreads new VMs, largest first, over the active hosts; ties go to the first declared host", () => {
    const r = planPlacement([vm("w1", 512), vm("w2", 512), vm("db", 2048)], H("a", "b"));
    expect(r.hosts).toEqual({ db: "a", w1: "b", w2: "b" });
    expect(r.moves).toEqual([]);
    expect(r.problems).toEqual([]);
  });

  it("is deterministic: the same answer whatever the order of the VMs", () => {
    const vms = [vm("c", 256), vm("a", 1024), vm("e", 512), vm("b", 256), vm("d", 768, { group: "g" }), vm("f", 768, { group: "g" })];
    const first = planPlacement(vms, H("x", "y", "z"));
    for (const order of [[...vms].reverse(), [vms[3]!, vms[0]!, vms[5]!, vms[1]!, vms[4]!, vms[2]!]])
      expect(planPlacement(order, H("x", "y", "z")).hosts).toEqual(first.hosts);
  });

  it("stable: VMs stay where they are; draining a host moves only its VMs", () => {
    const vms = [vm("a1"), vm("a2"), vm("b1"), vm("b2"), vm("c1")];
    const current = { a1: "a", a2: "a", b1: "b", b2: "b", c1: "c" };
    expect(planPlacement(vms, H("a", "b", "c"), current).moves).toEqual([]);
    const r = planPlacement(vms, [{ name: "a", state: "draining" as const }, { name: "b" }, { name: "c" }], current);
    expect(r.moves.map((m) => m.vm)).toEqual(["a1", "a2"]);
    expect(r.moves.every((m) => m.from === "a" && m.to !== "a")).toBe(true);
    // Spread: c had one VM, b two, so c takes the first, then they are even and b (declared first) the second.
    expect(r.hosts).toMatchObject({ a1: "c", a2: "b", b1: "b", c1: "c" });
  });

  it("cordoned: a VM already there stays, no VM is placed there", () => {
    const hosts = [{ name: "a", state: "cordoned" as const }, { name: "b" }];
    const r = planPlacement([vm("old"), vm("new")], hosts, { old: "a" });
    expect(r.hosts).toEqual({ old: "a", new: "b" });
  });

  it("anti-affinity: two VMs of one group never share a host; the second of a pair found together moves", () => {
    const r = planPlacement([vm("pg-1", 512, { group: "pg" }), vm("pg-2", 512, { group: "pg" })], H("a", "b"), { "pg-1": "a", "pg-2": "a" });
    expect(r.hosts).toEqual({ "pg-1": "a", "pg-2": "b" });
    expect(r.moves).toEqual([{ vm: "pg-2", from: "a", to: "b" }]);
  });

  it("anti-affinity that cannot hold: a problem naming the VM, the group, each host's reason and the fix", () => {
    const r = planPlacement([vm("r1", 512, { group: "rep" }), vm("r2", 512, { group: "rep" }), vm("r3", 512, { group: "rep" })], H("a", "b"));
    expect(r.hosts).toEqual({ r1: "a", r2: "b" });
    expect(r.problems).toEqual([
      {
        field: "vms.r3.group",
        value: "rep",
        reason: 'no host can take VM r3: a already runs a VM of group "rep"; b already runs a VM of group "rep"',
        fix: 'declare another active host, mark a cordoned or draining host active, raise a capacity, or take r3 out of group "rep"',
      },
    ]);
  });

  it("pins win; a pin to a draining, cordoned (and not already there) or undeclared host is a problem", () => {
    const hosts = [{ name: "a" }, { name: "b", state: "cordoned" as const }, { name: "c", state: "draining" as const }];
    const r = planPlacement(
      [vm("p1", 512, { pin: "a" }), vm("p2", 512, { pin: "b" }), vm("p3", 512, { pin: "c" }), vm("p4", 512, { pin: "zz" }), vm("p5", 512, { pin: "b" })],
      hosts,
      { p5: "b" },
    );
    expect(r.hosts).toEqual({ p1: "a", p5: "b" });
    expect(r.problems.map((p) => [p.field, p.reason])).toEqual([
      ["vms.p2.pin", "host b is cordoned: no VM may be placed or moved there"],
      ["vms.p3.pin", "host c is draining: every VM must leave it"],
      ["vms.p4.pin", "is not a declared host"],
    ]);
    expect(r.problems[0]!.fix).toBe('pin p2 to an active host ("a"), or leave pin out so livevirt picks one');
  });

  it("declared capacity: a VM goes where it fits; none fits (largest first, so before the others) → a problem with each host's room", () => {
    const hosts = [
      { name: "a", capacityMemoryMib: 1024 },
      { name: "b", capacityMemoryMib: 600 },
    ];
    const r = planPlacement([vm("big", 900), vm("mid", 600), vm("huge", 2000)], hosts);
    expect(r.hosts).toEqual({ big: "a", mid: "b" });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.reason).toBe(
      "no host can take VM huge: a has no room (0 of 1024 MiB placed, huge needs 2000); b has no room (0 of 600 MiB placed, huge needs 2000)",
    );
  });

  it("a VM that no longer fits where it is moves (capacity lowered)", () => {
    const r = planPlacement([vm("x", 512), vm("y", 512)], [{ name: "a", capacityMemoryMib: 600 }, { name: "b" }], { x: "a", y: "a" });
    expect(r.moves).toEqual([{ vm: "y", from: "a", to: "b" }]);
  });
});
