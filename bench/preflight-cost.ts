/**
 * Benchmark 4b — what the preflight of one planned host change costs, for the lab pair a → b.
 *   cold:        nothing cached (a new provider process at plan time): both hosts' facts + the probe move
 *   warm:        the same process again (a second VM moving between the same hosts in one plan)
 *   cold, no probe: what the apply re-check costs (an apply never runs the probe)
 *   fresh process, empty disk cache: runPreflight in a new process (cold, plus process start-up)
 *   fresh process, warm disk cache: a new process whose on-disk probe cache
 *                (src/preflight/probe-disk-cache.ts) holds the pass the cold run stored — what the
 *                re-plan of `terraform apply` costs; host facts are never kept on disk
 * Every cold variant gets its own empty LIVEVIRT_CACHE_DIR, so no run inherits another's entry.
 * Per part: the completion time of each host's facts and of the probe inside the cold run (they
 * run concurrently, as runPreflight starts them), plus their own durations (collectedMs, probe
 * durationMs). The lab lock is held per round. Prints figures, writes docs/bench/preflight.md.
 *
 *   npm run bench:preflight [-- --rounds 5]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { labStatus } from "../src/lab/lab.js";
import { loadState } from "../src/lab/state.js";
import { labHostTarget } from "../src/lab/targets.js";
import { clearPreflightCache, getHostFacts, probeMove, runPreflight } from "../src/preflight/index.js";
import type { PreflightOptions, PreflightReport } from "../src/preflight/types.js";
import { readFlags } from "./flags.js";
import { withLab } from "./lab-lock.js";
import { machineLines, mdTable, printTable } from "./report.js";
import { fmtNum, median, medRange } from "./stats.js";

const OUT_DIR = join(import.meta.dirname, "..", "docs", "bench");
const WARM_REPEATS = 3;

/** Flags of this benchmark and their defaults (bench/flags.ts). */
export const PREFLIGHT_FLAGS = { rounds: "5" };

/** The VM whose move is planned: a TCG lab-sized guest without disks (no domain needs to exist). */
function options(probe: boolean): PreflightOptions {
  return {
    vm: { name: "bench-preflight", memoryMib: 256, domainType: "qemu", disks: [], migration: { mode: "postcopy", onUnsupported: "fail" } },
    from: labHostTarget("a"),
    to: labHostTarget("b"),
    probe,
  };
}

export interface PreflightRun {
  totalMs: number;
  strategy: string;
  cached: PreflightReport["timing"]["cached"];
  /** Completion of each part, ms after the run started (cold runs only). */
  factsADoneMs?: number;
  factsBDoneMs?: number;
  probeDoneMs?: number;
  /** Each part's own duration as it reports it. */
  factsAMs?: number;
  factsBMs?: number;
  probeMs?: number;
  probeMoveMs?: number;
  probeSwitched?: boolean;
  /** Where the probe verdict came from: run now, the on-disk cache, or this process's memory. */
  probeSource?: "ran" | "disk" | "memory";
  /** fresh-process runs: wall of the whole child process (tsx start-up included). */
  processMs?: number;
}

/** One timed runPreflight; the parts are read off the same cached promises runPreflight started. */
async function timedRun(probe: boolean): Promise<PreflightRun> {
  const o = options(probe);
  const t0 = performance.now();
  const run = runPreflight(o);
  // runPreflight starts the host fact reads and the probe before its first await, so these calls
  // return the very promises it is waiting on.
  const since = <T>(p: Promise<T>) => p.then((v) => ({ v, at: performance.now() - t0 }));
  const fa = since(getHostFacts(o.from).promise);
  const fb = since(getHostFacts(o.to).promise);
  const pr = probe ? since(probeMove(o.from, o.to).promise) : undefined;
  const report = await run;
  const totalMs = performance.now() - t0;
  const [a, b, p] = await Promise.all([fa, fb, pr]);
  const out: PreflightRun = { totalMs, strategy: report.strategy, cached: report.timing.cached };
  if (!report.timing.cached.from) Object.assign(out, { factsADoneMs: a.at, factsAMs: a.v.collectedMs });
  if (!report.timing.cached.to) Object.assign(out, { factsBDoneMs: b.at, factsBMs: b.v.collectedMs });
  if (p) {
    const probeSource = p.v.fromDiskCache ? "disk" : report.timing.cached.probe ? "memory" : "ran";
    Object.assign(out, { probeSource, probeDoneMs: p.at });
    if (probeSource === "ran") Object.assign(out, { probeMs: p.v.durationMs, probeMoveMs: p.v.moveMs, probeSwitched: p.v.switched });
  }
  return out;
}

