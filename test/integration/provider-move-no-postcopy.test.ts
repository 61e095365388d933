/**
 * A host change through Terraform when the destination cannot post-copy: the plan refuses, naming
 * the host and userfaultfd, and on_unsupported = precopy plans and applies a pre-copy move. A file
 * of its own because it restarts host b as the lab's "no post-copy" variant (its QEMUs are stopped
 * with it): it runs alone (scripts/test-groups.ts), while provider-move's other cases share
 * the lab with other files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, labUp } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import { cleanSlate, deploy, newTerraform } from "./support/fault-vm.js";
import { domainsOn, expectContinuous, labConfig, vmAddress, type LabVm } from "./support/lab-vms.js";
import { actionsOf, resourceValues, type PlanJson, type TerraformDir } from "./support/terraform.js";

const IDLE = "tf-mv-idle";
const change = (plan: PlanJson, name: string) => plan.resource_changes!.find((r) => r.address === vmAddress(name))!.change;

describe("host change through Terraform: the destination cannot post-copy", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await cleanSlate([IDLE]);
    tf = await newTerraform();
  });
  afterAll(async () => {
    await labUp({}); // in case the case left host b in the no-post-copy variant
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    await cleanSlate([IDLE]);
    tf?.remove();
  });

  it("refuses at plan time when the destination cannot post-copy, and follows on_unsupported = precopy", async () => {
    const idle: LabVm = { name: IDLE, host: "a", testMib: 32, rate: 0, migration: {} };
    const before = await deploy(tf, idle);
    await labUp({ noPostcopy: ["b"] });
    try {
      tf.writeConfig(await labConfig([{ ...idle, host: "b" }]));
      const refused = await tf.run(["plan", "-input=false", "-no-color"], [1]);
      const text = refused.stderr + refused.stdout;
      expect(text).toMatch(/host b/);
      expect(text).toMatch(/userfaultfd/i);
      expect(await domainsOn("a")).toContain(IDLE);
      expect(await domainsOn("b")).not.toContain(IDLE);

      tf.writeConfig(await labConfig([{ ...idle, host: "b", migration: { on_unsupported: "precopy" } }]));
      const plan = await tf.planJson();
      expect(actionsOf(plan, vmAddress(IDLE))).toEqual(["update"]);
      expect(String(change(plan, IDLE).after?.preflight)).toMatch(/pre-copy/i);
      await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
      const v = resourceValues(await tf.stateJson(), vmAddress(IDLE))!;
      expect(v.host).toBe("b");
      expect((v.last_move as Record<string, unknown>).mode).toBe("precopy");
      expect((await connect("b").domainState(IDLE)).state).toBe("running");
      await expectContinuous(IDLE, before, "b");
    } finally {
      await labUp({});
    }
  });
});
