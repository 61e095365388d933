/**
 * Encrypted moves (migration.tls) on the lab, whose hosts carry QEMU migration TLS material made
 * by the lab's PKI (src/lab/pki.ts). What QEMU really does is read from the source QEMU while the
 * move runs (query-migrate-parameters): libvirt hands it TLS credentials and the name to check in
 * the destination's certificate, or none.
 *  - tls = "required": the plan says "encrypted with TLS", both hosts' migration.tls checks pass;
 *    the source QEMU migrates with tls-creds set (and no tls-hostname override: the certificate is
 *    checked against the migration URI's host, b's migration_host = its migration address).
 *  - back with tls = "off": the plan says "in clear", no migration.tls check; no tls-creds.
 * The guest is continuous through both. The first move is also watched live from "another
 * terminal": `npm run moves -- --watch` (scripts/moves.ts) reading the provider's progress files
 * prints progress lines for it while it runs and its end; `--svg` draws its timeline. Refusals (a missing or broken file under "required") are
 * in migration-tls-refused.test.ts: they change a host's files, so they run alone.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Heartbeat } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";
import { deployLab, expectContinuous, labConfig, tearDownLab, vmAddress, type LabHost, type LabVm } from "./support/lab-vms.js";
import { actionsOf, plannedAfter, resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tls-1";
// 256 MiB at 32 MiB/s: ~8 s of pre-copy, long enough to read QEMU's parameters mid-move.
const vm = (host: LabHost, tls: string): LabVm => ({ name: NAME, host, testMib: 32, rate: 1, migration: { tls, bandwidth_mib: 32 } });

/** Polls the source QEMU's migration parameters until a migration is running; returns them. */
async function parametersDuringMove(from: LabHost, apply: Promise<unknown>): Promise<Record<string, unknown>> {
  let done = false;
  void apply.finally(() => (done = true)).catch(() => undefined);
  const c = connect(from);
  while (!done) {
    const job = await c.domJobInfo(NAME).catch(() => null);
    if (job && (job.type === "Unbounded" || job.type === "Bounded") && (job.dataProcessedBytes ?? 0) > 0) return c.migrateParameters(NAME);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the move of ${NAME} ended before its migration job was seen on ${from}`);
}

describe("encrypted moves (migration.tls) on the lab", () => {
  let tf: TerraformDir;
  let before: Heartbeat;

  beforeAll(async () => {
    await requireLab();
    const lab = await deployLab([vm("a", "required")]);
    tf = lab.tf;
    before = lab.before.get(NAME)!;
  }, 240_000);

  afterAll(() => tearDownLab(tf, [NAME]), 120_000);

  it("tls = required: the plan says encrypted; QEMU migrates with TLS credentials, b's certificate checked; the guest is continuous on b", async () => {
    tf.writeConfig(await labConfig([vm("b", "required")]));
    const plan = await tf.planJson();
    expect(actionsOf(plan, vmAddress(NAME))).toEqual(["update"]);
    const verdict = String(plannedAfter(plan, vmAddress(NAME))?.preflight);
    console.log(`TLS-PLAN\n${verdict}`);
    expect(verdict.split("\n")[0]).toBe("a → b: live-migrates with post-copy (post-copy: yes; encrypted with TLS)");
    expect(verdict).toContain("[pass] a migration.tls — QEMU migration TLS material (as the source: client side)");
    expect(verdict).toContain("[pass] b migration.tls — QEMU migration TLS material (as the destination: server side)");

    // The provider writes its progress where the watcher looks (both told by LIVEVIRT_PROGRESS_DIR).
    const progress = mkdtempSync(join(tmpdir(), "livevirt-progress-"));
    // node itself (not npx → tsx → node), so that the kill below reaches the watcher.
    const watcher = execa(process.execPath, ["--import", "tsx", "scripts/moves.ts", "--watch", "--dir", progress, "--for", "180"], { reject: false });
    tf.env.LIVEVIRT_PROGRESS_DIR = progress;
    const apply = tf.run(["apply", "-input=false", "-no-color", "plan.bin"]).finally(() => delete tf.env.LIVEVIRT_PROGRESS_DIR);
    const params = await parametersDuringMove("a", apply);
    await apply;
    await new Promise((r) => setTimeout(r, 2500)); // the watcher polls every second
    watcher.kill("SIGTERM");
    const watched = String((await watcher).stdout);
    console.log(`WATCH\n${watched}`);
    try {
      // Lines while it ran (percent, MiB left, pass, phase, TLS), and its end.
      expect(watched).toMatch(new RegExp(`${NAME} a → b · \\d+ % · [\\d.]+ MiB left · .* · pass \\d+ · .*(pre-copy|post-copy).* · TLS`));
      expect(watched).toMatch(new RegExp(`${NAME} a → b · done by (pre|post)-copy in [\\d.]+ s · TLS`));
      const file = readdirSync(progress).find((f) => f.endsWith(`-${NAME}.jsonl`));
      expect(file).toBeDefined();
      await execa("npx", ["tsx", "scripts/moves.ts", "--svg", join(progress, file!)]);
      const svg = join(progress, file!.replace(/\.jsonl$/, ".svg"));
      expect(existsSync(svg)).toBe(true);
      expect(readFileSync(svg, "utf8")).toMatch(/<polyline [^>]*points="[^"]+ [^"]+"/);
    } finally {
      rmSync(progress, { recursive: true, force: true });
    }
    console.log(`TLS-QEMU ${JSON.stringify({ "tls-creds": params["tls-creds"], "tls-hostname": params["tls-hostname"] })}`);
    expect(String(params["tls-creds"] ?? "")).not.toBe("");
    // Empty: QEMU checks the certificate against the host of the migration URI, which is b's
    // qemu.conf migration_host — the name the migration.tls check found in b's certificate.
    expect(params["tls-hostname"]).toBe("");
    const state = resourceValues(await tf.stateJson(), vmAddress(NAME))!;
    expect(state.host).toBe("b");
    expect(String(state.preflight).split("\n")[0]).toContain("encrypted with TLS");
    expect((await connect("b").domainState(NAME)).state).toBe("running");
    await expectContinuous(NAME, before, "b");
  }, 240_000);

  it("back with tls = off: the plan says in clear and runs no TLS check; QEMU migrates without TLS credentials", async () => {
    tf.writeConfig(await labConfig([vm("a", "off")]));
    const plan = await tf.planJson();
    const verdict = String(plannedAfter(plan, vmAddress(NAME))?.preflight);
    expect(verdict.split("\n")[0]).toBe("b → a: live-migrates with post-copy (post-copy: yes; in clear)");
    expect(verdict).not.toContain("migration.tls");
    const apply = tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    const params = await parametersDuringMove("b", apply);
    await apply;
    expect(params["tls-creds"]).toBe("");
    expect(resourceValues(await tf.stateJson(), vmAddress(NAME))!.host).toBe("a");
    await expectContinuous(NAME, before, "a");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 240_000);
});
