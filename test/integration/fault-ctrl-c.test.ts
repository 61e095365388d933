/**
 * Fault matrix part 1 (issues 4 and 6): a user's Ctrl-C during `terraform apply` of a move. The
 * terminal sends SIGINT to the whole foreground process group — terraform, our provider (which
 * ignores it) and its virsh children — and terraform forwards StopProvider. Before the post-copy
 * switch the move must be aborted cleanly (the VM stays on its source); after it, there is no
 * rollback and the move runs to its end. Either way the state must say where the VM is, and the
 * guest must have lived through it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { connect } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import {
  address,
  cleanDomain,
  configFor,
  deploy,
  expectContinuous,
  hurryPostcopy,
  postcopyRunning,
  precopyRunning,
  providerLog,
  shown,
  stateOn,
  waitUntil,
  type GuestCase,
} from "./support/fault.js";
import { resourceValues, TerraformDir } from "./support/terraform.js";
import { BackgroundTerraform, processes } from "./support/terraform-process.js";

const PRE = "f1-ctrlc-pre";
const POST = "f1-ctrlc-post";
const APPLY = ["apply", "-auto-approve", "-input=false", "-no-color"];
const virshOf = (name: string) => processes().filter((p) => p.cmdline.startsWith("virsh ") && p.cmdline.includes(name));

describe("Ctrl-C during a move", () => {
  let tf: TerraformDir;
  const started: BackgroundTerraform[] = [];
  beforeAll(async () => {
    await requireLab();
    for (const n of [PRE, POST]) {
      await cleanDomain(n);
    }
    tf = await TerraformDir.create();
    tf.writeConfig(await configFor([]));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    for (const bg of started) bg.killGroup();
    for (const n of [PRE, POST]) await cleanDomain(n);
    if (tf) {
      tf.writeConfig(await configFor([]));
      await tf.run(APPLY, [0, 1]);
      tf.remove();
    }
  });

  it("during pre-copy: the move is aborted, the VM keeps running on a, the state says a, the next apply converges", async () => {
    const vm: GuestCase = { name: PRE, host: "a", testMib: 128, rate: 40, migration: { mode: "precopy", bandwidth_mib: 10, timeout_s: 600, probe: false } };
    const before = await deploy(tf, vm);

    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    const bg = BackgroundTerraform.start(tf, APPLY);
    started.push(bg);
    await precopyRunning("a", PRE);
    bg.ctrlC();
    const r = await bg.result();
    console.log(`FINDING ctrl-c in pre-copy: terraform exit ${r.exitCode}; ${r.stderr.replace(/\s+/g, " ").trim()}`);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/Interrupt received/);
    expect(r.stderr).toMatch(
      new RegExp(
        /f1-ctrlc-pre: move from a to b failed: stopped by the user \(StopProvider\) during pre-copy; the VM keeps running on the source\. /.source +
          /f1-ctrlc-pre is on host a: running/.source,
      ),
    );

    // Aborted, not orphaned: no job left on a, nothing on b, no virsh left behind.
    expect((await connect("a").domainState(PRE)).state).toBe("running");
    expect((await connect("a").domJobInfo(PRE)).type).toBe("None");
    expect(await stateOn("b", PRE)).toBe("absent");
    expect(virshOf(PRE)).toEqual([]);
    expect(resourceValues(await tf.stateJson(), address(PRE))!.host).toBe("a");
    await expectContinuous(PRE, before, "a");

    // The next apply, with a policy that can finish, moves it.
    tf.writeConfig(await configFor([{ ...vm, host: "b", migration: { mode: "postcopy", switch: "first-pass", probe: false } }]));
    await tf.run(APPLY);
    expect(resourceValues(await tf.stateJson(), address(PRE))!.host).toBe("b");
    expect(await stateOn("a", PRE)).toBe("absent");
    await expectContinuous(PRE, before, "b");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  });

  it("after the post-copy switch: no rollback, the move completes, the state says b", async () => {
    const vm: GuestCase = {
      name: POST,
      host: "a",
      testMib: 128,
      rate: 10,
      migration: { mode: "postcopy", switch: "first-pass", bandwidth_mib: 40, postcopy_bandwidth_mib: 1, probe: false },
    };
    tf.writeConfig(await configFor([]));
    await tf.run(APPLY); // the first case's VM is done with
    const before = await deploy(tf, vm);

    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    tf.env.TF_LOG_PROVIDER = "INFO";
    tf.env.TF_LOG_PATH = join(tf.dir, "ctrlc-post.log");
    const bg = BackgroundTerraform.start(tf, APPLY);
    tf.env.TF_LOG_PROVIDER = undefined;
    tf.env.TF_LOG_PATH = undefined;
    started.push(bg);
    await postcopyRunning("a", POST);
    bg.ctrlC();
    // The stop reached the move in post-copy and was declined (no rollback); what is left of the
    // move (1 MiB/s, so that the Ctrl-C surely lands in post-copy) is only a wait from here.
    await waitUntil("the provider to decline the stop in post-copy", async () =>
      /stop requested, but the move is in post-copy/.test(providerLog(tf, "ctrlc-post.log")) ? true : undefined,
    );
    await hurryPostcopy("a", POST);
    const r = await bg.result();
    console.log(`FINDING ctrl-c in post-copy: terraform exit ${r.exitCode}; ${r.stderr.replace(/\s+/g, " ").trim() || "(no stderr)"}`);
    expect(r.stdout).toMatch(/Interrupt received/);

    expect(shown(await stateOn("b", POST))).toMatch(/^running/);
    expect(await stateOn("a", POST)).toBe("absent");
    expect(virshOf(POST)).toEqual([]);
    const v = resourceValues(await tf.stateJson(), address(POST))!;
    expect(v.host).toBe("b");
    expect((v.last_move as Record<string, unknown>).mode).toBe("postcopy");
    await expectContinuous(POST, before, "b");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  });
});
