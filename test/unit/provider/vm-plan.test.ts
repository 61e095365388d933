import { describe, expect, it } from "vitest";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { vmSchema } from "../../../provider/livevirt/schema.js";
import { planVm } from "../../../provider/livevirt/vm-plan.js";
import { validateVm } from "../../../provider/livevirt/vm-validate.js";
import { fullConfig, proposedNew } from "./tf-sim.js";

const block = vmSchema.block;
const baseConfig = { name: "web1", host: "a", disk: [{ path: "/var/lib/livevirt/web1.img" }] };

/** The state a create of baseConfig leaves behind. */
const priorState: ObjectValue = {
  ...fullConfig(block, baseConfig),
  id: "7f2b0f5e-1111-2222-3333-444455556666",
  memory_mib: 512,
  vcpus: 1,
  domain_type: "kvm",
  disk: [{ path: "/var/lib/livevirt/web1.img", pool: null, volume: null, format: "raw", target: null, shared: true }],
  state: "running",
  last_move: null,
  preflight: null,
};

function plan(prior: ObjectValue | null, partial: Record<string, unknown>) {
  const config = fullConfig(block, partial);
  return planVm({ prior, config, proposed: proposedNew(block, prior, config) });
}

describe("livevirt_vm plan rules", () => {
  const nicPrior: ObjectValue = { ...priorState, network_interface: [{ network: "default", bridge: null, mac: "52:54:00:00:00:01", model: "virtio" }] };

  it("an interface whose MAC the config leaves out keeps the MAC in state: no change", () => {
    const r = plan(nicPrior, { ...baseConfig, domain_type: "kvm", network_interface: [{ network: "default" }] });
    expect(r.requiresReplace).toBeUndefined();
    expect(r.planned).toBe(nicPrior);
  });

  it("adding an interface is an in-place update (hot-plug), its MAC known after apply; the first keeps its MAC", () => {
    const r = plan(nicPrior, { ...baseConfig, domain_type: "kvm", network_interface: [{ network: "default" }, { bridge: "br0" }] });
    expect(r.requiresReplace).toBeUndefined();
    expect(r.planned.id).toBe(nicPrior.id);
    expect(r.planned.network_interface).toEqual([
      { network: "default", bridge: null, mac: "52:54:00:00:00:01", model: "virtio" },
      { network: null, bridge: "br0", mac: Unknown, model: "virtio" },
    ]);
  });

  it("moving an interface to another network is an in-place update too, never a replace", () => {
    const r = plan(nicPrior, { ...baseConfig, domain_type: "kvm", network_interface: [{ network: "other" }] });
    expect(r.requiresReplace).toBeUndefined();
    expect(r.planned.network_interface).toEqual([{ network: "other", bridge: null, mac: "52:54:00:00:00:01", model: "virtio" }]);
  });

  it("create: defaults filled, computed unknown, no move facts", () => {
    const { planned, requiresReplace } = plan(null, baseConfig);
    expect(requiresReplace).toBeUndefined();
    expect(planned).toMatchObject({
      id: Unknown,
      state: Unknown,
      domain_type: Unknown,
      memory_mib: 512,
      vcpus: 1,
      last_move: null,
      preflight: null,
      migration: null,
      disk: [{ path: "/var/lib/livevirt/web1.img", format: "raw", shared: true, target: null }],
    });
  });

  it("create with a migration block fills its defaults", () => {
    const { planned } = plan(null, { ...baseConfig, migration: { mode: "precopy" } });
    expect(planned.migration).toEqual({
      mode: "precopy",
      switch: "auto",
      on_unsupported: "fail",
      bandwidth_mib: null,
      postcopy_bandwidth_mib: null,
      max_downtime_ms: null,
      timeout_s: 600,
      copy_storage: false,
      probe: true,
      tls: "auto",
    });
  });

  it("create keeps an explicit domain_type", () => {
    expect(plan(null, { ...baseConfig, domain_type: "qemu" }).planned.domain_type).toBe("qemu");
  });

  it("unchanged: planned is exactly prior (no-op)", () => {
    const res = plan(priorState, baseConfig);
    expect(res.planned).toBe(priorState);
    expect(res.requiresReplace).toBeUndefined();
  });

  it("leftover definitions the refresh found: in-place update to null (the apply removes them), nothing else changes", () => {
    const prior = { ...priorState, leftover_definitions: ["b"] };
    const res = plan(prior, baseConfig);
    expect(res.requiresReplace).toBeUndefined();
    expect(res.planned).toEqual({ ...prior, leftover_definitions: null });
  });

  it("host change: in-place update keeping id, move facts unknown", () => {
    const res = plan(priorState, { ...baseConfig, host: "b" });
    expect(res.requiresReplace).toBeUndefined();
    expect(res.planned).toMatchObject({ id: priorState.id, host: "b", domain_type: "kvm", state: Unknown, last_move: Unknown, preflight: Unknown });
  });

  it.each([
    ["name", { name: "web2" }],
    ["kernel", { kernel: "/boot/vmlinuz" }],
    ["console_log", { console_log: "/var/log/web1.log" }],
    ["disk", { disk: [{ path: "/other.img" }] }],
    ["domain_type", { domain_type: "qemu" }],
  ])("%s change: replace, listed in requires_replace", (attr, change) => {
    const res = plan(priorState, { ...baseConfig, ...change });
    expect(res.requiresReplace).toEqual([[attr]]);
    expect(res.planned.id).toBe(Unknown);
  });

  it("name and host change together: replace wins", () => {
    expect(plan(priorState, { ...baseConfig, name: "x", host: "b" }).requiresReplace).toEqual([["name"]]);
  });

  it("removing memory_mib from config plans back to the default 512: in place, a restart (no headroom declared)", () => {
    const prior = { ...priorState, memory_mib: 1024 };
    const r = plan(prior, { ...baseConfig, domain_type: "kvm" });
    expect(r.requiresReplace).toBeUndefined();
    expect(r.planned).toMatchObject({
      id: priorState.id,
      memory_mib: 512,
      resize:
        "restarts on the same host: memory 1024 → 512 MiB; because the running VM has no memory headroom (max_memory_mib): its memory is fixed until a restart",
    });
  });

  it.each([
    [
      "more memory within max_memory_mib: live",
      { memory_mib: 768 },
      { max_memory_mib: 1024 },
      "live, no restart: memory 512 → 768 MiB (within max 1024 MiB, 1 vcpus)",
    ],
    ["more vcpus within max_vcpus: live", { vcpus: 2 }, { max_vcpus: 4 }, "live, no restart: vcpus 1 → 2 (within max 512 MiB, 4 vcpus)"],
    [
      "more memory without headroom: restart",
      { memory_mib: 1024 },
      {},
      "restarts on the same host: memory 512 → 1024 MiB; because the running VM has no memory headroom (max_memory_mib): its memory is fixed until a restart",
    ],
    [
      "memory above a declared max: restart",
      { memory_mib: 2048 },
      { max_memory_mib: 1024 },
      "restarts on the same host: memory 512 → 2048 MiB; because memory 2048 MiB is above the running VM's maximum 1024 MiB",
    ],
    [
      "fewer vcpus: restart",
      { vcpus: 1 },
      { vcpus: 2, max_vcpus: 4 },
      "restarts on the same host: vcpus 2 → 1; because fewer vcpus cannot be taken from a running guest",
    ],
    [
      "a new max: restart",
      { max_memory_mib: 2048 },
      {},
      "restarts on the same host: max_memory_mib 512 → 2048; because a running VM's maxima are fixed at its start",
    ],
  ])("resize, %s — an update, never a replace; the plan says it in words", (_what, change, priorExtra, text) => {
    const prior: ObjectValue = { ...priorState, ...(priorExtra as ObjectValue) };
    const r = plan(prior, {
      ...baseConfig,
      domain_type: "kvm",
      max_memory_mib: prior.max_memory_mib ?? null,
      max_vcpus: prior.max_vcpus ?? null,
      vcpus: prior.vcpus,
      ...change,
    });
    expect(r.requiresReplace).toBeUndefined();
    expect(r.planned.id).toBe(priorState.id);
    expect(r.planned.resize).toBe(text);
  });

  it("migration policy change only: in-place update, nothing unknown", () => {
    const res = plan(priorState, { ...baseConfig, migration: { mode: "precopy" } });
    expect(res.requiresReplace).toBeUndefined();
    expect(res.planned).toMatchObject({ id: priorState.id, state: "running", last_move: null, preflight: null });
    expect(res.planned.migration).toMatchObject({ mode: "precopy", timeout_s: 600 });
  });

  it("a disk's shared flag alone: in-place update (the domain is the same), not a replace", () => {
    const res = plan(priorState, { ...baseConfig, disk: [{ path: "/var/lib/livevirt/web1.img", shared: false }] });
    expect(res.requiresReplace).toBeUndefined();
    expect(res.planned).toMatchObject({ id: priorState.id, state: "running", disk: [{ path: "/var/lib/livevirt/web1.img", shared: false }] });
    // …together with a host change it is a move that copies the disk (copy_storage), still in place.
    const move = plan(priorState, {
      ...baseConfig,
      host: "b",
      disk: [{ path: "/var/lib/livevirt/web1.img", shared: false }],
      migration: { copy_storage: true },
    });
    expect(move.requiresReplace).toBeUndefined();
    expect(move.planned.preflight).toBe(Unknown);
  });

  it("a move keeps the previous move's facts until the new one is known", () => {
    const moved = {
      ...priorState,
      host: "b",
      last_move: { from: "a", to: "b", mode: "postcopy", switched_at_iteration: 2, total_ms: 900, downtime_ms: 12, bytes: 1, postcopy_requests: 3 },
    };
    expect(plan(moved, { ...baseConfig, host: "b" }).planned).toBe(moved);
    expect(plan(moved, { ...baseConfig, host: "a" }).planned.last_move).toBe(Unknown);
  });
});

