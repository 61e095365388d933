/** Rules Terraform enforces on provider schemas (it refuses the provider otherwise), and the schemas in step with the model. */
import { describe, expect, it } from "vitest";
import type { BlockSchema } from "../../../provider/framework/schema.js";
import { hostDataSchema, providerSchema, vmSchema } from "../../../provider/livevirt/schema.js";
import { schemaToProto } from "../../../provider/plugin/schema-proto.js";
import type { HostInfo } from "../../../provider/livevirt/driver.js";
import { HCL } from "../../../provider/livevirt/spelling.js";
import type { Disk, Host, MigrationPolicy, MoveRecord, Vm } from "../../../src/model/index.js";

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

  it("the schemas name exactly the model's fields, in HCL (a new model field fails here until the schema has it)", () => {
    const keys = (b: BlockSchema) => [...Object.keys(b.attributes), ...Object.keys(b.blocks ?? {})].sort();
    const hcl = (fields: Record<string, true>) =>
      Object.keys(fields)
        .map((f) => HCL.field(f))
        .sort();
    const vm: Record<keyof Vm, true> = {
      name: true,
      host: true,
      memoryMib: true,
      vcpus: true,
      maxMemoryMib: true,
      maxVcpus: true,
      domainType: true,
      kernel: true,
      initrd: true,
      cmdline: true,
      disks: true,
      networkInterfaces: true,
      cpu: true,
      consoleLog: true,
      migration: true,
    };
    const computed = ["id", "state", "leftover_definitions", "adopted", "resize", "last_move", "preflight"];
    expect(keys(vmSchema.block)).toEqual([...hcl(vm), ...computed].sort());
    const disk: Record<keyof Disk, true> = { path: true, pool: true, volume: true, format: true, target: true, shared: true };
    expect(keys(vmSchema.block.blocks!.disk!.block)).toEqual(hcl(disk));
    const migration: Record<keyof MigrationPolicy, true> = {
      mode: true,
      switch: true,
      onUnsupported: true,
      bandwidthMib: true,
      postcopyBandwidthMib: true,
      maxDowntimeMs: true,
      timeoutS: true,
      copyStorage: true,
      probe: true,
      tls: true,
    };
    expect(keys(vmSchema.block.blocks!.migration!.block)).toEqual(hcl(migration));
    const host: Record<keyof Host, true> = {
      name: true,
      uri: true,
      migrationUri: true,
      migrationAddress: true,
      shell: true,
      state: true,
      capacityMemoryMib: true,
      capacityVcpus: true,
      maxOutboundMoves: true,
      maxInboundMoves: true,
    };
    expect(keys(providerSchema.block.blocks!.host!.block)).toEqual(hcl(host));
    const data: Record<keyof HostInfo | "name", true> = {
      name: true,
      hostname: true,
      hostUuid: true,
      libvirtVersion: true,
      qemuVersion: true,
      kernel: true,
      arch: true,
      kvm: true,
      postcopy: true,
      postcopyReason: true,
    };
    expect(keys(hostDataSchema.block)).toEqual(hcl(data));
    // last_move is the model's MoveRecord without the verdict (stored in its own attribute, preflight).
    const lastMove: Record<Exclude<keyof MoveRecord, "preflight">, true> = {
      from: true,
      to: true,
      mode: true,
      switchedAtIteration: true,
      totalMs: true,
      downtimeMs: true,
      bytes: true,
      postcopyRequests: true,
      startedAt: true,
      finishedAt: true,
      queuedMs: true,
      recoveredBy: true,
      recoveryMs: true,
    };
    expect(Object.keys((vmSchema.block.attributes.last_move!.type as readonly [string, object])[1]).sort()).toEqual(hcl(lastMove));
  });
});
