/** Rules Terraform enforces on provider schemas (it refuses the provider otherwise), and types.ts in step. */
import { describe, expect, it } from "vitest";
import type { BlockSchema } from "../../../provider/framework/schema.js";
import { hostDataSchema, providerSchema, vmSchema } from "../../../provider/livevirt/schema.js";
import { schemaToProto } from "../../../provider/plugin/schema-proto.js";
import type { HostConfig, HostData, LastMove, VmState } from "../../../provider/livevirt/types.js";

function* blocks(b: BlockSchema, path = ""): Generator<[string, BlockSchema]> {
  yield [path, b];
  for (const [n, nb] of Object.entries(b.blocks ?? {})) yield* blocks(nb.block, `${path}${n}.`);
}

describe("schemas", () => {
  it.each([
    ["provider", providerSchema],
    ["livevirt_vm", vmSchema],
    ["livevirt_host", hostDataSchema],
  ])("%s: attribute flags are valid and described", (_n, schema) => {
    for (const [path, b] of blocks(schema.block)) {
      for (const [name, a] of Object.entries(b.attributes)) {
        const where = `${path}${name}`;
        expect(a.description, where).not.toBe("");
        expect(Boolean(a.required) !== Boolean(a.optional || a.computed), `${where}: exactly one of required / optional|computed`).toBe(true);
        if (a.default !== undefined) expect(a.optional && a.computed, `${where}: defaults need optional+computed`).toBe(true);
      }
    }
  });

  it("SINGLE blocks send min_items == max_items (Terraform rejects anything else)", () => {
    const proto = schemaToProto(vmSchema) as { block: { block_types: Array<{ nesting: string; min_items: number; max_items: number }> } };
    for (const bt of proto.block.block_types.filter((b) => b.nesting === "SINGLE")) expect(bt.min_items).toBe(bt.max_items);
  });

  it("types.ts names exactly the schema's attributes", () => {
    const keys = (b: BlockSchema) => [...Object.keys(b.attributes), ...Object.keys(b.blocks ?? {})].sort();
    const vm: Record<keyof VmState, true> = {
      id: true, name: true, host: true, memory_mib: true, vcpus: true, domain_type: true, kernel: true, initrd: true, cmdline: true,
      disk: true, console_log: true, migration: true, state: true, last_move: true, preflight: true,
    };
    expect(keys(vmSchema.block)).toEqual(Object.keys(vm).sort());
    const host: Record<keyof HostConfig, true> = { name: true, uri: true, migration_uri: true, shell: true };
    expect(keys(providerSchema.block.blocks!.host!.block)).toEqual(Object.keys(host).sort());
    const data: Record<keyof HostData, true> = {
      name: true, hostname: true, host_uuid: true, libvirt_version: true, qemu_version: true, kernel: true, arch: true, kvm: true, postcopy: true, postcopy_reason: true,
    };
    expect(keys(hostDataSchema.block)).toEqual(Object.keys(data).sort());
    const lastMove: Record<keyof LastMove, true> = {
      from: true, to: true, mode: true, switched_at_iteration: true, total_ms: true, downtime_ms: true, bytes: true, postcopy_requests: true,
      started_at: true, finished_at: true, queued_ms: true,
    };
    expect(Object.keys((vmSchema.block.attributes.last_move!.type as readonly [string, object])[1]).sort()).toEqual(Object.keys(lastMove).sort());
  });
});
