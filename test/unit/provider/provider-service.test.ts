/**
 * The framework end to end below gRPC: protocol-shaped requests (msgpack DynamicValues) through
 * providerService into the livevirt resources and a fake driver, and back.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { decodeMsgpack, encodeMsgpack } from "../../../provider/framework/codec.js";
import type { Schema } from "../../../provider/framework/schema.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { livevirtProvider } from "../../../provider/livevirt/provider.js";
import { hostDataSchema, providerSchema, vmSchema } from "../../../provider/livevirt/schema.js";
import { createLogger } from "../../../provider/plugin/log.js";
import { providerService, type Handler } from "../../../provider/plugin/provider-service.js";
import { fakeLibvirt, type FakeLibvirt } from "./fake-driver.js";
import { fullConfig, proposedNew } from "./tf-sim.js";

const dv = (v: ObjectValue | null, s: Schema) => ({ msgpack: Buffer.from(encodeMsgpack(v, s.block)) });
const un = (d: unknown, s: Schema) => decodeMsgpack((d as { msgpack: Uint8Array }).msgpack, s.block);
const T = { type_name: "livevirt_vm" };

let fake: FakeLibvirt;
let rpc: Record<string, Handler>;
let stop: AbortController;

const providerConfig = fullConfig(providerSchema.block, {
  host: [
    { name: "a", uri: "qemu+ssh://root:pw@kvm-a/system" },
    { name: "b", uri: "qemu+tcp://10.77.0.3/system", migration_uri: "qemu+tcp://10.77.0.3/system" },
  ],
});

async function plan(prior: ObjectValue | null, partial: Record<string, unknown>): Promise<Record<string, unknown> & { planned: ObjectValue | null }> {
  const config = fullConfig(vmSchema.block, partial);
  const res = await rpc.PlanResourceChange!({
    ...T,
    prior_state: dv(prior, vmSchema),
    proposed_new_state: dv(proposedNew(vmSchema.block, prior, config), vmSchema),
    config: dv(config, vmSchema),
  });
  return { ...res, planned: res.planned_state ? un(res.planned_state, vmSchema) : null };
}

async function apply(prior: ObjectValue | null, planned: ObjectValue | null) {
  const res = await rpc.ApplyResourceChange!({ ...T, prior_state: dv(prior, vmSchema), planned_state: dv(planned, vmSchema), config: dv(planned, vmSchema) });
  return { ...res, diagnostics: res.diagnostics ?? [], state: res.new_state ? un(res.new_state, vmSchema) : null };
}

const vm = { name: "web1", host: "a", disk: [{ path: "/var/lib/livevirt/web1.img" }] };

beforeEach(async () => {
  fake = fakeLibvirt();
  stop = new AbortController();
  rpc = providerService(livevirtProvider(fake.factory), createLogger("test", 99), stop);
  const res = await rpc.ConfigureProvider!({ terraform_version: "1.11.4", config: dv(providerConfig, providerSchema) });
  expect(res.diagnostics).toEqual([]);
});

describe("provider service with a fake driver", () => {
  it("serves the schema with cty types as JSON bytes and nested block modes", async () => {
    const res = await rpc.GetProviderSchema!({});
    const vmBlock = (
      res.resource_schemas as Record<string, { block: { attributes: Array<{ name: string; type: Buffer }>; block_types: Array<Record<string, unknown>> } }>
    ).livevirt_vm!.block;
    const lastMove = vmBlock.attributes.find((a) => a.name === "last_move")!;
    expect(JSON.parse(lastMove.type.toString())[0]).toBe("object");
    expect(vmBlock.block_types.map((b) => [b.type_name, b.nesting, b.max_items])).toEqual([
      ["disk", "LIST", 0],
      ["network_interface", "LIST", 0],
      ["migration", "SINGLE", 0],
    ]);
    const meta = await rpc.GetMetadata!({});
    expect(meta.resources).toEqual([{ type_name: "livevirt_vm" }]);
    // Terraform may reuse one process's schema for the others of a command (one RPC per command).
    for (const r of [res, meta]) expect(r.server_capabilities).toMatchObject({ get_provider_schema_optional: true });
  });

  it("hands the driver factory validated host specs", () => {
    expect(fake.hosts).toEqual([
      { name: "a", uri: "qemu+ssh://root:pw@kvm-a/system" },
      { name: "b", uri: "qemu+tcp://10.77.0.3/system", migrationUri: "qemu+tcp://10.77.0.3/system" },
    ]);
  });

  it("reports every provider config problem with its attribute path", async () => {
    const bad = fullConfig(providerSchema.block, {
      host: [
        { name: "a", uri: "nope" },
        { name: "a", uri: "qemu:///system" },
      ],
    });
    const v = await rpc.ValidateProviderConfig!({ config: dv(bad, providerSchema) });
    expect((v.diagnostics as Array<{ attribute: unknown }>).map((d) => d.attribute)).toEqual([
      { steps: [{ attribute_name: "host" }, { element_key_int: 0 }, { attribute_name: "uri" }] },
      { steps: [{ attribute_name: "host" }, { element_key_int: 1 }, { attribute_name: "name" }] },
    ]);
    const c = await rpc.ConfigureProvider!({ config: dv(bad, providerSchema) });
    expect(c.diagnostics).toHaveLength(2);
  });

  it("create → move → read → delete through the driver", async () => {
    const p1 = await plan(null, vm);
    expect(p1.planned).toMatchObject({ id: Unknown, domain_type: Unknown, memory_mib: 512 });
    const created = (await apply(null, p1.planned)).state!;
    expect(created).toMatchObject({ id: "uuid-1", domain_type: "kvm", state: "running", last_move: null, preflight: null });
    expect(fake.calls[0]).toEqual([
      "create",
      expect.objectContaining({
        host: "a",
        memoryMib: 512,
        disks: [{ path: "/var/lib/livevirt/web1.img", pool: null, volume: null, format: "raw", target: null, shared: true }],
      }),
    ]);

    const p2 = await plan(created, { ...vm, host: "b" });
    expect(p2.requires_replace).toEqual([]);
    expect(p2.planned).toMatchObject({ id: "uuid-1", host: "b", last_move: Unknown, preflight: "ok: a → b can post-copy" });
    const moved = (await apply(created, p2.planned)).state!;
    expect(moved).toMatchObject({
      id: "uuid-1",
      host: "b",
      preflight: "ok: a → b can post-copy",
      last_move: {
        from: "a",
        to: "b",
        mode: "postcopy",
        switched_at_iteration: 2,
        total_ms: 1500,
        downtime_ms: 20,
        bytes: 1048576,
        postcopy_requests: 7,
        started_at: "2025-06-01T10:00:00.000Z",
        finished_at: "2025-06-01T10:00:01.500Z",
        queued_ms: 0,
      },
    });
    // Located once in this apply (read), then moved from there.
    expect(fake.calls.at(-2)).toEqual(["read", { id: "uuid-1", name: "web1", host: "a" }]);
    expect(fake.calls.at(-1)).toEqual([
      "move",
      expect.objectContaining({ uuid: "uuid-1", name: "web1", host: "a" }),
      expect.objectContaining({ host: "b", migration: expect.objectContaining({ mode: "postcopy", timeoutS: 600 }) }),
    ]);

    fake.vms.set("uuid-1", { ...fake.vms.get("uuid-1")!, state: "paused" });
    const read = await rpc.ReadResource!({ ...T, current_state: dv(moved, vmSchema) });
    expect(un(read.new_state, vmSchema)).toMatchObject({ state: "paused", host: "b" });

    const gone = await apply(moved, null);
    expect(gone.diagnostics).toEqual([]);
    expect(gone.state).toBeNull();
    // Deleting again (already gone) is still success.
    expect((await apply(moved, null)).diagnostics).toEqual([]);
    const read2 = await rpc.ReadResource!({ ...T, current_state: dv(moved, vmSchema) });
    expect(un(read2.new_state, vmSchema)).toBeNull();
  });

  it("a definition a finished move left on another host: the refresh shows it, the plan removes it in place, the apply undefines it", async () => {
    const created = (await apply(null, (await plan(null, vm)).planned)).state!;
    expect(created.leftover_definitions).toBeNull();
    // libvirt finished a move a → b on its own and kept a's definition (shut off, migrated).
    fake.vms.set("uuid-1", { ...fake.vms.get("uuid-1")!, host: "b", reason: "migrated", leftovers: ["a"] });
    const refreshed = un((await rpc.ReadResource!({ ...T, current_state: dv(created, vmSchema) })).new_state, vmSchema)!;
    expect(refreshed).toMatchObject({ host: "b", leftover_definitions: ["a"] });

    const p = await plan(refreshed, { ...vm, host: "b" });
    expect(p.requires_replace).toEqual([]);
    expect(p.planned).toMatchObject({ host: "b", leftover_definitions: null, state: "running", last_move: null });
    const calls = fake.calls.length;
    const done = await apply(refreshed, p.planned);
    expect(done.diagnostics).toEqual([]);
    expect(done.state!.leftover_definitions).toBeNull();
    expect(fake.calls.slice(calls)).toEqual([["removeLeftovers", { id: "uuid-1", name: "web1", host: "b" }, ["a"]]]);
    // Nothing left: the next refresh and plan are a no-op.
    const again = un((await rpc.ReadResource!({ ...T, current_state: dv(done.state, vmSchema) })).new_state, vmSchema)!;
    expect(again.leftover_definitions).toBeNull();
    expect((await plan(again, { ...vm, host: "b" })).planned).toEqual(again);
  });

  it("replace on name change lists the path", async () => {
    const created = (await apply(null, (await plan(null, vm)).planned)).state!;
    const p = await plan(created, { ...vm, name: "web2" });
    expect(p.requires_replace).toEqual([{ steps: [{ attribute_name: "name" }] }]);
  });

  it("an undeclared host fails the plan naming the declared ones", async () => {
    const p = await plan(null, { ...vm, host: "c" });
    expect(p.diagnostics).toEqual([
      expect.objectContaining({
        severity: "ERROR",
        attribute: { steps: [{ attribute_name: "host" }] },
        detail: expect.stringContaining('use one of the declared hosts: "a", "b"'),
      }),
    ]);
  });

  it("StopProvider aborts a move in flight; the driver's error becomes a diagnostic", async () => {
    const created = (await apply(null, (await plan(null, vm)).planned)).state!;
    const p = await plan(created, { ...vm, host: "b" });
    fake.hangMoves = true;
    const pending = apply(created, p.planned);
    await new Promise((r) => setTimeout(r, 20));
    await rpc.StopProvider!({});
    const res = await pending;
    expect(res.diagnostics).toEqual([expect.objectContaining({ summary: expect.stringContaining("aborted by StopProvider"), detail: "Host: a" })]);
  });

  it("without driver preflight the verdict is unknown at plan time", async () => {
    fake.preflight = false;
    const created = (await apply(null, (await plan(null, vm)).planned)).state!;
    expect((await plan(created, { ...vm, host: "b" })).planned!.preflight).toBe(Unknown);
  });

  it("imports, upgrades JSON state and reads the host data source", async () => {
    await apply(null, (await plan(null, vm)).planned);
    const imp = await rpc.ImportResourceState!({ ...T, id: "uuid-1" });
    const imported = (imp.imported_resources as Array<{ type_name: string; state: unknown }>)[0]!;
    expect(un(imported.state, vmSchema)).toMatchObject({
      id: "uuid-1",
      vcpus: 2,
      disk: [{ path: "/img", format: "qcow2", target: "vda", shared: true }],
      migration: null,
    });
    const bad = await rpc.ImportResourceState!({ ...T, id: "nope" });
    expect(bad.diagnostics).toEqual([expect.objectContaining({ summary: "no VM nope", detail: 'Value: "nope"\nFix: pass a libvirt UUID' })]);

    const up = await rpc.UpgradeResourceState!({ ...T, version: 0, raw_state: { json: Buffer.from(JSON.stringify({ id: "x", name: "n", host: "a" })) } });
    expect(un(up.upgraded_state, vmSchema)).toMatchObject({ id: "x", memory_mib: null, disk: [] });

    const hostConfig = fullConfig(hostDataSchema.block, { name: "b" });
    const ds = await rpc.ReadDataSource!({ type_name: "livevirt_host", config: dv(hostConfig, hostDataSchema) });
    expect(un(ds.state, hostDataSchema)).toMatchObject({ name: "b", hostname: "kvm-b", kvm: true, postcopy: "yes" });
  });

  it("unknown type names are errors, not crashes", async () => {
    const res = await rpc.ReadResource!({ type_name: "livevirt_nope", current_state: { msgpack: Buffer.from([0xc0]) } });
    expect(res.diagnostics).toEqual([expect.objectContaining({ severity: "ERROR", detail: expect.stringContaining("unknown resource type livevirt_nope") })]);
  });
});