describe("livevirt_vm static validation", () => {
  const errs = (partial: Record<string, unknown>) => validateVm(fullConfig(block, { ...baseConfig, ...partial })).map((e) => e.detail.field);
  it.each([
    [{}, []],
    [{ name: "bad name" }, ["name"]],
    [{ memory_mib: 8 }, ["memory_mib"]],
    [{ vcpus: 1.5 }, ["vcpus"]],
    [{ domain_type: "xen" }, ["domain_type"]],
    [{ kernel: "vmlinuz" }, ["kernel"]],
    [{ initrd: "/i" }, ["initrd"]],
    [{ disk: [{ path: "rel.img", format: "vmdk" }] }, ["disk.0.format", "disk.0.path"]],
    [
      {
        disk: [
          { path: "/a", target: "vda" },
          { path: "/b", target: "vda" },
        ],
      },
      ["disk.1.target"],
    ],
    // A disk without target gets vda, vdb, … by position: an explicit vda on the second collides with the first.
    [{ disk: [{ path: "/a" }, { path: "/b", target: "vda" }] }, ["disk.1.target"]],
    [{ disk: [{ path: "/a", target: "vdb" }, { path: "/b" }] }, ["disk.1.target"]],
    [{ disk: [{ path: "/a" }, { path: "/b" }, { path: "/c", target: "vdb" }] }, ["disk.2.target"]],
    [{ disk: [{ path: "/a", target: "vdz" }, { path: "/b" }] }, []],
    // One image attached twice.
    [{ disk: [{ path: "/a" }, { path: "/a", target: "vdc" }] }, ["disk.1.path"]],
    [{ migration: { mode: "sideways", timeout_s: 0 } }, ["migration.mode", "migration.timeout_s"]],
    [{ migration: { mode: "precopy", switch: "stall" } }, ["migration.switch"]],
  ])("%j → %j", (partial, fields) => expect(errs(partial)).toEqual(fields));

  it("skips unknown values", () => expect(errs({ memory_mib: Unknown, name: Unknown })).toEqual([]));
});
