/**
 * What a move costs on top of the move: `terraform apply` of a host change, and a cdktf deploy.
 *
 *   Part 1 (terraform): a real Terraform working directory with the project's provider and one idle lab
 *   guest (no memory dirtying), created once. Rounds alternate a → b and b → a. Each round times the whole
 *   `terraform apply -auto-approve` of the move (wall of the terraform process) and reads the move as
 *   livevirt records it (`last_move` in `terraform show -json`); in the same round the same guest is moved
 *   there and back by raw `virsh migrate` (bench/moves.ts's baseline). Odd rounds run Terraform with
 *   TF_LOG=trace into a file, from which the apply − move overhead is split (apply-trace.ts); even rounds
 *   run without it, to show what tracing itself costs.
 *   Part 2 (cdktf): a small cdktf app (apply-cdktf-app.ts) whose deploys move a second guest: `cdktf synth`,
 *   `terraform init`, `terraform plan -out`, `terraform apply <plan>` timed separately, then a whole
 *   `cdktf deploy --auto-approve` moving it back.
 *
 * Both parts first move the guest there and back untimed, so the probe verdicts are in the benchmark's own
 * on-disk cache (LIVEVIRT_CACHE_DIR in a temporary directory), as after a `terraform plan`.
 *
 * Run it alone on the lab (it times things): `flock -x /tmp/livevirt-lab.lock npm run bench:apply [-- …]`.
 * Prints figures, writes docs/bench/apply.md (+ apply.json); asserts nothing.
 *
 *   npm run bench:apply [-- --rounds 6 --cdktf-rounds 2 --part all|terraform|cdktf|report --label current --bw 0 --tls off]
 *
 * `--label` names the code measured (e.g. "before" on the baseline commit, "after"): results are kept per
 * label and part in apply.json, and the report puts the labels side by side.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { TerraformDir, type StateJson } from "../scripts/terraform-dir.js";
import { guestCmdline } from "../src/lab/guest/console.js";
import { consolePath, consolePathInHost, guestImages, removeGuest, waitForHeartbeats } from "../src/lab/guests.js";
import { labStatus } from "../src/lab/lab.js";
import { labHostTarget } from "../src/lab/targets.js";
import type { BenchAppInput } from "./apply-cdktf-app.js";
import { BREAKDOWN_KEYS, BREAKDOWN_LABELS, breakdown, parseTrace, type ApplyBreakdown, type BreakdownKey } from "./apply-trace.js";
import { readFlags } from "./flags.js";
import { moveVirsh } from "./moves.js";
import { machineLines, mdTable, printTable } from "./report.js";
import { fmtNum, median, medRange } from "./stats.js";

const ROOT = join(import.meta.dirname, "..");
const OUT_DIR = join(ROOT, "docs", "bench");
const JSON_OUT = join(OUT_DIR, "apply.json");
type H = "a" | "b";
const other = (h: H): H => (h === "a" ? "b" : "a");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Flags of this benchmark and their defaults (bench/flags.ts). */
export const APPLY_FLAGS = { rounds: "6", "cdktf-rounds": "2", part: "all", label: "current", bw: "0", tls: "off", "test-mib": "128" };

interface Cfg {
  rounds: number;
  cdktfRounds: number;
  bw: number;
  tls: "off" | "auto";
  testMib: number;
}

/** One `terraform apply` of a move, with the move as recorded and (traced rounds) its breakdown. */
export interface ApplySample {
  round: number;
  direction: string;
  traced: boolean;
  ok: boolean;
  error?: string;
  wallMs: number;
  /** last_move.finished_at − started_at: the move with livevirt's own checks around `virsh migrate`. */
  moveMs: number | null;
  /** last_move.total_ms: `virsh migrate` alone, inside livevirt. */
  migrateMs: number | null;
  mode: string | null;
  breakdown?: ApplyBreakdown;
}

export interface VirshSample {
  round: number;
  direction: string;
  ok: boolean;
  wallMs: number;
  mode: string;
  note: string;
}

