/** A scripted in-memory driver, for unit tests of the framework only. */
import { DomainNotFoundError, LivevirtError } from "../../../src/errors.js";
import type { DriverContext, DriverFactory, VmDriver, VmRef } from "../../../provider/livevirt/driver.js";
import { resolveMigration, type Host, type Placement, type Vm } from "../../../src/model/index.js";

export interface FakeLibvirt {
  factory: DriverFactory;
  hosts: Host[] | null;
  vms: Map<string, Placement>;
  calls: Array<[string, ...unknown[]]>;
  /** Makes the next move wait until ctx.signal aborts. */
  hangMoves: boolean;
  preflight: boolean;
  /** Makes preflight refuse every move, as a host that cannot post-copy under on_unsupported = "fail" does. */
  refuseMoves: boolean;
}

export function fakeLibvirt(): FakeLibvirt {
  const fake: FakeLibvirt = { factory: null!, hosts: null, vms: new Map(), calls: [], hangMoves: false, preflight: true, refuseMoves: false };
  let n = 0;
  const vm: VmDriver = {
    async create(spec: Vm) {
      fake.calls.push(["create", spec]);
      const obs: Placement = {
        uuid: `uuid-${++n}`,
        name: spec.name,
        host: spec.host,
        domainType: spec.domainType === "qemu" ? "qemu" : "kvm",
        state: "running",
        reason: "booted",
      };
      fake.vms.set(obs.uuid, obs);
      return obs;
    },
    async resize(current: Placement, to, how) {
      fake.calls.push(["resize", current, to, how]);
      return fake.vms.get(current.uuid)!;
    },
    async updateInterfaces(current: Placement, before, after) {
      fake.calls.push(["updateInterfaces", current, before, after]);
      return after.map((n, i) => ({ ...n, mac: n.mac ?? `52:54:00:00:00:${String(i).padStart(2, "0")}` }));
    },
    async read(ref: VmRef) {
      fake.calls.push(["read", ref]);
      return fake.vms.get(ref.id) ?? null;
    },
    async move(current: Placement, spec: Vm, ctx: DriverContext) {
      fake.calls.push(["move", current, spec]);
      if (fake.hangMoves) {
        await new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () =>
            reject(new LivevirtError("move aborted by StopProvider; the VM stayed on the source", { host: current.host })),
          ),
        );
      }
      const obs = { ...fake.vms.get(current.uuid)!, host: spec.host };
      fake.vms.set(current.uuid, obs);
      return {
        placement: obs,
        record: {
          from: current.host,
          to: spec.host,
          mode: spec.migration.mode,
          switchedAtIteration: 2,
          totalMs: 1500,
          downtimeMs: 20,
          bytes: 1 << 20,
          postcopyRequests: 7,
          startedAt: "2025-06-01T10:00:00.000Z",
          finishedAt: "2025-06-01T10:00:01.500Z",
          queuedMs: 0,
          recoveredBy: null,
          recoveryMs: null,
          preflight: `ok: ${current.host} → ${spec.host}`,
        },
      };
    },
    async removeLeftovers(ref: VmRef, hosts: readonly string[]) {
      fake.calls.push(["removeLeftovers", ref, hosts]);
      const obs = fake.vms.get(ref.id);
      if (obs) fake.vms.set(ref.id, { ...obs, leftovers: (obs.leftovers ?? []).filter((h) => !hosts.includes(h)) });
    },
    async delete(ref: VmRef) {
      fake.calls.push(["delete", ref]);
      if (!fake.vms.delete(ref.id)) throw new DomainNotFoundError("gone", ["virsh"], "", { host: ref.host });
    },
    async import(id: string) {
      fake.calls.push(["import", id]);
      const obs = fake.vms.get(id);
      if (!obs) throw new LivevirtError(`no VM ${id}`, { value: id, fix: "pass a libvirt UUID" });
      const vm: Vm = {
        name: obs.name,
        host: obs.host,
        memoryMib: 256,
        vcpus: 2,
        maxMemoryMib: null,
        maxVcpus: null,
        domainType: obs.domainType,
        kernel: null,
        initrd: null,
        cmdline: null,
        disks: [{ path: "/img", pool: null, volume: null, format: "qcow2", target: "vda", shared: true }],
        networkInterfaces: [],
        cpu: null,
        consoleLog: null,
        migration: resolveMigration(null),
      };
      return { placement: obs, vm };
    },
  };
  vm.prepareMove = (from: string, to: string) => {
    fake.calls.push(["prepareMove", from, to]);
  };
  Object.defineProperty(vm, "preflight", {
    enumerable: true,
    get: () =>
      fake.preflight
        ? async (ref: VmRef, spec: Vm) => {
            fake.calls.push(["preflight", ref, spec]);
            if (fake.refuseMoves)
              throw new LivevirtError(`VM ${spec.name} cannot move from ${ref.host} to ${spec.host}: host ${spec.host} cannot post-copy`, { host: spec.host });
            return `ok: ${ref.host} → ${spec.host} can post-copy`;
          }
        : undefined,
  });
  fake.factory = (hosts) => {
    fake.hosts = [...hosts.hosts];
    return {
      vm,
      hostInfo: {
        async info(name: string) {
          return {
            hostname: `kvm-${name}`,
            hostUuid: "h-uuid",
            libvirtVersion: "9.0.0",
            qemuVersion: "7.2.0",
            kernel: "6.1.0",
            arch: "x86_64",
            kvm: true,
            postcopy: "yes",
            postcopyReason: "userfaultfd available",
          };
        },
      },
    };
  };
  return fake;
}
