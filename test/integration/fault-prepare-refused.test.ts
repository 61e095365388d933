/**
 * Fault: the destination refuses the move at prepare because its QEMU cannot do post-copy (lab
 * host b in the "no post-copy" variant: QEMU as libvirt-qemu, userfaultfd denied to it). Nothing
 * may move, and the error must say which host refused and what QEMU/libvirt said.
 *
 * Two layers, one variant switch (it restarts host b's daemon, so it is done once, and undone in
 * afterAll whatever happened):
 *  - Terraform: a plan made while b could post-copy; b then loses post-copy before the apply.
 *    Apply re-plans, the preflight runs again and refuses; after b is restored, apply converges.
 *  - The engine (moveVm, no preflight in front of it): libvirt/QEMU refuse at prepare.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import type { Host } from "../../src/model/index.js";
import { bootGuest, consolePath, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat, type Heartbeat } from "../../src/lab/guest/console.js";
import { connect, hostUri, labStatus, labUp, migrationUri } from "../../src/lab/lab.js";
import { moveVm } from "../../src/migration/engine.js";
import { MoveError } from "../../src/migration/errors.js";
import { MoveLimits } from "../../src/migration/limits.js";
import { validateSettings } from "../../src/migration/policy.js";
import { requireLab } from "./lab-setup.js";
import { domainsOn, expectContinuous, labConfig, vmAddress, type LabVm } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

const TF_VM = "fpr-tf";
const ENG_VM = "fpr-eng";
const NAMES = [TF_VM, ENG_VM];
const target = (h: "a" | "b"): Host => ({ name: h, uri: hostUri(h), migrationUri: migrationUri(h) });

describe("destination refuses at prepare (host b cannot post-copy): nothing moves", () => {
  let tf: TerraformDir;
  const vm: LabVm = { name: TF_VM, host: "a", testMib: 32, rate: 10, migration: {} };
  let tfBefore: Heartbeat;
  let engBefore: Heartbeat;

  beforeAll(async () => {
    await requireLab();
    // The variant must not be left over from an earlier, interrupted run.
    const st = await labStatus();
    if (st.hosts.some((h) => h.qemu !== "root")) await labUp({});
    for (const n of NAMES) {
      for (const h of ["a", "b"] as const) {
        await removeGuest(h, n);
        // Consoles are appended to: an earlier run's guest would look like a reboot.
        rmSync(consolePath(h, n), { force: true });
      }
    }
    tf = await TerraformDir.create();
    tf.writeConfig(await labConfig([vm]));
    await tf.run(["init", "-input=false", "-no-color"]);
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    await bootGuest("a", { name: ENG_VM, memoryMib: 256, testMib: 32, rateMibPerS: 10, heartbeatMs: 500 });
    tfBefore = await waitForHeartbeats("a", TF_VM, 3);
    engBefore = await waitForHeartbeats("a", ENG_VM, 3);

    // The plan is made while b can post-copy: it passes, with the probe move.
    tf.writeConfig(await labConfig([{ ...vm, host: "b" }]));
    const plan = await tf.planJson();
    expect(actionsOf(plan, vmAddress(TF_VM))).toEqual(["update"]);
    const verdict = String(plan.resource_changes!.find((r) => r.address === vmAddress(TF_VM))!.change.after?.preflight);
    expect(verdict).toMatch(/post-copy/i);
    console.log(`PLAN-PREFLIGHT (b normal) ${verdict}`);

    // Then b loses post-copy before anything is applied.
    await labUp({ noPostcopy: ["b"] });
  }, 240_000);

  afterAll(async () => {
    try {
      await labUp({});
    } finally {
      await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
      for (const n of NAMES) for (const h of ["a", "b"] as const) await removeGuest(h, n).catch(() => undefined);
      tf?.remove();
    }
  }, 120_000);

  it("engine: a post-copy move to b fails at prepare — MoveError at the source naming host b and QEMU's words; nothing on b", async () => {
    const err = await moveVm({
      domain: ENG_VM,
      from: target("a"),
      to: target("b"),
      settings: validateSettings({ mode: "postcopy", switch: "first-pass", timeoutS: 120 }),
      strategy: "postcopy",
      limits: new MoveLimits(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoveError);
    const me = err as MoveError;
    console.log(`ENGINE-REFUSED ${me.message}\n  fix: ${me.detail.fix}`);
    expect(me.location).toBe("source");
    expect(me.phase).toBe("not-started");
    expect(me.state).toMatch(/^running \(/);
    expect(me.message).toMatch(/host b refused the move at prepare/);
    expect(me.message).toMatch(/Postcopy is not supported: Userfaultfd not available: Operation not permitted/);
    expect(me.message).toMatch(/fpr-eng is on host a: running/);
    expect(me.detail.host).toBe("b");
    expect(me.detail.fix).toMatch(/host b/);

    expect((await connect("a").domainState(ENG_VM)).state).toBe("running");
    expect(await domainsOn("b")).not.toContain(ENG_VM);
    // The guest kept running on a, same boot, no bad page.
    await waitForNewHeartbeat("a", ENG_VM, lastHeartbeat(readConsole("a", ENG_VM)) ?? engBefore);
    const c = checkContinuity(engBefore, readConsole("a", ENG_VM));
    expect(c.problems).toEqual([]);
  }, 180_000);

  it("terraform: applying the plan made before re-runs the preflight and refuses, naming host b and the check; state and VM stay on a", async () => {
    const r = await tf.run(["apply", "-input=false", "-no-color", "plan.bin"], [1]);
    const text = r.stderr + r.stdout;
    console.log(`APPLY-REFUSED\n${r.stderr}`);
    expect(text).toMatch(/cannot move from host a to host b/);
    expect(text).toMatch(/host b, check (kernel\.userfaultfd|qemu\.postcopy-ram|migration\.postcopy-probe)/);
    expect(text).toMatch(/Host: b/);
    expect((await connect("a").domainState(TF_VM)).state).toBe("running");
    expect(await domainsOn("b")).not.toContain(TF_VM);
    expect(resourceValues(await tf.stateJson(), vmAddress(TF_VM))!.host).toBe("a");
    await expectContinuous(TF_VM, tfBefore, "a");
  }, 180_000);

  it("terraform: once b can post-copy again, apply converges (moved live, state says b)", async () => {
    await labUp({});
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const v = resourceValues(await tf.stateJson(), vmAddress(TF_VM))!;
    expect(v.host).toBe("b");
    expect((v.last_move as Record<string, unknown>).to).toBe("b");
    expect((await connect("b").domainState(TF_VM)).state).toBe("running");
    expect(await domainsOn("a")).not.toContain(TF_VM);
    console.log(`MOVE-FIGURES ${JSON.stringify({ kind: "after-restore", ...(v.last_move as object) })}`);
    await expectContinuous(TF_VM, tfBefore, "b");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 180_000);
});