/** runPreflight in a new process (this file with --child), as a new provider process would run it. */
async function freshProcessRun(cacheDir: string): Promise<PreflightRun> {
  const t0 = performance.now();
  const r = await execa("npx", ["tsx", join(import.meta.dirname, "preflight-cost.ts"), "--child"], {
    env: { LIVEVIRT_LAB_LOCK_HELD: "1", ...diskCacheEnv(cacheDir) },
  });
  const processMs = performance.now() - t0;
  const line = String(r.stdout).trim().split("\n").pop() ?? "";
  return { ...(JSON.parse(line) as PreflightRun), processMs };
}

/** The on-disk probe cache pointed at `dir`, with its default TTL spelled out (never "off"). */
const diskCacheEnv = (dir: string) => ({ LIVEVIRT_CACHE_DIR: dir, LIVEVIRT_PROBE_CACHE_TTL_S: "600" });

interface Round {
  round: number;
  cold: PreflightRun;
  warm: PreflightRun[];
  coldNoProbe: PreflightRun;
  /** A new process with an empty disk cache. */
  freshCold: PreflightRun;
  /** A new process whose disk cache holds the cold run's probe pass. */
  freshDisk: PreflightRun;
}

async function oneRound(round: number): Promise<Round> {
  // Alternate which cold variant goes first: the first one after the lock may meet a busier machine.
  const r: Partial<Round> = { round };
  const dirs = [1, 2, 3].map(() => mkdtempSync(join(tmpdir(), "livevirt-bench-cache-")));
  const [coldDir, noProbeDir, freshColdDir] = dirs as [string, string, string];
  const useDisk = (dir: string) => Object.assign(process.env, diskCacheEnv(dir));
  const coldWithProbe = async () => {
    clearPreflightCache();
    useDisk(coldDir);
    r.cold = await timedRun(true);
    r.warm = [];
    for (let i = 0; i < WARM_REPEATS; i++) r.warm.push(await timedRun(true));
  };
  const coldNoProbe = async () => {
    clearPreflightCache();
    useDisk(noProbeDir);
    r.coldNoProbe = await timedRun(false);
  };
  try {
    if (round % 2 === 1) {
      await coldWithProbe();
      await coldNoProbe();
    } else {
      await coldNoProbe();
      await coldWithProbe();
    }
    r.freshCold = await freshProcessRun(freshColdDir);
    r.freshDisk = await freshProcessRun(coldDir);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return r as Round;
}

const ms = (xs: (number | undefined)[], digits = 0) =>
  medRange(
    xs.filter((x): x is number => x !== undefined),
    digits,
  );
const cachedText = (r: PreflightRun) =>
  `facts a ${r.cached.from ? "memory" : "read"}, b ${r.cached.to ? "memory" : "read"}${r.probeSource ? `, probe ${r.probeSource}` : ", no probe"}`;
const med = (xs: number[]) => median(xs);

function headline(rounds: Round[]): string[] {
  const cold = med(rounds.map((r) => r.cold.totalMs));
  const warm = med(rounds.flatMap((r) => r.warm.map((w) => w.totalMs)));
  const disk = med(rounds.map((r) => r.freshDisk.totalMs));
  const freshCold = med(rounds.map((r) => r.freshCold.totalMs));
  return [
    `preflight a→b cold (facts + probe) ${ms(rounds.map((r) => r.cold.totalMs))} ms; warm in-process ${ms(
      rounds.flatMap((r) => r.warm.map((w) => w.totalMs)),
      2,
    )} ms; cold ÷ warm = ${fmtNum(cold / warm, 0)}×`,
    `new process: empty disk cache ${ms(rounds.map((r) => r.freshCold.totalMs))} ms ` +
      `vs probe from the disk cache ${ms(rounds.map((r) => r.freshDisk.totalMs))} ms ` +
      `(probe reused in ${rounds.filter((r) => r.freshDisk.probeSource === "disk").length}/${rounds.length}); ` +
      `cold ÷ warm-from-disk = ${fmtNum(freshCold / disk, 1)}×`,
    `parts (cold, concurrent): facts a ${ms(rounds.map((r) => r.cold.factsAMs))} ms, facts b ${ms(rounds.map((r) => r.cold.factsBMs))} ms, ` +
      `probe move ${ms(rounds.map((r) => r.cold.probeMs))} ms; apply re-check (cold, no probe) ${ms(rounds.map((r) => r.coldNoProbe.totalMs))} ms`,
  ];
}

function writeReport(header: string, rounds: Round[]): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const warmRuns = rounds.flatMap((r) => r.warm);
  const rowsOf = (label: string, runs: PreflightRun[], digits = 0) => [
    label,
    runs.length,
    ms(
      runs.map((x) => x.totalMs),
      digits,
    ),
    [...new Set(runs.map(cachedText))].join("; "),
    [...new Set(runs.map((x) => x.strategy))].join(", "),
  ];
  const cold = med(rounds.map((r) => r.cold.totalMs));
  const warm = med(warmRuns.map((w) => w.totalMs));
  const coldNp = med(rounds.map((r) => r.coldNoProbe.totalMs));
  const freshCold = med(rounds.map((r) => r.freshCold.totalMs));
  const freshDisk = med(rounds.map((r) => r.freshDisk.totalMs));
  const parts = (label: string, pick: (r: Round) => PreflightRun) => [
    [`${label}: host a facts`, ms(rounds.map((r) => pick(r).factsADoneMs)), ms(rounds.map((r) => pick(r).factsAMs))],
    [`${label}: host b facts`, ms(rounds.map((r) => pick(r).factsBDoneMs)), ms(rounds.map((r) => pick(r).factsBMs))],
    [`${label}: probe verdict`, ms(rounds.map((r) => pick(r).probeDoneMs)), ms(rounds.map((r) => pick(r).probeMs))],
  ];
  const md =
    `# Preflight cost per host pair (benchmark 4b)

\`npm run bench:preflight\` — \`runPreflight\` (src/preflight) for a planned move of a 256 MiB TCG VM from lab host
**a to b**: what \`terraform plan\` pays per host pair on top of the plan cost of [plan-cost.md](plan-cost.md).

${header}

Per round (the lab lock is held per round), each cold variant with its own empty on-disk cache directory
(\`LIVEVIRT_CACHE_DIR\`; TTL 600 s):
- **cold** — caches cleared: both hosts' facts (virsh version / capabilities / domcapabilities / freecell, kernel
  and qemu.conf reads through the host's shell, the bare-QEMU post-copy probe) and the throw-away **probe move**
  (64 MiB no-OS domain, post-copy forced), as a new provider process does at plan time. Its pass is stored on disk.
- **warm** ×${WARM_REPEATS} in the same process: what a second VM moving between the same hosts in the same plan costs.
- **cold, no probe**: the apply's own re-check (an apply never runs the probe). The two cold variants alternate order.
- **new process, empty disk cache**: \`tsx\` child, one runPreflight — cold again, as a new provider process.
- **new process, warm disk cache**: a child pointed at the cold run's cache directory — what the re-plan inside
  \`terraform apply\` costs: the probe verdict comes from disk (src/preflight/probe-disk-cache.ts); host facts are
  never stored on disk, so they are read again (the cached entry's key needs them).

Times are runPreflight's own (in-process, \`performance.now()\`); the child processes' start-up is listed separately.

## Summary (ms, median (min–max) over ${rounds.length} rounds)

${mdTable(
  ["variant", "n", "runPreflight ms", "where each part came from", "strategy"],
  [
    rowsOf(
      "cold: facts + probe (plan, new process)",
      rounds.map((r) => r.cold),
    ),
    rowsOf(`warm: same process (×${WARM_REPEATS} per round)`, warmRuns, 2),
    rowsOf(
      "cold, no probe (apply re-check)",
      rounds.map((r) => r.coldNoProbe),
    ),
    rowsOf(
      "new process, empty disk cache",
      rounds.map((r) => r.freshCold),
    ),
    rowsOf(
      "new process, warm disk cache (apply's re-plan)",
      rounds.map((r) => r.freshDisk),
    ),
  ],
)}

Ratios of medians:
- **cold ÷ warm in-process = ${fmtNum(cold / warm, 0)}×** (${fmtNum(cold, 0)} ms vs ${fmtNum(warm, 2)} ms: a warm run awaits settled promises and re-runs ` +
    `the pure checks).
- **new process: cold ÷ warm-from-disk = ${fmtNum(freshCold / freshDisk, 1)}×** (${fmtNum(freshCold, 0)} ms vs ${fmtNum(freshDisk, 0)} ms: the disk cache ` +
    `saves the probe move; the host facts remain).
- cold with probe ÷ cold without = ${fmtNum(cold / coldNp, 2)}.
- Child process wall (tsx start-up + imports + runPreflight): ${ms(rounds.flatMap((r) => [r.freshCold.processMs, r.freshDisk.processMs]))} ms.

Parts (ms): the reads run concurrently inside runPreflight; "done at" is when each finished after the start,
"own" is the part's own measured duration (\`collectedMs\`, probe \`durationMs\`; a reused probe has none).

${mdTable(
  ["part", "done at (after start)", "own duration"],
  [
    ...parts("cold", (r) => r.cold),
    ["cold: probe move alone (virsh migrate)", "", ms(rounds.map((r) => r.cold.probeMoveMs))],
    ["cold: whole runPreflight", ms(rounds.map((r) => r.cold.totalMs)), ""],
    ...parts("new process, warm disk", (r) => r.freshDisk),
    ["new process, warm disk: whole runPreflight", ms(rounds.map((r) => r.freshDisk.totalMs)), ""],
  ],
)}

The probe switched to post-copy in ${rounds.filter((r) => r.cold.probeSwitched).length}/${rounds.length} cold runs.

${headline(rounds)
  .map((h) => `- ${h}`)
  .join("\n")}

Raw (ms):

${mdTable(
  ["round", "cold", "warm", "cold no probe", "new process, empty disk", "new process, warm disk", "warm disk: parts"],
  rounds.map((r) => [
    r.round,
    r.cold.totalMs.toFixed(0),
    r.warm.map((w) => w.totalMs.toFixed(2)).join(", "),
    r.coldNoProbe.totalMs.toFixed(0),
    r.freshCold.totalMs.toFixed(0),
    r.freshDisk.totalMs.toFixed(0),
    cachedText(r.freshDisk),
  ]),
)}
`;
  writeFileSync(join(OUT_DIR, "preflight.md"), md);
  writeFileSync(join(OUT_DIR, "preflight.json"), JSON.stringify(rounds, null, 2) + "\n");
}

