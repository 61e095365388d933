/**
 * Two VMs moved out of one host by one apply. Terraform applies them in parallel (default
 * parallelism 10: two concurrent ApplyResourceChange calls to one provider process); the per-host
 * outbound limit (1, src/migration/limits.ts) must make the second wait for the first. Proof from
 * each move's own record in the state: [started_at, finished_at] intervals do not overlap and the
 * second one queued; and from the provider's log. Both must arrive, live. Then back with host b's
 * `max_outbound_moves = 2`: the two moves out of b run together (intervals overlap, nobody queued).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readConsole } from "../../src/lab/guests.js";
import { lastHeartbeat, type Heartbeat } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import { deployLab, domainsOn, expectContinuous, labConfig, tearDownLab, vmAddress, type LabVm } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

// One dirties faster than its bandwidth cap (post-copy), one barely (converges in pre-copy).
const VMS: LabVm[] = [
  { name: "cm-hot", host: "a", testMib: 64, rate: 20, migration: { bandwidth_mib: 10 } },
  { name: "cm-calm", host: "a", testMib: 32, rate: 2, migration: {} },
];

interface LastMove {
  from: string;
  to: string;
  mode: string;
  started_at: string;
  finished_at: string;
  queued_ms: number;
  total_ms: number;
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe("two VMs moved out of host a by one apply: one move at a time, both arrive", () => {
  let tf: TerraformDir;
  let before: Map<string, Heartbeat>;

  beforeAll(async () => {
    await requireLab();
    ({ tf, before } = await deployLab(VMS));
  }, 180_000);

  afterAll(
    () =>
      tearDownLab(
        tf,
        VMS.map((v) => v.name),
      ),
    120_000,
  );

  it("the limit holds under Terraform's parallelism: intervals do not overlap, the second queued; both on b, live, state b", async () => {
    tf.writeConfig(await labConfig(VMS.map((v) => ({ ...v, host: "b" }))));
    const plan = await tf.planJson();
    for (const v of VMS) expect(actionsOf(plan, vmAddress(v.name))).toEqual(["update"]);

    // The provider's own log (INFO) of this apply: it says when a move waits for a slot.
    const logPath = join(tf.dir, "apply.log");
    tf.env.TF_LOG_PROVIDER = "INFO";
    tf.env.TF_LOG_PATH = logPath;
    try {
      await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    } finally {
      delete tf.env.TF_LOG_PROVIDER;
      delete tf.env.TF_LOG_PATH;
    }

    const [first, second] = await movesInState("a", "b");
    expect(first!.end).toBeGreaterThanOrEqual(first!.start);
    expect(second!.end).toBeGreaterThanOrEqual(second!.start);
    // Not overlapping: the second began only once the first was done.
    expect(second!.start).toBeGreaterThanOrEqual(first!.end);
    // And it did ask while the first held the slot (Terraform sent both at once).
    expect(second!.queued_ms).toBeGreaterThan(0);

    const log = readFileSync(logPath, "utf8");
    expect(log).toMatch(/waiting for 1 other move\(s\) out of a \(limit 1\)/);

    for (const v of VMS) {
      expect((await connect("b").domainState(v.name)).state).toBe("running");
      expect(await domainsOn("a")).not.toContain(v.name);
      await expectContinuous(v.name, before.get(v.name)!, "b");
    }
    // Nothing left to do: the state matches the configuration and libvirt.
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 240_000);

  it("back to a with max_outbound_moves = 2 on host b: both moves run at once, nobody queued; both on a, live", async () => {
    // The guests booted on a: b's consoles hold heartbeats only (no boot banner), so take b's last one.
    for (const v of VMS) before.set(v.name, lastHeartbeat(readConsole("b", v.name)) ?? expect.fail(`no heartbeat of ${v.name} on b`));
    tf.writeConfig(await labConfig(VMS, { b: { max_outbound_moves: 2 } }));
    const plan = await tf.planJson();
    for (const v of VMS) expect(actionsOf(plan, vmAddress(v.name))).toEqual(["update"]);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);

    const [first, second] = await movesInState("b", "a");
    // Overlapping: the second began before the first was done, and neither waited for a slot.
    expect(second!.start).toBeLessThan(first!.end);
    expect([first!.queued_ms, second!.queued_ms]).toEqual([0, 0]);
    for (const v of VMS) {
      expect((await connect("a").domainState(v.name)).state).toBe("running");
      expect(await domainsOn("b")).not.toContain(v.name);
      await expectContinuous(v.name, before.get(v.name)!, "a");
    }
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 240_000);

  /** Each VM's last_move from the state (checked: from → to, RFC 3339 times), earliest start first. */
  async function movesInState(from: string, to: string) {
    const state = await tf.stateJson();
    const moves = VMS.map((v) => {
      const val = resourceValues(state, vmAddress(v.name))!;
      expect(val.host).toBe(to);
      const m = val.last_move as unknown as LastMove;
      expect(m).toMatchObject({ from, to });
      expect(m.started_at).toMatch(RFC3339_UTC);
      expect(m.finished_at).toMatch(RFC3339_UTC);
      console.log(`MOVE-FIGURES ${JSON.stringify({ kind: "concurrent", vm: v.name, ...m })}`);
      return { name: v.name, ...m, start: Date.parse(m.started_at), end: Date.parse(m.finished_at) };
    });
    const sorted = [...moves].sort((x, y) => x.start - y.start);
    expect(sorted[1]!.end).toBeGreaterThanOrEqual(sorted[1]!.start);
    expect(sorted[0]!.end).toBeGreaterThanOrEqual(sorted[0]!.start);
    return sorted;
  }
});
