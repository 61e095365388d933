/**
 * Fault matrix part 1 (issue 6): the provider process is SIGKILLed in the middle of a move, as
 * Terraform itself does on a second Ctrl-C or when the plugin hangs. Our moves are peer-to-peer:
 * the source libvirtd drives the migration and `virsh migrate` only waits for it, so the job
 * outlives the provider. Each case finds out what libvirt does then, what the state says, and
 * that the next move/apply converges — ending with the guest's verifier at 0 errors and its
 * uptime continuous.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { connect } from "../../src/lab/lab.js";
import { labHostTarget } from "../../src/lab/targets.js";
import { moveVm } from "../../src/migration/engine.js";
import { validateSettings } from "../../src/migration/policy.js";
import { VmLifecycle } from "../../src/placement/lifecycle.js";
import { HostRegistry } from "../../src/hosts/registry.js";
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

const PRE = "f1-kill-pre";
const POST = "f1-kill-post";
const APPLY = ["apply", "-auto-approve", "-input=false", "-no-color"];

const vms = new VmLifecycle(new HostRegistry([labHostTarget("a"), labHostTarget("b")]));
/** `virsh migrate` processes of this domain still alive (their parent, the provider, is dead). */
const migrateProcesses = (name: string) => processes().filter((p) => /^virsh .* migrate /.test(p.cmdline) && p.cmdline.includes(`--domain ${name}`));

/** SIGKILLs every provider process of the running terraform; returns how many. */
function killProviders(bg: BackgroundTerraform): number {
  const ps = bg.providers();
  for (const p of ps) process.kill(p.pid, "SIGKILL");
  return ps.length;
}

async function withProviderLog<T>(tf: TerraformDir, file: string, fn: () => Promise<T>): Promise<T> {
  tf.env.TF_LOG_PROVIDER = "INFO";
  tf.env.TF_LOG_PATH = join(tf.dir, file);
  try {
    return await fn();
  } finally {
    tf.env.TF_LOG_PROVIDER = undefined;
    tf.env.TF_LOG_PATH = undefined;
  }
}