export async function runPreflightCost(args: string[] = process.argv.slice(2)): Promise<void> {
  const flag = readFlags(PREFLIGHT_FLAGS, args, "bench:preflight");
  const n = Number(flag.rounds);
  let header = "";
  // Versions are read under the lock with the first round (the lab may be mid-restart before).
  const describeLab = async () => {
    const status = await labStatus();
    const versions = status.hosts.map((h) => `host ${h.name}: libvirt ${h.libvirt ?? "?"}, ${h.hypervisor ?? "?"}, QEMU as ${h.qemu ?? "?"}`).join("; ");
    header = await machineLines([
      versions,
      `guests under ${(loadState()?.accel.accel ?? "tcg").toUpperCase()} (the probe domain is TCG either way)`,
      `rounds: ${n}`,
    ]);
  };
  const rounds: Round[] = [];
  console.log(`benchmark 4b: preflight a→b, ${n} rounds`);
  for (let i = 1; i <= n; i++) {
    const r = await withLab(`preflight round ${i}`, async () => {
      if (!header) await describeLab();
      return oneRound(i);
    });
    console.log(
      `  r${i}: cold ${r.cold.totalMs.toFixed(0)} ms (facts a ${r.cold.factsAMs ?? "–"}, b ${r.cold.factsBMs ?? "–"}, probe ${r.cold.probeMs ?? "–"}), ` +
        `warm ${r.warm.map((w) => w.totalMs.toFixed(2)).join("/")} ms, ` +
        `cold no probe ${r.coldNoProbe.totalMs.toFixed(0)} ms, new process ${r.freshCold.totalMs.toFixed(0)} ms (${cachedText(r.freshCold)}), ` +
        `new process + disk ${r.freshDisk.totalMs.toFixed(0)} ms (${cachedText(r.freshDisk)})`,
    );
    rounds.push(r);
    writeReport(header, rounds);
  }
  printTable(
    ["", ""],
    headline(rounds).map((h) => ["4b.", h]),
  );
  console.log(`wrote ${join(OUT_DIR, "preflight.md")}`);
}

async function child(): Promise<void> {
  const r = await timedRun(true);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  (process.argv.includes("--child") ? child() : runPreflightCost()).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