export interface CdktfSample {
  round: number;
  /** "steps": synth, init, plan -out, apply <plan>; "deploy": cdktf deploy --auto-approve. */
  kind: "steps" | "deploy";
  direction: string;
  ok: boolean;
  error?: string;
  steps: Record<string, number>;
  moveMs: number | null;
  migrateMs: number | null;
}

/** A cdktf round's sample: what the state says of the move (ok when it landed on `to`), or the error that ended it. */
function cdktfSample(
  round: number,
  kind: CdktfSample["kind"],
  at: string,
  to: string,
  steps: Record<string, number>,
  outcome: { lastMove: LastMove | null } | { error: unknown },
): CdktfSample {
  const base = { round, kind, direction: `${at}→${to}`, steps };
  if ("error" in outcome) return { ...base, ok: false, error: (outcome.error as Error).message.slice(-1500), moveMs: null, migrateMs: null };
  const lm = outcome.lastMove;
  return { ...base, ok: lm?.to === to, moveMs: lm ? lm.finishedAt - lm.startedAt : null, migrateMs: lm?.totalMs ?? null };
}

interface Run {
  label: string;
  date: string;
  machine: string;
  cfg: Cfg;
  applies: ApplySample[];
  virsh: VirshSample[];
  cdktf: CdktfSample[];
  notes: string[];
}

interface Saved {
  runs: Run[];
}

const VM_TF = "bench-apply";
const VM_CDKTF = "bench-apply-cdktf";

async function freshNames(name: string): Promise<void> {
  for (const h of ["a", "b"] as const) {
    await removeGuest(h, name).catch(() => undefined);
    rmSync(consolePath(h, name), { force: true });
  }
}

function migrationBlock(c: Cfg): Record<string, unknown> {
  return { tls: c.tls, ...(c.bw > 0 ? { bandwidth_mib: c.bw } : {}) };
}

async function tfConfig(c: Cfg, host: H): Promise<Record<string, unknown>> {
  const img = await guestImages();
  const hostBlock = (h: H) => {
    const t = labHostTarget(h);
    return { name: h, uri: t.uri, migration_uri: t.migrationUri, shell: [...t.shell!] };
  };
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: { livevirt: { host: [hostBlock("a"), hostBlock("b")] } },
    resource: {
      livevirt_vm: {
        vm: {
          name: VM_TF,
          host,
          memory_mib: 256,
          domain_type: "qemu",
          kernel: img.kernel,
          initrd: img.initrd,
          cmdline: guestCmdline({ memMib: c.testMib, rateMibPerS: 0, heartbeatMs: 500 }),
          console_log: consolePathInHost(VM_TF),
          migration: [migrationBlock(c)],
        },
      },
    },
  };
}

interface LastMove {
  startedAt: number;
  finishedAt: number;
  totalMs: number;
  mode: string;
  from: string;
  to: string;
}

function lastMoveOf(state: StateJson): LastMove | null {
  const vm = state.values?.root_module?.resources?.find((r) => r.address.startsWith("livevirt_vm."))?.values;
  const lm = vm?.last_move as Record<string, unknown> | null | undefined;
  if (!lm || typeof lm.started_at !== "string" || typeof lm.finished_at !== "string") return null;
  return {
    startedAt: Date.parse(lm.started_at),
    finishedAt: Date.parse(lm.finished_at),
    totalMs: Number(lm.total_ms),
    mode: String(lm.mode),
    from: String(lm.from),
    to: String(lm.to),
  };
}

// ---------------------------------------------------------------- part 1: terraform apply