describe("the provider process is killed mid-move", () => {
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
      await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
      tf.remove();
    }
  });

  it("during pre-copy: the job runs on with nobody driving it; the state says a; the next apply aborts it and moves", async () => {
    const vm: GuestCase = { name: PRE, host: "a", testMib: 128, rate: 40, migration: { mode: "precopy", bandwidth_mib: 10, timeout_s: 600, probe: false } };
    const before = await deploy(tf, vm);
    const id = String(resourceValues(await tf.stateJson(), address(PRE))!.id);

    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    const bg = BackgroundTerraform.start(tf, APPLY);
    started.push(bg);
    const atKill = await precopyRunning("a", PRE);
    expect(killProviders(bg)).toBeGreaterThan(0);
    const r = await bg.result();
    expect(r.exitCode).toBe(1);
    // Terraform words it "Plugin did not respond" or "Request cancelled", by timing.
    expect(r.stderr).toMatch(/Plugin did not respond|Request cancelled/);
    expect(r.stderr).toMatch(/ApplyResourceChange/);

    // Nobody aborts or switches it: the pre-copy keeps copying (it cannot converge: 40 MiB/s
    // dirtied against a 10 MiB/s cap), the orphaned virsh still waiting on it.
    const later = await waitUntil("the orphaned pre-copy to make progress", async () => {
      const j = await connect("a").domJobInfo(PRE);
      expect(j.operation).toBe("Outgoing migration");
      return (j.memoryProcessedBytes ?? 0) > (atKill.memoryProcessedBytes ?? 0) ? j : undefined;
    });
    const orphans = migrateProcesses(PRE);
    console.log(
      `FINDING pre-copy orphan: job ${later.type} iteration ${later.iteration}, ` +
        `${later.memoryProcessedBytes} B processed (${atKill.memoryProcessedBytes} B at the kill); ` +
        `orphaned virsh migrate: ${orphans.map((p) => `pid ${p.pid} ppid ${p.ppid}`).join(", ") || "none"}; ` +
        `a ${shown(await stateOn("a", PRE))}, b ${shown(await stateOn("b", PRE))}`,
    );
    expect((await connect("a").domainState(PRE)).state).toBe("running");
    expect(await stateOn("b", PRE)).toEqual({ state: "paused", reason: "migrating" });
    // Read mid-move: the VM is the running source, even when the destination is asked first.
    expect((await vms.locate(id, "b"))?.host).toBe("a");
    expect(resourceValues(await tf.stateJson(), address(PRE))!.host).toBe("a");

    // The next apply, with a policy that can finish, settles the orphan (abort: the VM keeps
    // running on a) and then moves.
    tf.writeConfig(await configFor([{ ...vm, host: "b", migration: { mode: "postcopy", switch: "first-pass", probe: false } }]));
    await withProviderLog(tf, "next-apply.log", () => tf.run(APPLY));
    const log = providerLog(tf, "next-apply.log");
    expect(log).toMatch(/earlier migration found: a pre-copy move from a to b is still running with nobody driving it/);
    // Unlimited bandwidth: pass 1 may already converge (QEMU 10 needs no forced switch).
    expect(log).toMatch(/moved f1-kill-pre from a to b by (pre|post)-copy/);
    const v = resourceValues(await tf.stateJson(), address(PRE))!;
    expect(v.host).toBe("b");
    expect(v.id).toBe(id);
    expect(["postcopy", "precopy"]).toContain((v.last_move as Record<string, unknown>).mode);
    expect(shown(await stateOn("b", PRE))).toMatch(/^running/);
    expect(await stateOn("a", PRE)).toBe("absent");
    await expectContinuous(PRE, before, "b");
    // The orphaned virsh ended with its job.
    expect(migrateProcesses(PRE)).toEqual([]);
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  });

  it("during post-copy: libvirt finishes the move alone; Read says b; a move back waits for it", async () => {
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
    const id = String(resourceValues(await tf.stateJson(), address(POST))!.id);

    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    const bg = BackgroundTerraform.start(tf, APPLY);
    started.push(bg);
    await postcopyRunning("a", POST);
    const switchSeen = Date.now();
    expect(killProviders(bg)).toBeGreaterThan(0);

    // Right after the kill, at the same time:
    //  - Read: the destination's copy is the VM (the source is only paused "post-copy" with pages
    //    not yet sent), even with the source asked first. libvirt answers its XML only once the
    //    post-copy is over, so this read also shows when the orphan finished.
    //  - a move back to a (what an apply with host = "a" does) finds the orphan in post-copy: it
    //    cannot be aborted, so the move waits for it, then moves from b.
    const aAtRead = await stateOn("a", POST);
    const logs: string[] = [];
    const since = () => `+${((Date.now() - switchSeen) / 1000).toFixed(1)}s`;
    let readAt = "";
    // Once the move back has found the orphan and waits for it, the orphan's remaining pages
    // (1 MiB/s, so that the kill surely lands in post-copy) are only a wait: full speed for them.
    const orphanFound = () => logs.some((l) => /earlier migration found: a post-copy move from a to b is in flight/.test(l));
    const [where, out] = await Promise.all([
      vms.locate(id, "a").then((p) => ((readAt = since()), p)),
      moveVm({
        domain: POST,
        from: labHostTarget("b"),
        to: labHostTarget("a"),
        settings: validateSettings({ mode: "postcopy", switch: "first-pass", bandwidthMib: 40 }),
        strategy: "postcopy",
        log: (level, msg) => logs.push(`${since()} ${level} ${msg}`),
      }),
      waitUntil("the move back to find the orphan", async () => (orphanFound() ? true : undefined)).then(() => hurryPostcopy("a", POST)),
    ]);
    expect(where?.host).toBe("b");
    const orphanEnd = logs.findIndex((l) => l.includes("moving f1-kill-post from b to a"));
    console.log(
      `FINDING post-copy orphan: a was ${shown(aAtRead)} when the read started, ` +
        `which answered b at ${readAt} after the switch; ${logs.slice(0, orphanEnd + 1).join(" | ")}`,
    );
    expect(orphanFound()).toBe(true);
    expect(orphanEnd).toBeGreaterThan(0);
    expect(out.location).toBe("destination");
    expect(out.mode).toBe("postcopy");

    const r = await bg.result();
    expect(r.exitCode).toBe(1);
    // Terraform words it "Plugin did not respond" or "Request cancelled", by timing.
    expect(r.stderr).toMatch(/Plugin did not respond|Request cancelled/);
    expect(r.stderr).toMatch(/ApplyResourceChange/);
    expect(migrateProcesses(POST)).toEqual([]);
    expect(shown(await stateOn("a", POST))).toMatch(/^running/);
    expect(await stateOn("b", POST)).toBe("absent");
    await expectContinuous(POST, before, "a");

    // Terraform kept the prior state (a) — true again now; the next apply moves it to b.
    expect(resourceValues(await tf.stateJson(), address(POST))!.host).toBe("a");
    await tf.run(APPLY);
    expect(resourceValues(await tf.stateJson(), address(POST))!.host).toBe("b");
    expect(shown(await stateOn("b", POST))).toMatch(/^running/);
    await expectContinuous(POST, before, "b");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  });
});
