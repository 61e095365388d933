/**
 * Destroy is never blocked by a move check: Terraform's refresh before a destroy plan is a
 * normal plan (PlanResourceChange with the configuration), so a configured move that the
 * preflight refuses must not fail it — while the same plan in a normal run still fails.
 */
import { describe, expect, it } from "vitest";
import { encodeMsgpack, decodeMsgpack } from "../../../provider/framework/codec.js";
import type { Schema } from "../../../provider/framework/schema.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { livevirtProvider } from "../../../provider/livevirt/provider.js";
import { providerSchema, vmSchema } from "../../../provider/livevirt/schema.js";
import { createLogger } from "../../../provider/plugin/log.js";
import { providerService } from "../../../provider/plugin/provider-service.js";
import { fakeLibvirt } from "./fake-driver.js";
import { fullConfig, proposedNew } from "./tf-sim.js";

const dv = (v: ObjectValue | null, s: Schema) => ({ msgpack: Buffer.from(encodeMsgpack(v, s.block)) });
const providerConfig = fullConfig(providerSchema.block, {
  host: [
    { name: "a", uri: "qemu+tcp://10.77.0.2/system" },
    { name: "b", uri: "qemu+tcp://10.77.0.3/system" },
  ],
});

async function planMove(destroy: boolean) {
  const fake = fakeLibvirt();
  fake.refuseMoves = true;
  const rpc = providerService(livevirtProvider(fake.factory), createLogger("test", 99), new AbortController(), {
    command: destroy ? "destroy" : "plan",
    destroy,
  });
  await rpc.ConfigureProvider!({ terraform_version: "1.11.4", config: dv(providerConfig, providerSchema) });
  const prior = fullConfig(vmSchema.block, {
    id: "uuid-1",
    name: "web",
    host: "a",
    memory_mib: 512,
    vcpus: 1,
    domain_type: "qemu",
    state: "running",
    disk: [],
  });
  const config = fullConfig(vmSchema.block, { name: "web", host: "b" });
  const res = await rpc.PlanResourceChange!({
    type_name: "livevirt_vm",
    prior_state: dv(prior, vmSchema),
    proposed_new_state: dv(proposedNew(vmSchema.block, prior, config), vmSchema),
    config: dv(config, vmSchema),
  });
  const planned = res.planned_state ? decodeMsgpack((res.planned_state as { msgpack: Uint8Array }).msgpack, vmSchema.block) : null;
  return { diagnostics: (res.diagnostics ?? []) as Array<{ summary: string }>, planned, calls: fake.calls.map((c) => c[0]) };
}

describe("a refused move and destroy", () => {
  it("fails the plan of a normal run", async () => {
    const r = await planMove(false);
    expect(r.calls).toContain("preflight");
    // Both hosts' reads are started before the plan's other host reads, and before the preflight that awaits them.
    expect(r.calls.indexOf("prepareMove")).toBeGreaterThanOrEqual(0);
    expect(r.calls.indexOf("prepareMove")).toBeLessThan(r.calls.indexOf("preflight"));
    expect(r.diagnostics.map((d) => d.summary).join("\n")).toMatch(/cannot move from a to b/);
  });

  it("does not fail the refresh plan of a destroy run, and asks no host", async () => {
    const r = await planMove(true);
    expect(r.diagnostics).toEqual([]);
    expect(r.calls).not.toContain("preflight");
    expect(r.calls).not.toContain("prepareMove");
    expect(r.planned).toMatchObject({ host: "b", id: "uuid-1", preflight: Unknown });
  });
});
