/**
 * Fault matrix (issue 6): the source host's libvirtd restarts in the middle of a move driven by
 * `terraform apply`. The QEMUs survive (they are not the daemon's children in any way that ends
 * them) and the new daemon reconnects to them; what happens to the migration job is libvirt's
 * recovery on reconnect. Whatever it is, the VM must end up running on exactly one host, the
 * state must say which, the guest must have lived through it, and the next apply must converge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restartDaemon } from "../../src/lab/daemon.js";
import { connect } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import {
  address,
  cleanSlate,
  configFor,
  deploy,
  expectContinuous,
  expectConverged,
  newTerraform,
  stateOn,
  waitForState,
  type FaultVm,
  type Host,
} from "./support/fault-vm.js";
import { resourceValues, type TerraformDir } from "./support/terraform.js";

const PRE = "fd-pre";
const POST = "fd-post";
const APPLY = ["apply", "-auto-approve", "-input=false", "-no-color"];

async function waitForJob(name: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const j = await connect("a")
      .domJobInfo(name)
      .catch(() => null);
    if (j && (j.type === "Unbounded" || j.type === "Bounded") && (j.dataProcessedBytes ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name}: no migration job on a`);
}

/** Where libvirt runs the VM now: exactly one host must run it, the other must not know it. */
async function runningHost(name: string): Promise<Host> {
  const [a, b] = [await stateOn("a", name), await stateOn("b", name)];
  console.log(`FAULT-DAEMON states: a ${a ? `${a.state} (${a.reason})` : "absent"}, b ${b ? `${b.state} (${b.reason})` : "absent"}`);
  const on = (["a", "b"] as const).filter((h) => (h === "a" ? a : b)?.state === "running");
  expect(on).toHaveLength(1);
  const other = on[0] === "a" ? b : a;
  expect(other).toBeNull();
  return on[0]!;
}

describe("fault: the source's libvirtd restarts mid-move", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await cleanSlate([PRE, POST]);
    tf = await newTerraform();
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    await cleanSlate([PRE, POST]);
    tf?.remove();
  });

  it("during pre-copy: the VM ends running on one host, the state says which, the next apply converges", async () => {
    const vm: FaultVm = { name: PRE, host: "a", testMib: 32, rate: 0, migration: { mode: "precopy", bandwidth_mib: 10, timeout_s: 300 } };
    const before = await deploy(tf, vm);
    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    const apply = tf.run(APPLY, [0, 1]);
    await waitForJob(PRE);
    const pid = await restartDaemon("a");
    const r = await apply;
    const text = r.stdout + r.stderr;
    console.log(
      `FAULT-DAEMON exit=${r.exitCode} (new libvirtd ${pid})\n${text
        .split("\n")
        .filter((l) => /Error|is on host|Host:|Fix/.test(l))
        .join("\n")}`,
    );
    const where = await runningHost(PRE);
    expect(resourceValues(await tf.stateJson(), address(PRE))!.host).toBe(where);
    if (r.exitCode !== 0) expect(text).toMatch(new RegExp(`fd-pre is on host ${where}: running`));
    await expectContinuous(PRE, before, where);

    // The configuration says b: the next apply gets it there (or has nothing left to do).
    await tf.run(APPLY);
    expect(await runningHost(PRE)).toBe("b");
    expect(resourceValues(await tf.stateJson(), address(PRE))!.host).toBe("b");
    await expectContinuous(PRE, before, "b");
    await expectConverged(tf);
  }, 240_000);

  it("during post-copy: the move completes on b (the QEMUs keep their stream), the state says b, no definition left on a", async () => {
    // After the switch the guest runs on b; the source daemon's restart cuts virsh's connection
    // to it (the p2p job lives in that daemon), not the QEMUs' migration stream.
    const vm: FaultVm = {
      name: POST,
      host: "a",
      testMib: 128,
      rate: 40,
      migration: { switch: "first-pass", bandwidth_mib: 10, postcopy_bandwidth_mib: 4, timeout_s: 300 },
    };
    await tf.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    const before = await deploy(tf, vm);
    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    tf.env.TF_LOG_PROVIDER = "INFO";
    const apply = tf.run(APPLY, [0, 1]).finally(() => delete tf.env.TF_LOG_PROVIDER);
    await waitForState("a", POST, (s) => s?.reason === "post-copy", "switched to post-copy");
    const pid = await restartDaemon("a");
    const after = [await stateOn("a", POST), await stateOn("b", POST)];
    const r = await apply;
    const text = r.stdout + r.stderr;
    console.log(
      `FAULT-DAEMON-POSTCOPY exit=${r.exitCode} (new libvirtd ${pid}); ` +
        `right after the restart: a ${after[0] ? `${after[0].state} (${after[0].reason})` : "absent"}, ` +
        `b ${after[1] ? `${after[1].state} (${after[1].reason})` : "absent"}\n` +
        text
          .split("\n")
          .filter((l) => /Error|is on host|post-copy|recover|stale|leftover/.test(l))
          .join("\n"),
    );
    // Post-copy cannot be rolled back: the VM ends on b whatever the apply's answer was; a holds
    // at most a shut-off definition (what the next apply removes).
    expect((await stateOn("b", POST))?.state).toBe("running");
    const onA = await stateOn("a", POST);
    expect(onA === null || onA.state === "shut off", `a: ${JSON.stringify(onA)}`).toBe(true);
    expect(resourceValues(await tf.stateJson(), address(POST))!.host).toBe("b");
    if (r.exitCode !== 0) expect(text).toMatch(/fd-post is on host b/);
    await expectContinuous(POST, before, "b");
    // Whatever the daemon's recovery left on a is gone after at most one more apply.
    await tf.run(APPLY);
    expect(await stateOn("a", POST)).toBeNull();
    await expectConverged(tf);
  }, 300_000);
});
