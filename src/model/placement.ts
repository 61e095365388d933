/**
 * Picking hosts for VMs (placement helpers, pure): given the VMs, the declared hosts (state,
 * capacity) and where each VM is placed now, choose a host per VM so that only the VMs that must
 * move change host.
 *
 * Rules, in this order:
 *  1. pinned: a VM with `pin` runs there (a problem if that host is undeclared, draining, or
 *     cordoned while the VM is not already there);
 *  2. stays: a VM whose current host still allows it (active, or cordoned and already there),
 *     keeps no other VM of its anti-affinity `group` company, and still fits, stays;
 *  3. placed: the rest, largest first, go to the active host with the least memory placed on it
 *     (spread) that has no VM of their group and room for them (declared capacity); ties go to the
 *     first declared host.
 * Deterministic: the VMs are taken by name, the hosts in declared order, so the result does not
 * depend on the order of the inputs. A VM no host can take is a problem naming it and the fix.
 */
import type { Host } from "./host.js";
import type { Problem } from "./problem.js";

export interface PlacementVm {
  readonly name: string;
  readonly memoryMib: number;
  readonly vcpus: number;
  /** Run on this host, whatever else holds. */
  readonly pin?: string;
  /** Anti-affinity: two VMs of one group never share a host. */
  readonly group?: string;
}

export interface PlacementResult {
  /** VM name → host, for every VM that could be placed. */
  readonly hosts: Readonly<Record<string, string>>;
  /** The VMs whose host changes against `current`, by name. */
  readonly moves: readonly { vm: string; from: string; to: string }[];
  /** Field ids are the VM's (`vms.<name>.host`) or the group's (`vms.<name>.group`). */
  readonly problems: readonly Problem[];
}

type HostView = Pick<Host, "name" | "state" | "capacityMemoryMib" | "capacityVcpus">;

export function planPlacement(vms: readonly PlacementVm[], hosts: readonly HostView[], current: Readonly<Record<string, string>> = {}): PlacementResult {
  const byName = [...vms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const declared = new Map(hosts.map((h) => [h.name, h]));
  const load = new Map(hosts.map((h) => [h.name, { mem: 0, cpus: 0, groups: new Set<string>() }]));
  const out: Record<string, string> = {};
  const problems: Problem[] = [];
  const state = (h: HostView) => h.state ?? "active";
  const fits = (vm: PlacementVm, h: HostView) => {
    const l = load.get(h.name)!;
    return (
      (h.capacityMemoryMib === undefined || l.mem + vm.memoryMib <= h.capacityMemoryMib) &&
      (h.capacityVcpus === undefined || l.cpus + vm.vcpus <= h.capacityVcpus)
    );
  };
  const place = (vm: PlacementVm, h: string) => {
    const l = load.get(h)!;
    l.mem += vm.memoryMib;
    l.cpus += vm.vcpus;
    if (vm.group !== undefined) l.groups.add(vm.group);
    out[vm.name] = h;
  };
  const field = (vm: PlacementVm, k: string) => `vms.${vm.name}.${k}`;
  const active = hosts.filter((h) => state(h) === "active").map((h) => JSON.stringify(h.name));

  // 1. Pinned.
  for (const vm of byName.filter((v) => v.pin !== undefined)) {
    const h = declared.get(vm.pin!);
    const why = !h
      ? "is not a declared host"
      : state(h) === "draining"
        ? `host ${h.name} is draining: every VM must leave it`
        : state(h) === "cordoned" && current[vm.name] !== h.name
          ? `host ${h.name} is cordoned: no VM may be placed or moved there`
          : null;
    if (why) {
      problems.push({
        field: field(vm, "pin"),
        value: vm.pin,
        reason: why,
        fix: `pin ${vm.name} to an active host${active.length ? ` (${active.join(", ")})` : ""}, or leave pin out so livevirt picks one`,
      });
      continue;
    }
    place(vm, h!.name);
  }
  // 2. Stays where it is.
  const rest: PlacementVm[] = [];
  for (const vm of byName.filter((v) => v.pin === undefined)) {
    const h = current[vm.name] === undefined ? undefined : declared.get(current[vm.name]!);
    const keeps = h && state(h) !== "draining" && !(vm.group !== undefined && load.get(h.name)!.groups.has(vm.group)) && fits(vm, h);
    if (keeps) place(vm, h.name);
    else rest.push(vm);
  }
  // 3. Placed: largest first, then by name.
  rest.sort((a, b) => b.memoryMib - a.memoryMib || (a.name < b.name ? -1 : 1));
  for (const vm of rest) {
    const candidates = hosts.filter((h) => state(h) === "active" && !(vm.group !== undefined && load.get(h.name)!.groups.has(vm.group)) && fits(vm, h));
    if (candidates.length === 0) {
      problems.push(noHostProblem(vm, hosts, load));
      continue;
    }
    const best = candidates.reduce((a, b) => (load.get(b.name)!.mem < load.get(a.name)!.mem ? b : a));
    place(vm, best.name);
  }
  const moves = byName
    .filter((v) => out[v.name] !== undefined && current[v.name] !== undefined && current[v.name] !== out[v.name])
    .map((v) => ({ vm: v.name, from: current[v.name]!, to: out[v.name]! }));
  return { hosts: out, moves, problems };
}

function noHostProblem(vm: PlacementVm, hosts: readonly HostView[], load: ReadonlyMap<string, { mem: number; groups: ReadonlySet<string> }>): Problem {
  const why = hosts.map((h) => {
    const s = h.state ?? "active";
    if (s !== "active") return `${h.name} is ${s}`;
    if (vm.group !== undefined && load.get(h.name)!.groups.has(vm.group)) return `${h.name} already runs a VM of group ${JSON.stringify(vm.group)}`;
    return `${h.name} has no room (${load.get(h.name)!.mem} of ${h.capacityMemoryMib ?? "?"} MiB placed, ${vm.name} needs ${vm.memoryMib})`;
  });
  const fix =
    vm.group !== undefined
      ? `declare another active host, mark a cordoned or draining host active, raise a capacity, or take ${vm.name} out of group ${JSON.stringify(vm.group)}`
      : "declare another active host, mark a cordoned or draining host active, or raise a host's capacity";
  return {
    field: `vms.${vm.name}.${vm.group !== undefined ? "group" : "host"}`,
    value: vm.group ?? vm.name,
    reason: `no host can take VM ${vm.name}: ${why.join("; ")}`,
    fix,
  };
}
