/**
 * The heart of livevirt, end to end: real Terraform plans a host change as an in-place update
 * with the preflight verdict in the plan, and apply live-migrates the running guest. Each case
 * checks libvirt on both hosts, the guest's own console (same boot, uptime continued, verifier 0
 * errors) and what the Terraform state says. The case where the destination cannot post-copy
 * restarts host b, so it has a file of its own that runs alone: provider-move-no-postcopy.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { consolePath, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat, type Heartbeat } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import { labConfig, type LabVm } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir, type PlanJson } from "./support/terraform.js";

const HOT = "tf-mv-hot";
const PRE = "tf-mv-pre";
const ADDR = (n: string) => `livevirt_vm.${n.replaceAll("-", "_")}`;

type VmCase = LabVm;

const configFor = labConfig;

const domains = async (h: "a" | "b") => (await connect(h).listDomains({ all: true })).map((d) => d.name);
const change = (plan: PlanJson, name: string) => plan.resource_changes!.find((r) => r.address === ADDR(name))!.change;

async function deploy(tf: TerraformDir, vms: VmCase[]): Promise<Heartbeat[]> {
  tf.writeConfig(await configFor(vms));
  await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  const beats: Heartbeat[] = [];
  for (const v of vms) beats.push(await waitForHeartbeats(v.host, v.name, 3));
  return beats;
}

/**
 * The guest lived through whatever happened since `before` (a heartbeat taken beforehand): same
 * boot, uptime and counters advanced, no bad page, no kernel problem — on host `now`.
 */
async function expectContinuous(name: string, before: Heartbeat, now: "a" | "b") {
  await waitForNewHeartbeat(now, name, lastHeartbeat(readConsole(now, name)) ?? before);
  const c = checkContinuity(before, readConsole(now, name));
  expect(c.problems).toEqual([]);
  return c;
}

describe("host change through Terraform: plan in place, move live", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    for (const n of [HOT, PRE]) {
      for (const h of ["a", "b"] as const) {
        await removeGuest(h, n);
        // Consoles are appended to: an earlier run's guest would look like a reboot.
        rmSync(consolePath(h, n), { force: true });
      }
    }
    tf = await TerraformDir.create();
    tf.writeConfig(await configFor([]));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    for (const n of [HOT, PRE]) for (const h of ["a", "b"] as const) await removeGuest(h, n);
    tf?.remove();
  });

  it("moves a guest that dirties memory faster than the bandwidth with post-copy", async () => {
    const hot: VmCase = { name: HOT, host: "a", testMib: 128, rate: 40, migration: { bandwidth_mib: 10 } };
    const [before] = await deploy(tf, [hot]);
    const idBefore = resourceValues(await tf.stateJson(), ADDR(HOT))!.id;

    tf.writeConfig(await configFor([{ ...hot, host: "b" }]));
    const plan = await tf.planJson();
    expect(actionsOf(plan, ADDR(HOT))).toEqual(["update"]);
    expect(change(plan, HOT).before?.host).toBe("a");
    expect(change(plan, HOT).after?.host).toBe("b");
    const verdict = String(change(plan, HOT).after?.preflight);
    expect(verdict).toMatch(/post-copy/i);
    console.log(`PLAN-PREFLIGHT ${verdict}`);

    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    expect(await domains("b")).toContain(HOT);
    expect(await domains("a")).not.toContain(HOT);
    expect((await connect("b").domainState(HOT)).state).toBe("running");
    const v = resourceValues(await tf.stateJson(), ADDR(HOT))!;
    expect(v.host).toBe("b");
    expect(v.id).toBe(idBefore);
    const move = v.last_move as Record<string, unknown>;
    expect(move.mode).toBe("postcopy");
    expect(move.from).toBe("a");
    expect(move.to).toBe("b");
    console.log(`MOVE-FIGURES ${JSON.stringify({ kind: "terraform-hot", ...move })}`);
    await expectContinuous(HOT, before!, "b");
    // Nothing left to do: the state matches the configuration and libvirt.
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  });

  it("aborts a pre-copy-only move that cannot converge: still on a, state says a", async () => {
    const pre: VmCase = { name: PRE, host: "a", testMib: 128, rate: 40, migration: { mode: "precopy", bandwidth_mib: 10, timeout_s: 20 } };
    const [before] = await deploy(tf, [pre]);
    tf.writeConfig(await configFor([{ ...pre, host: "b" }]));
    const r = await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"], [1]);
    expect(r.stderr + r.stdout).toMatch(/source|host a/i);
    expect((await connect("a").domainState(PRE)).state).toBe("running");
    expect(await domains("b")).not.toContain(PRE);
    expect(resourceValues(await tf.stateJson(), ADDR(PRE))!.host).toBe("a");
    await expectContinuous(PRE, before!, "a");
    // Back to the declared placement for the next case.
    tf.writeConfig(await configFor([pre]));
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  });
});
