/**
 * The VM's `cpu` setting through Terraform on the lab (TCG guests): a named model is created as
 * a custom CPU and moved live, the destination's QEMU checked for it at plan (fit.cpu); a model
 * the host cannot provide is refused at plan before anything is created; host-passthrough on an
 * emulated VM is refused at validation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePathInHost, guestImages, removeGuest, waitForHeartbeats } from "../../src/lab/guests.js";
import { guestCmdline } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import { domainsOn, expectContinuous, freshNames, labProviderConfig, type LabHost } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tf-cpu";
const ADDR = "livevirt_vm.tf_cpu";

async function config(host: LabHost, cpu: string): Promise<Record<string, unknown>> {
  const img = await guestImages();
  return {
    ...labProviderConfig(),
    resource: {
      livevirt_vm: {
        tf_cpu: {
          name: NAME,
          host,
          memory_mib: 256,
          domain_type: "qemu",
          cpu,
          kernel: img.kernel,
          initrd: img.initrd,
          cmdline: guestCmdline({ memMib: 32, rateMibPerS: 4, heartbeatMs: 500 }),
          console_log: consolePathInHost(NAME),
          migration: [{ probe: false }],
        },
      },
    },
  };
}

describe("cpu through Terraform", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await freshNames([NAME]);
    tf = await TerraformDir.create();
    tf.writeConfig(await config("a", "Nehalem"));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
    tf?.remove();
  });

  it("refuses at plan a model the host's QEMU cannot provide, and host-passthrough on an emulated VM; nothing created", async () => {
    tf.writeConfig(await config("a", "Broadwell"));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const out = (r.stdout + r.stderr).replace(/\s+/g, " ");
    expect(out).toContain(`VM ${NAME} cannot be created on host a: CPU model Broadwell is not usable there for qemu domains`);
    expect(out).toMatch(/Field: cpu/);
    tf.writeConfig(await config("a", "host-passthrough"));
    const p = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    expect((p.stdout + p.stderr).replace(/\s+/g, " ")).toMatch(/cpu = "host-passthrough" is invalid: needs KVM/);
    expect(await domainsOn("a")).not.toContain(NAME);
    expect(await domainsOn("b")).not.toContain(NAME);
  }, 120_000);

  it("creates a named model as the guest's CPU and moves it live, the destination checked for the model", async () => {
    tf.writeConfig(await config("a", "Nehalem"));
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    expect((await connect("a").dumpXml(NAME)).cpu).toMatchObject({ mode: "custom", model: "Nehalem" });
    const before = await waitForHeartbeats("a", NAME, 2);
    tf.writeConfig(await config("b", "Nehalem"));
    const plan = await tf.planJson();
    expect(actionsOf(plan, ADDR)).toEqual(["update"]);
    const verdict = String(plan.resource_changes!.find((c) => c.address === ADDR)!.change.after?.preflight);
    expect(verdict).toMatch(/\[pass\] b fit\.cpu/);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    expect((await connect("b").dumpXml(NAME)).cpu).toMatchObject({ mode: "custom", model: "Nehalem" });
    expect(resourceValues(await tf.stateJson(), ADDR)!).toMatchObject({ host: "b", cpu: "Nehalem" });
    await expectContinuous(NAME, before, "b");
  }, 240_000);
});
