/**
 * Plan-time validation fixes found by the bad-input matrix (test/integration/bad-input-matrix.test.ts):
 * inputs the provider accepted at plan although create (validateDomainSpec) or the first move
 * (validateSettings) would refuse them, and a "move" between two names of one libvirt host.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors.js";
import { buildDomainXml, validateDomainSpec } from "../../../src/libvirt/domain-xml.js";
import { HostList, MEMORY_MIB_RANGE, VCPUS_RANGE, type Host } from "../../../src/model/index.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { hostProblems } from "../../../provider/livevirt/hosts.js";
import { LivevirtRuntime } from "../../../provider/livevirt/runtime.js";
import { vmSchema } from "../../../provider/livevirt/schema.js";
import { vmResource } from "../../../provider/livevirt/vm.js";
import { validateVm } from "../../../provider/livevirt/vm-validate.js";
import type { CallContext } from "../../../provider/framework/resource.js";
import type { Drivers } from "../../../provider/livevirt/driver.js";
import type { Logger } from "../../../provider/plugin/log.js";
import { fakeLibvirt } from "../provider/fake-driver.js";
import { fullConfig, proposedNew } from "../provider/tf-sim.js";

const block = vmSchema.block;
const base = { name: "web1", host: "a" };
const problems = (partial: Record<string, unknown>) => validateVm(fullConfig(block, { ...base, ...partial }));
const fields = (partial: Record<string, unknown>) => problems(partial).map((e) => e.detail.field);

describe("livevirt_vm: what create would refuse is refused at plan", () => {
  it("a disk with neither form, or half a pool volume: the missing field is named (no value), with the fix", () => {
    const neither = problems({ disk: [{ format: "raw" }] });
    expect(neither.map((e) => e.detail.field)).toEqual(["disk.0.path"]);
    expect(neither[0]!.detail.fix).toMatch(/image file \(disk\.0\.path.*disk\.0\.pool and disk\.0\.volume.*exactly one of the two/);
    const half = problems({ disk: [{ pool: "vms" }] });
    expect(half.map((e) => e.detail.field)).toEqual(["disk.0.volume"]);
    expect(half[0]!.message).toMatch(/needs both disk\.0\.pool and disk\.0\.volume \(disk\.0\.pool is set\)/);
    expect(half[0]!.detail.fix).toMatch(/^set disk\.0\.volume too/);
  });

  it.each([
    ["memory_mib above the domain maximum", { memory_mib: MEMORY_MIB_RANGE[1] + 1 }, "memory_mib", /between 16 and 1048576/],
    ["memory_mib 10^9", { memory_mib: 1e9 }, "memory_mib", /between 16 and 1048576/],
    ["vcpus 10000", { vcpus: 10000 }, "vcpus", /between 1 and 256/],
    ["disk target xyz", { disk: [{ path: "/i.img", target: "xyz" }] }, "disk.0.target", /use vda, vdb/],
    ["disk target xvda (Xen names are not built)", { disk: [{ path: "/i.img", target: "xvda" }] }, "disk.0.target", /use vda, vdb/],
    ["kernel with a newline", { kernel: "/boot/vmlinuz\nx" }, "kernel", /remove the control characters/],
    ["disk path with NUL", { disk: [{ path: "/i.img\u0000" }] }, "disk.0.path", /remove the control characters/],
    ["console_log with a tab", { console_log: "/var/log/x\tlog" }, "console_log", /remove the control characters/],
    ["cmdline without kernel", { cmdline: "console=ttyS0" }, "cmdline", /set kernel too/],
    // What libvirt would refuse at create (or corrupt at run time), refused at plan too.
    ["two disks on one device", { disk: [{ path: "/a.img" }, { path: "/b.img", target: "vda" }] }, "disk.1.target", /give each disk its own target/],
    ["one image attached twice", { disk: [{ path: "/a.img" }, { path: "/a.img", target: "vdc" }] }, "disk.1.path", /attach each image once: remove disk\.1/],
    // A disk is a path or a pool volume: exactly one form, names libvirt can take.
    ["a disk with a path and a pool volume", { disk: [{ path: "/a.img", pool: "vms", volume: "a.qcow2" }] }, "disk.0.pool", /exactly one of the two/],
    ["a pool name with a space", { disk: [{ pool: "my vms", volume: "a.qcow2" }] }, "disk.0.pool", /virsh pool-list --all/],
    ["a volume name with a slash", { disk: [{ pool: "vms", volume: "../a.qcow2" }] }, "disk.0.volume", /virsh vol-list vms/],
    [
      "one volume attached twice",
      {
        disk: [
          { pool: "vms", volume: "a.qcow2" },
          { pool: "vms", volume: "a.qcow2" },
        ],
      },
      "disk.1.volume",
      /attach each image once/,
    ],
    [
      "an interface on a network and a bridge",
      { network_interface: [{ network: "default", bridge: "br0" }] },
      "network_interface.0.bridge",
      /network_interface\.0\.network/,
    ],
    ["a multicast MAC", { network_interface: [{ network: "default", mac: "01:00:5e:00:00:01" }] }, "network_interface.0.mac", /unicast address like/],
    [
      "one MAC on two interfaces",
      {
        network_interface: [
          { network: "default", mac: "52:54:00:00:00:01" },
          { bridge: "br0", mac: "52:54:00:00:00:01" },
        ],
      },
      "network_interface.1.mac",
      /give each interface its own address/,
    ],
    ["an unknown NIC model", { network_interface: [{ network: "default", model: "ne2k" }] }, "network_interface.0.model", /virtio, e1000, e1000e, rtl8139/],
    ["host-passthrough on an emulated VM", { domain_type: "qemu", cpu: "host-passthrough" }, "cpu", /set domain_type = "kvm", or cpu = "host-model"/],
    ["max_memory_mib below memory_mib", { memory_mib: 1024, max_memory_mib: 512 }, "max_memory_mib", /set max_memory_mib to at least 1024/],
    ["max_vcpus below vcpus", { vcpus: 4, max_vcpus: 2 }, "max_vcpus", /set max_vcpus to at least 4/],
    ["cmdline with a newline", { kernel: "/k", cmdline: "a\nb" }, "cmdline", /remove the control characters/],
    ["cmdline of 5000 characters", { kernel: "/k", cmdline: "x".repeat(5000) }, "cmdline", /at most 4096/],
  ])("%s", (_what, partial, field, fix) => {
    const errs = problems(partial);
    expect(errs.map((e) => e.detail.field)).toEqual([field]);
    expect(errs[0]!.detail.value).toBeDefined();
    expect(errs[0]!.detail.fix).toMatch(fix);
  });

  it("an interface on neither a network nor a bridge: the missing field, and how to fill it", () => {
    const errs = problems({ network_interface: [{ model: "virtio" }] });
    expect(errs.map((e) => e.detail.field)).toEqual(["network_interface.0.network"]);
    expect(errs[0]!.message).toBe("network_interface.0.network is missing: an interface needs a libvirt network or a host bridge (network_interface.0.bridge)");
    expect(errs[0]!.detail.fix).toMatch(/exactly one of them/);
  });

  it("initrd without kernel now names the value", () => {
    expect(problems({ initrd: "/i" })[0]!.detail).toMatchObject({ field: "initrd", value: "/i" });
  });

  it("bounds equal the domain layer's, on both sides", () => {
    expect(fields({ memory_mib: MEMORY_MIB_RANGE[1], vcpus: VCPUS_RANGE[1] })).toEqual([]);
    expect(fields({ memory_mib: MEMORY_MIB_RANGE[0] - 1, vcpus: VCPUS_RANGE[1] + 1 })).toEqual(["memory_mib", "vcpus"]);
  });

  it("every VM name the plan accepts, the domain layer accepts too (it refused '+')", () => {
    for (const name of ["db+1", "web.primary", "a_b-c", "x".repeat(64)]) {
      expect(fields({ name })).toEqual([]);
      expect(() => validateDomainSpec({ name, memoryMib: 64, vcpus: 1, type: "qemu" })).not.toThrow();
      expect(buildDomainXml({ name, memoryMib: 64, vcpus: 1, type: "qemu" })).toContain(`<name>${name}</name>`);
    }
  });
});

describe("livevirt_vm: the move rules are checked at plan, not at the first move", () => {
  it.each([
    [
      "postcopy_bandwidth_mib with precopy",
      { mode: "precopy", postcopy_bandwidth_mib: 100 },
      "migration.postcopy_bandwidth_mib",
      /set migration\.mode = "postcopy"/,
    ],
    ["max_downtime_ms 10^9", { max_downtime_ms: 1e9 }, "migration.max_downtime_ms", /between 1 and 60000 ms/],
    ["bandwidth_mib 10^12", { bandwidth_mib: 1e12 }, "migration.bandwidth_mib", /between 1 and 1000000 MiB\/s/],
    ["timeout_s of a year", { timeout_s: 365 * 24 * 3600 }, "migration.timeout_s", /between 1 and 604800/],
  ])("%s", (_what, migration, field, fix) => {
    const errs = problems({ migration });
    expect(errs).toHaveLength(1);
    expect(errs[0]).toBeInstanceOf(ValidationError);
    expect(errs[0]!.detail.field).toBe(field);
    expect(errs[0]!.message).toContain(field); // the attribute name, not the engine's camelCase
    expect(errs[0]!.detail.fix).toMatch(fix);
  });

  it("one diagnostic per problem (the simple checks win)", () => {
    expect(fields({ migration: { bandwidth_mib: -1 } })).toEqual(["migration.bandwidth_mib"]);
    expect(fields({ migration: { mode: "precopy", switch: "stall" } })).toEqual(["migration.switch"]);
  });

  it("valid blocks and unknown values pass", () => {
    expect(
      fields({ migration: { mode: "postcopy", switch: "stall", bandwidth_mib: 100, postcopy_bandwidth_mib: 50, max_downtime_ms: 500, timeout_s: 600 } }),
    ).toEqual([]);
    expect(fields({ migration: { mode: "precopy", bandwidth_mib: 100 } })).toEqual([]);
    expect(fields({ migration: { mode: "precopy", postcopy_bandwidth_mib: Unknown } })).toEqual([]);
  });
});

describe("provider host blocks: shell", () => {
  const cfg = (shell: unknown) => ({ host: [{ name: "a", uri: "qemu+ssh://root@kvm-a/system", migration_uri: null, shell }] }) as ObjectValue;
  it.each([[[]], [[""]], [["ssh", " "]]])("rejects %j (it would run the host checks on this machine)", (shell) => {
    const [e, ...rest] = hostProblems(cfg(shell));
    expect(rest).toEqual([]);
    expect(e!.detail).toMatchObject({ field: "host.0.shell", value: JSON.stringify(shell), host: "a" });
    expect(e!.detail.fix).toMatch(/argv words/);
  });
  it("accepts an argv and an absent shell", () => {
    expect(hostProblems(cfg(["ssh", "root@kvm-a"]))).toEqual([]);
    expect(hostProblems(cfg(null))).toEqual([]);
  });
});

describe("a move between two names of the same libvirt host is refused at plan", () => {
  const hosts: Host[] = [
    { name: "a", uri: "qemu+ssh://root:pw@kvm-a/system" },
    { name: "a2", uri: "qemu+ssh://root:pw@KVM-A/system" }, // same host, other spelling
    { name: "b", uri: "qemu+ssh://root@kvm-b/system" },
  ];
  const prior: ObjectValue = {
    ...fullConfig(block, base),
    id: "7f2b0f5e-1111-2222-3333-444455556666",
    memory_mib: 512,
    vcpus: 1,
    domain_type: "qemu",
    state: "running",
    last_move: null,
    preflight: null,
  };
  const setup = () => {
    const fake = fakeLibvirt();
    const rt = new LivevirtRuntime();
    const list = new HostList(hosts);
    rt.configure(list, fake.factory(list, null as never) as Drivers); // the fake answers synchronously
    return { fake, vm: vmResource(rt) };
  };
  const log: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child: () => log };
  const ctx: CallContext = { signal: new AbortController().signal, log };
  const planTo = async (vm: ReturnType<typeof setup>["vm"], host: string) => {
    const config = fullConfig(block, { ...base, host });
    return vm.plan({ prior, config, proposed: proposedNew(block, prior, config) }, ctx);
  };

  it("a → a2 (same URI, host name case differs): ValidationError naming field, value and fix, before any host is asked", async () => {
    const { fake, vm } = setup();
    const err = await planTo(vm, "a2").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.message).toMatch(/host "a" and host "a2" are the same libvirt host/);
    expect(e.message).not.toContain("pw@");
    expect(e.detail).toMatchObject({ field: "host", value: "a2" });
    expect(e.detail.fix).toMatch(/keep host = "a"/);
    expect(fake.calls).toEqual([]);
  });

  it("a → b is still a move with a preflight", async () => {
    const { vm } = setup();
    const res = await planTo(vm, "b");
    expect(res.planned.preflight).toMatch(/a → b/);
  });
});
