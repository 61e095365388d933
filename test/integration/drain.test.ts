/**
 * Draining host a: three running VMs, host a's state set to "draining" in the provider block.
 * - Kept on a, each VM's plan fails naming the host (nothing moves).
 * - Moved to b in the same change, the plan passes (the moves land on b together: b's free memory
 *   is checked for all three), the review's Move order gives one move at a time out of a (the
 *   default limit) and an estimated total; the apply runs them in that way — intervals that do not
 *   overlap — and a ends empty, every guest continuous on b.
 * The drain's measured time against the review's estimate is printed (DRAIN-FIGURES).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Heartbeat } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { buildReport, readPlan, renderMarkdown } from "../../src/review/index.js";
import { requireLab } from "./lab-setup.js";
import { deployLab, domainsOn, expectContinuous, labConfig, tearDownLab, vmAddress, type LabVm } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

// 256 MiB each at 64 MiB/s: the review estimates ≈ 4 s a move (post-copy), 12 s for the drain.
const VMS: LabVm[] = ["dr-1", "dr-2", "dr-3"].map((name) => ({ name, host: "a", testMib: 32, rate: 2, migration: { bandwidth_mib: 64 } }));
const DRAINING = { a: { state: "draining" } };

describe("draining host a: three VMs leave it one at a time, as the review said", () => {
  let tf: TerraformDir;
  let before: Map<string, Heartbeat>;

  beforeAll(async () => {
    await requireLab();
    ({ tf, before } = await deployLab(VMS));
  }, 240_000);

  afterAll(
    () =>
      tearDownLab(
        tf,
        VMS.map((v) => v.name),
      ),
    120_000,
  );

  it("a draining host with its VMs kept there: the plan fails naming host a, nothing moves", async () => {
    tf.writeConfig(await labConfig(VMS, DRAINING));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const text = r.stdout + r.stderr;
    // Each VM's plan fails on its own.
    expect(text.match(/host a is draining: every VM must leave it/g)?.length).toBe(VMS.length);
    expect(text).toMatch(/place dr-\d on an active host \("b"\)/);
    for (const v of VMS) expect((await connect("a").domainState(v.name)).state).toBe("running");
  }, 120_000);

  it("moved to b: one at a time (default limit), a ends empty, every guest continuous; drain time vs the review's estimate", async () => {
    tf.writeConfig(
      await labConfig(
        VMS.map((v) => ({ ...v, host: "b" })),
        DRAINING,
      ),
    );
    const plan = await tf.planJson();
    for (const v of VMS) expect(actionsOf(plan, vmAddress(v.name))).toEqual(["update"]);
    const report = buildReport(readPlan(plan));
    expect(report.hosts.find((h) => h.name === "a")?.state).toBe("draining");
    expect(report.schedule.moves.map((m) => [m.from, m.to])).toEqual(VMS.map(() => ["a", "b"]));
    expect(report.schedule.peak).toBe(1);
    const estimateS = report.schedule.totalS!;
    expect(estimateS).toBe(12); // 3 × 256 MiB ÷ 64 MiB/s, one after another
    expect(renderMarkdown(report)).toContain("3 moves: 3 out of a (1 at a time); at most 1 at once; estimated 12 s in all.");

    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);

    const state = await tf.stateJson();
    const moves = VMS.map((v) => {
      const val = resourceValues(state, vmAddress(v.name))!;
      expect(val.host).toBe("b");
      const m = val.last_move as { from: string; to: string; started_at: string; finished_at: string; total_ms: number; mode: string; queued_ms: number };
      expect(m).toMatchObject({ from: "a", to: "b" });
      return { vm: v.name, ...m, start: Date.parse(m.started_at), end: Date.parse(m.finished_at) };
    }).sort((x, y) => x.start - y.start);
    // One at a time out of a: each starts once the one before it is done.
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.start).toBeGreaterThanOrEqual(moves[i - 1]!.end);
    // None of them is left on a (other files' guests may run there: the lab is shared).
    expect((await domainsOn("a")).filter((n) => VMS.some((v) => v.name === n))).toEqual([]);
    for (const v of VMS) {
      expect((await connect("b").domainState(v.name)).state).toBe("running");
      await expectContinuous(v.name, before.get(v.name)!, "b");
    }
    const drainS = (moves.at(-1)!.end - moves[0]!.start) / 1000;
    const moveS = moves.reduce((s, m) => s + m.total_ms, 0) / 1000;
    const figures = {
      vms: moves.length,
      estimate_s: estimateS,
      drain_s: drainS,
      sum_of_moves_s: moveS,
      ratio: +(drainS / estimateS).toFixed(2),
      modes: moves.map((m) => m.mode),
    };
    console.log(`DRAIN-FIGURES ${JSON.stringify(figures)}`);
    // Nothing left to do.
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 300_000);
});