async function timedApply(tf: TerraformDir, round: number, from: H, traced: boolean, logDir: string): Promise<ApplySample> {
  const direction = `${from}→${other(from)}`;
  const log = join(logDir, `apply-${round}.log`);
  const env = traced ? { ...tf.env, TF_LOG: "trace", TF_LOG_PATH: log } : tf.env;
  const t0 = Date.now();
  const r = await execa("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: tf.dir, env, extendEnv: false, reject: false });
  const t1 = Date.now();
  if (r.exitCode !== 0) {
    return {
      round,
      direction,
      traced,
      ok: false,
      error: `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-3).join(" "),
      wallMs: t1 - t0,
      moveMs: null,
      migrateMs: null,
      mode: null,
    };
  }
  const lm = lastMoveOf(await tf.stateJson());
  const ok = lm !== null && lm.from === from && lm.to === other(from) && lm.finishedAt >= t0;
  const s: ApplySample = {
    round,
    direction,
    traced,
    ok,
    ...(ok ? {} : { error: `last_move does not record this move: ${JSON.stringify(lm)}` }),
    wallMs: t1 - t0,
    moveMs: lm ? lm.finishedAt - lm.startedAt : null,
    migrateMs: lm?.totalMs ?? null,
    mode: lm?.mode ?? null,
  };
  if (traced && lm && ok) s.breakdown = breakdown(parseTrace(readFileSync(log, "utf8")), t0, t1, lm);
  return s;
}

async function virshMove(round: number, from: H, c: Cfg): Promise<VirshSample> {
  const r = await moveVirsh(VM_TF, from, c.bw, { tls: c.tls !== "off" });
  return { round, direction: r.direction, ok: r.converged, wallMs: r.wallS * 1000, mode: r.mode, note: r.note };
}

function logApply(s: ApplySample): void {
  const b = s.breakdown;
  console.log(
    `  r${s.round} apply ${s.direction}${s.traced ? " (trace)" : ""}: ${s.ok ? "ok" : `FAILED ${s.error ?? ""}`} wall ${fmtNum(s.wallMs / 1000)} s, ` +
      `move ${fmtNum((s.moveMs ?? NaN) / 1000)} s (virsh migrate ${fmtNum((s.migrateMs ?? NaN) / 1000)} s), ` +
      `apply − move ${fmtNum((s.wallMs - (s.moveMs ?? NaN)) / 1000)} s${b?.probeRan ? " — the probe move ran" : ""}`,
  );
}

async function runTerraformPart(c: Cfg, run: Run, cacheDir: string): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), "livevirt-bench-apply-logs-"));
  await freshNames(VM_TF);
  const tf = await TerraformDir.create();
  tf.env.LIVEVIRT_CACHE_DIR = cacheDir;
  try {
    tf.writeConfig(await tfConfig(c, "a"));
    await tf.run(["init", "-input=false", "-no-color"]);
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    await waitForHeartbeats("a", VM_TF, 3);
    // Warm-up, untimed: the probe verdict of each direction into the cache, Terraform and the provider into the page cache.
    for (const h of ["b", "a"] as const) {
      tf.writeConfig(await tfConfig(c, h));
      await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    }
    let at: H = "a";
    for (let round = 1; round <= c.rounds; round++) {
      const to = other(at);
      const traced = round % 2 === 1;
      const virshFirst = round % 4 === 2 || round % 4 === 3; // both orders, for traced and untraced rounds
      if (virshFirst) {
        for (const h of [at, to]) run.virsh.push(await virshMove(round, h, c));
        await sleep(1000);
      }
      tf.writeConfig(await tfConfig(c, to));
      const s = await timedApply(tf, round, at, traced, logDir);
      run.applies.push(s);
      logApply(s);
      if (!s.ok) {
        run.notes.push(`round ${round}: the apply failed (${s.error}); the terraform part stopped there`);
        break;
      }
      at = to;
      await sleep(1000);
      if (!virshFirst) for (const h of [at, other(at)]) run.virsh.push(await virshMove(round, h, c));
      for (const v of run.virsh.filter((x) => x.round === round)) {
        console.log(`  r${round} virsh ${v.direction}: ${v.ok ? "ok" : "FAILED"} ${fmtNum(v.wallMs / 1000)} s ${v.mode} ${v.note}`);
      }
      if (run.virsh.some((v) => v.round === round && !v.ok)) {
        run.notes.push(`round ${round}: a raw virsh move failed; the terraform part stopped there`);
        break;
      }
      await sleep(1000);
    }
  } finally {
    await tf.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]).catch(() => undefined);
    await freshNames(VM_TF);
    tf.remove();
    rmSync(logDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- part 2: cdktf

class CdktfDir {
  readonly dir = mkdtempSync(join(tmpdir(), "livevirt-bench-cdktf-"));
  readonly stackDir = join(this.dir, "cdktf.out", "stacks", "livevirt-bench-apply");

  constructor(private readonly cacheDir: string) {
    for (const f of ["package.json", "tsconfig.json"]) cpSync(join(ROOT, f), join(this.dir, f));
    const cdktfJson = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")) as Record<string, unknown>;
    cdktfJson.app = `npx tsx ${join(ROOT, "bench", "apply-cdktf-app.ts")}`;
    writeFileSync(join(this.dir, "cdktf.json"), JSON.stringify(cdktfJson, null, 2));
    // The project's install, bindings and provider mirror: what `npm ci` (its postinstall build) leaves in a user's project.
    for (const d of ["node_modules", ".gen", ".mirror"]) symlinkSync(join(ROOT, d), join(this.dir, d), "dir");
  }

  /** A user's environment (ours minus TF_/CDKTF_ knobs) plus the documented offline switches and the app's input. */
  env(input: BenchAppInput): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(TF_|CDKTF_)/.test(k) && k !== "CI") env[k] = v;
    return {
      ...env,
      CHECKPOINT_DISABLE: "1",
      DISABLE_VERSION_CHECK: "true",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true",
      LIVEVIRT_CACHE_DIR: this.cacheDir,
      LIVEVIRT_BENCH_APPLY: JSON.stringify(input),
    };
  }

  async run(file: string, args: string[], env: Record<string, string>, cwd = this.dir): Promise<number> {
    const t0 = performance.now();
    const r = await execa(file, args, { cwd, env, extendEnv: false, reject: false, all: true });
    const ms = performance.now() - t0;
    if (r.exitCode !== 0) throw new Error(`${file} ${args.join(" ")} exited ${r.exitCode}:\n${String(r.all ?? "").slice(-3000)}`);
    return ms;
  }

  async lastMove(env: Record<string, string>): Promise<LastMove | null> {
    const r = await execa("terraform", ["show", "-json"], { cwd: this.stackDir, env, extendEnv: false });
    return lastMoveOf(JSON.parse(r.stdout) as StateJson);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function runCdktfPart(c: Cfg, run: Run, cacheDir: string, warm: boolean): Promise<void> {
  const img = await guestImages();
  await freshNames(VM_CDKTF);
  const p = new CdktfDir(cacheDir);
  const cdktf = join(ROOT, "node_modules", ".bin", "cdktf");
  const input = (host: H): BenchAppInput => ({
    hosts: (["a", "b"] as const).map(labHostTarget),
    host,
    vm: {
      name: VM_CDKTF,
      kernel: img.kernel,
      initrd: img.initrd,
      cmdline: guestCmdline({ memMib: c.testMib, rateMibPerS: 0, heartbeatMs: 500 }),
      consoleLog: consolePathInHost(VM_CDKTF),
      migration: { tls: c.tls, ...(c.bw > 0 ? { bandwidthMib: c.bw } : {}) },
    },
  });
  try {
    await p.run(cdktf, ["deploy", "--auto-approve"], p.env(input("a")));
    await waitForHeartbeats("a", VM_CDKTF, 3);
    if (!warm) {
      for (const h of ["b", "a"] as const) await p.run(cdktf, ["deploy", "--auto-approve"], p.env(input(h)));
    }
    let at: H = "a";
    for (let round = 1; round <= c.cdktfRounds; round++) {
      // The four steps a deploy consists of, one by one: at → other(at).
      let to = other(at);
      const env = p.env(input(to));
      const steps: Record<string, number> = {};
      let sample: CdktfSample;
      try {
        steps["cdktf synth"] = await p.run(cdktf, ["synth"], env);
        steps["terraform init"] = await p.run("terraform", ["init", "-input=false", "-no-color"], env, p.stackDir);
        steps["terraform plan -out"] = await p.run("terraform", ["plan", "-input=false", "-no-color", "-out=tfplan"], env, p.stackDir);
        steps["terraform apply <plan>"] = await p.run("terraform", ["apply", "-input=false", "-no-color", "tfplan"], env, p.stackDir);
        sample = cdktfSample(round, "steps", at, to, steps, { lastMove: await p.lastMove(env) });
      } catch (e) {
        sample = cdktfSample(round, "steps", at, to, steps, { error: e });
      }
      run.cdktf.push(sample);
      logCdktf(sample);
      if (!sample.ok) break;
      at = to;
      await sleep(1000);
      // The whole deploy, moving it back.
      to = other(at);
      const denv = p.env(input(to));
      try {
        const ms = await p.run(cdktf, ["deploy", "--auto-approve"], denv);
        sample = cdktfSample(round, "deploy", at, to, { "cdktf deploy --auto-approve": ms }, { lastMove: await p.lastMove(denv) });
      } catch (e) {
        sample = cdktfSample(round, "deploy", at, to, {}, { error: e });
      }
      run.cdktf.push(sample);
      logCdktf(sample);
      if (!sample.ok) break;
      at = to;
      await sleep(1000);
    }
  } finally {
    await p
      .run(cdktf, ["destroy", "--auto-approve"], p.env(input("a")))
      .catch((e) => run.notes.push(`cdktf destroy failed: ${(e as Error).message.split("\n")[0]}`));
    await freshNames(VM_CDKTF);
    p.remove();
  }
}

function logCdktf(s: CdktfSample): void {
  const total = Object.values(s.steps).reduce((a, b) => a + b, 0);
  console.log(
    `  r${s.round} cdktf ${s.kind} ${s.direction}: ${s.ok ? "ok" : `FAILED ${s.error ?? ""}`} ` +
      `${Object.entries(s.steps)
        .map(([k, v]) => `${k} ${fmtNum(v / 1000)} s`)
        .join(", ")}; total ${fmtNum(total / 1000)} s, move ${fmtNum((s.moveMs ?? NaN) / 1000)} s`,
  );
}

// ---------------------------------------------------------------- report

const secs = (xs: number[]) =>
  medRange(
    xs.map((x) => x / 1000),
    2,
  );
const nums = (xs: (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));

function applyRows(r: Run): { rows: (string | number)[][]; headline: string } {
  const ok = r.applies.filter((s) => s.ok && !s.breakdown?.probeRan);
  const plain = ok.filter((s) => !s.traced);
  const traced = ok.filter((s) => s.traced);
  const v = r.virsh.filter((s) => s.ok).map((s) => s.wallMs);
  const over = (ss: ApplySample[]) => nums(ss.map((s) => (s.moveMs === null ? null : s.wallMs - s.moveMs)));
  const row = (what: string, ss: ApplySample[]) => [
    r.label,
    what,
    ss.length,
    secs(ss.map((s) => s.wallMs)),
    secs(nums(ss.map((s) => s.moveMs))),
    secs(nums(ss.map((s) => s.migrateMs))),
    secs(over(ss)),
    fmtNum(median(nums(ss.map((s) => s.moveMs))) / median(v)),
    fmtNum(median(nums(ss.map((s) => s.migrateMs))) / median(v)),
  ];
  const all = [...plain, ...traced];
  return {
    rows: [
      row("apply, no trace", plain),
      row("apply, TF_LOG=trace", traced),
      row("all applies", all),
      [r.label, "raw virsh migrate", v.length, secs(v), "", "", "", "", ""],
    ],
    headline:
      `${r.label}: apply − move ${fmtNum(median(over(all)) / 1000)} s (target ≤ 1.5 s; n=${all.length}); ` +
      `livevirt move ÷ raw virsh ${fmtNum(median(nums(all.map((s) => s.moveMs))) / median(v))} (target ≤ 1.00; virsh n=${v.length})`,
  };
}

function breakdownRows(runs: Run[]): (string | number)[][] {
  const per = runs.map((r) => r.applies.flatMap((s) => (s.ok && s.breakdown && !s.breakdown.probeRan ? [s.breakdown] : [])));
  const med = (bs: ApplyBreakdown[], k: BreakdownKey) => median(bs.map((b) => b.parts.find((p) => p.key === k)!.ms));
  const rows: (string | number)[][] = BREAKDOWN_KEYS.map((k) => [BREAKDOWN_LABELS[k], ...per.map((bs) => fmtNum(med(bs, k), 0))]);
  rows.push(["**apply wall**", ...per.map((bs) => fmtNum(median(bs.map((b) => b.wallMs)), 0))]);
  rows.push(["**apply − move**", ...per.map((bs) => fmtNum(median(bs.map((b) => b.wallMs - b.moveMs)), 0))]);
  rows.push(["inside the move: before `virsh migrate` starts", ...per.map((bs) => fmtNum(median(nums(bs.map((b) => b.move.beforeMigrateMs))), 0))]);
  rows.push(["inside the move: `virsh migrate` (total_ms)", ...per.map((bs) => fmtNum(median(bs.map((b) => b.move.migrateMs)), 0))]);
  rows.push(["inside the move: after it ends (stats, verification)", ...per.map((bs) => fmtNum(median(nums(bs.map((b) => b.move.afterMigrateMs))), 0))]);
  rows.push(["n (traced applies, probe from the cache)", ...per.map((bs) => bs.length)]);
  return rows;
}

function cdktfRows(r: Run): (string | number)[][] {
  const steps = r.cdktf.filter((s) => s.ok && s.kind === "steps");
  const deploys = r.cdktf.filter((s) => s.ok && s.kind === "deploy");
  const names = ["cdktf synth", "terraform init", "terraform plan -out", "terraform apply <plan>"];
  const rows: (string | number)[][] = names.map((n) => [r.label, n, steps.length, secs(nums(steps.map((s) => s.steps[n])))]);
  const total = (s: CdktfSample) => Object.values(s.steps).reduce((a, b) => a + b, 0);
  rows.push([r.label, "sum of the four", steps.length, secs(steps.map(total))]);
  rows.push([r.label, "… of which the move (last_move)", steps.length, secs(nums(steps.map((s) => s.moveMs)))]);
  rows.push([r.label, "… fixed cost (sum − move)", steps.length, secs(nums(steps.map((s) => (s.moveMs === null ? null : total(s) - s.moveMs))))]);
  rows.push([
    r.label,
    "apply <plan> − move",
    steps.length,
    secs(nums(steps.map((s) => (s.moveMs === null ? null : s.steps["terraform apply <plan>"]! - s.moveMs)))),
  ]);
  rows.push([r.label, "cdktf deploy --auto-approve", deploys.length, secs(deploys.map(total))]);
  rows.push([r.label, "… of which the move (last_move)", deploys.length, secs(nums(deploys.map((s) => s.moveMs)))]);
  rows.push([r.label, "… fixed cost (deploy − move)", deploys.length, secs(nums(deploys.map((s) => (s.moveMs === null ? null : total(s) - s.moveMs))))]);
  return rows;
}

function writeReport(saved: Saved): void {
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(JSON_OUT, JSON.stringify(saved, null, 2) + "\n");
  const tfRuns = saved.runs.filter((r) => r.applies.length > 0);
  const cdRuns = saved.runs.filter((r) => r.cdktf.length > 0);
  const parts: string[] = [];
  parts.push(`# What a move costs on top of the move: \`terraform apply\` and \`cdktf deploy\`

\`npm run bench:apply\` on the two-host lab, run alone under the lab lock. One idle guest (256 MiB, memcheck keeping
its memory under test without rewriting it, TCG), moved a → b and b → a. Targets (issue 14): **apply − move ≤ 1.5 s**;
**livevirt's move ÷ raw virsh ≤ 1.00** for the idle guest. Medians with (min–max); nothing here is asserted by a test.

- **apply wall**: the whole \`terraform apply -auto-approve\` of the move (the terraform process, spawn to exit).
- **move**: the move as livevirt records it in the state: \`last_move.finished_at − started_at\` — from the move
  slot to the move verified on both hosts, i.e. \`virsh migrate\` plus livevirt's own checks just before and after it;
  \`total_ms\` is \`virsh migrate\` alone.
- **raw virsh**: in the same rounds, the same guest moved there and back by \`virsh migrate --live --p2p --persistent
  --undefinesource --postcopy --postcopy-after-precopy\` (bench/moves.ts's baseline; same \`--bandwidth\`/\`--tls\` as the
  guest's policy), timed from spawning virsh to its exit. Each round moves the guest once by Terraform and twice by virsh,
  in alternating order.
- Both parts first move the guest there and back untimed: the probe verdicts are then in the benchmark's on-disk cache,
  as after a \`terraform plan\`; an apply whose plan ran the probe anyway would be left out (none was, unless noted).
`);
  for (const r of saved.runs) {
    const policy = `tls = "${r.cfg.tls}", ${r.cfg.bw > 0 ? `bandwidth_mib = ${r.cfg.bw}` : "no bandwidth cap"}`;
    parts.push(`### Run "${r.label}"\n\n${r.machine}\n- guest policy: ${policy}; rounds: terraform ${r.cfg.rounds}, cdktf ${r.cfg.cdktfRounds}\n`);
    if (r.notes.length) parts.push(r.notes.map((n) => `- note: ${n}`).join("\n") + "\n");
  }
  parts.push(`## 1. \`terraform apply\` of a move vs the move, and livevirt's move vs raw virsh\n`);
  if (tfRuns.length === 0) parts.push("_not run_\n");
  else {
    const got = tfRuns.map(applyRows);
    parts.push(got.map((g) => `- ${g.headline}`).join("\n") + "\n");
    parts.push(
      mdTable(
        [
          "code",
          "what",
          "n",
          "apply wall s",
          "move s (last_move)",
          "virsh migrate in livevirt s",
          "apply − move s",
          "move ÷ raw virsh",
          "virsh migrate in livevirt ÷ raw virsh",
        ],
        got.flatMap((g) => g.rows),
      ) + "\n",
    );
    parts.push(`### Where apply − move goes (traced applies, medians in ms)

From TF_LOG=trace (Terraform's "starting plugin" / "plugin process exited" lines, the provider's "<RPC> done: ms=N" and
"preflight … [N ms" lines) and \`last_move\`. Terraform starts four provider processes for an \`apply -auto-approve\`:
schemas, validation, the plan walk (refresh + plan, with the preflight) and the apply walk (the apply's own re-plan,
with the preflight again — a new process, so the host facts are read again; then ApplyResourceChange). The rows sum
to the apply wall.

${mdTable(["part", ...tfRuns.map((r) => r.label)], breakdownRows(tfRuns))}
`);
    parts.push("All applies:\n");
    parts.push(
      mdTable(
        ["code", "round", "dir", "trace", "ok", "apply wall s", "move s", "virsh migrate s", "apply − move s", "mode", "probe ran"],
        tfRuns.flatMap((r) =>
          r.applies.map((s) => [
            r.label,
            s.round,
            s.direction,
            s.traced ? "yes" : "no",
            s.ok ? "yes" : `**no** ${s.error ?? ""}`.slice(0, 120),
            fmtNum(s.wallMs / 1000),
            fmtNum((s.moveMs ?? NaN) / 1000),
            fmtNum((s.migrateMs ?? NaN) / 1000),
            fmtNum((s.wallMs - (s.moveMs ?? NaN)) / 1000),
            s.mode ?? "–",
            s.breakdown ? (s.breakdown.probeRan ? "**yes**" : "no") : "–",
          ]),
        ),
      ) + "\n",
    );
    parts.push(
      "Raw virsh moves:\n\n" +
        mdTable(
          ["code", "round", "dir", "ok", "wall s", "mode"],
          tfRuns.flatMap((r) => r.virsh.map((v) => [r.label, v.round, v.direction, v.ok ? "yes" : `**no** ${v.note}`, fmtNum(v.wallMs / 1000), v.mode])),
        ) +
        "\n",
    );
  }
  parts.push(`## 2. A cdktf deploy's fixed cost

A cdktf app with the same kind of guest (bench/apply-cdktf-app.ts: \`LivevirtHosts\` + one \`VmPlacement\`, its host
from the environment) in a throw-away project dir (offline, the project's provider mirror). Each round: the four steps
a deploy consists of, one by one, moving the guest (\`cdktf synth\`; \`terraform init\`, \`terraform plan -out=tfplan\`,
\`terraform apply tfplan\` in the stack dir), then a whole \`cdktf deploy --auto-approve\` moving it back. Fixed cost =
wall − the move as recorded.
`);
  if (cdRuns.length === 0) parts.push("_not run_\n");
  else parts.push(mdTable(["code", "step", "n", "wall s"], cdRuns.flatMap(cdktfRows)) + "\n");
  writeFileSync(join(OUT_DIR, "apply.md"), parts.join("\n"));
}

export async function runApplyCost(args: string[] = process.argv.slice(2)): Promise<void> {
  const flag = readFlags(APPLY_FLAGS, args, "bench:apply");
  if (!["all", "terraform", "cdktf", "report"].includes(flag.part)) throw new Error(`--part: all, terraform, cdktf or report, not ${flag.part}`);
  if (flag.tls !== "off" && flag.tls !== "auto") throw new Error(`--tls: off or auto, not ${flag.tls}`);
  const c: Cfg = {
    rounds: Number(flag.rounds),
    cdktfRounds: Number(flag["cdktf-rounds"]),
    bw: Number(flag.bw),
    tls: flag.tls,
    testMib: Number(flag["test-mib"]),
  };
  const saved: Saved = existsSync(JSON_OUT) ? (JSON.parse(readFileSync(JSON_OUT, "utf8")) as Saved) : { runs: [] };
  if (flag.part === "report") {
    writeReport(saved);
    console.log(`wrote ${join(OUT_DIR, "apply.md")}`);
    return;
  }
  const status = await labStatus();
  if (!status.up || status.hosts.some((h) => h.pid === undefined || !h.answering))
    throw new Error("lab is not up (npm run lab:status); this benchmark never starts it");
  const versions = status.hosts.map((h) => `host ${h.name}: libvirt ${h.libvirt ?? "?"}, ${h.hypervisor ?? "?"}`).join("; ");
  const commit = (await execa("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, reject: false })).stdout.trim();
  const dirty = (await execa("git", ["status", "--porcelain", "src", "provider"], { cwd: ROOT, reject: false })).stdout.trim() !== "";
  const run: Run = {
    label: flag.label,
    date: new Date().toISOString(),
    machine: await machineLines([`code: ${commit}${dirty ? " + uncommitted changes in src/ or provider/" : ""}`, versions]),
    cfg: c,
    applies: [],
    virsh: [],
    cdktf: [],
    notes: [],
  };
  // Keep the other part of an earlier run with the same label when only one part runs now.
  const prev = saved.runs.find((r) => r.label === run.label);
  if (prev && flag.part === "terraform") run.cdktf = prev.cdktf;
  if (prev && flag.part === "cdktf") {
    run.applies = prev.applies;
    run.virsh = prev.virsh;
  }
  saved.runs = [...saved.runs.filter((r) => r.label !== run.label), run];
  const cacheDir = mkdtempSync(join(tmpdir(), "livevirt-bench-apply-cache-"));
  try {
    console.log(`bench:apply "${run.label}": ${c.rounds} terraform rounds, ${c.cdktfRounds} cdktf rounds`);
    if (flag.part !== "cdktf") {
      run.applies = [];
      run.virsh = [];
      await runTerraformPart(c, run, cacheDir);
      writeReport(saved);
    }
    if (flag.part !== "terraform") {
      run.cdktf = [];
      await runCdktfPart(c, run, cacheDir, flag.part === "all");
      writeReport(saved);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  if (run.applies.length) {
    const g = applyRows(run);
    printTable(["", ""], [["apply", g.headline]]);
    printTable(["part", run.label], breakdownRows([run]));
  }
  if (run.cdktf.length) printTable(["code", "step", "n", "wall s"], cdktfRows(run));
  console.log(`wrote ${join(OUT_DIR, "apply.md")}`);
}
