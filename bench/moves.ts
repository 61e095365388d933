/**
 * Benchmarks 1 and 2 — moves on the two-host lab (needs `npm run lab:up`; never brings it down).
 *   1 (sweep): a 256 MiB guest, bandwidth capped, dirty rate swept; pre-copy only (timeout
 *     factor × RAM ÷ bandwidth) vs livevirt post-copy (switch "auto"), fresh guest per config.
 *   2 (ab): the same guest moved alternately by raw `virsh migrate --live --postcopy
 *     --postcopy-after-precopy` and by livevirt's engine, several rounds per dirty rate.
 * Prints figures and writes docs/bench/moves.md (+ SVG, + raw JSON). Asserts nothing.
 *
 *   npm run bench:moves [-- --only sweep|ab --rounds 5 --bw 16 --rates 0,8,20,40 --methods precopy,livevirt
 *                          --ab-rates 0,8,20,40 --timeout-factor 10]
 *
 * With --only, the rates not re-run keep their results from moves.json, so a long run can be done
 * one rate at a time (e.g. `--only ab --ab-rates 8`), releasing the lab between chunks.
 * `--only report` rewrites moves.md and the plots from moves.json without moving anything.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "../src/model/index.js";
import { bootGuest, consolePath, removeGuest, waitForEcho, waitForHeartbeats } from "../src/lab/guests.js";
import { startStream } from "../src/lab/tcp-stream.js";
import { GUEST_NET } from "../src/lab/topology.js";
import { hostUri, labStatus, migrationUri } from "../src/lab/lab.js";
import { startMigration } from "../src/libvirt/migrate.js";
import { moveVm } from "../src/migration/engine.js";
import { MoveLimits } from "../src/migration/limits.js";
import { completedStats, watchSourceEvents } from "../src/migration/job-stats.js";
import type { MoveLog } from "../src/migration/monitor.js";
import { validateSettings } from "../src/migration/policy.js";
import { readFlags } from "./flags.js";
import { linePlot } from "./svg-plot.js";
import { fmtNum, median, medRange } from "./stats.js";
import { machineLines, mdTable } from "./report.js";

const OUT_DIR = join(import.meta.dirname, "..", "docs", "bench");
type H = "a" | "b";
const target = (h: H): Host => ({ name: h, uri: hostUri(h), migrationUri: migrationUri(h) });
const other = (h: H): H => (h === "a" ? "b" : "a");
const MiB = 1048576;

/** Flags of this benchmark and their defaults (bench/flags.ts). */
export const MOVES_FLAGS = {
  only: "all",
  methods: "precopy,livevirt",
  ram: "256",
  "test-mib": "128",
  bw: "16",
  "timeout-factor": "10",
  rounds: "5",
  rates: "0,8,20,40",
  "ab-rates": "0,8,20,40",
};
const nums = (s: string) => s.split(",").map(Number);

export interface MoveSample {
  method: "precopy" | "livevirt" | "virsh";
  rateMibPerS: number;
  round: number;
  direction: string;
  converged: boolean;
  /** Wall clock of the whole call (livevirt: moveVm incl. its checks, event stream and verification). */
  wallS: number;
  /** livevirt: from starting `virsh migrate` to its end (moveVm's totalMs); virsh: = wallS. */
  migrateS?: number | null;
  /** livevirt: the dirty rate measured during pass 1, MiB/s. */
  hintMibPerS?: number | null;
  /** libvirt job elapsed time where known. */
  jobS: number | null;
  downtimeMs: number | null;
  bytes: number | null;
  postcopyRequests: number | null;
  mode: string;
  note: string;
  /** When the move ran (results of several invocations are merged). */
  date?: string;
  /** Sweep: the longest gap (ms) in a TCP echo stream from the lab's client namespace to the guest across the move. */
  tcpGapMs?: number | null;
  /** Sweep: every byte of that stream came back, in order, and the connection was never reset. */
  tcpIntact?: boolean | null;
}

const quietLog: MoveLog = (level, msg) => {
  if (level === "warn") console.log(`  [${level}] ${msg}`);
};

async function freshGuest(name: string, rate: number, ramMib: number, testMib: number, net?: { ip: string; echoPort: number }): Promise<void> {
  for (const h of ["a", "b"] as const) {
    await removeGuest(h, name).catch(() => undefined);
    rmSync(consolePath(h, name), { force: true });
  }
  await bootGuest("a", { name, memoryMib: ramMib, testMib, rateMibPerS: rate, heartbeatMs: 500, ...(net ? { net } : {}) });
  await waitForHeartbeats("a", name, 3);
}

/** The move with a TCP echo stream from the client namespace flowing across it (guest booted with `net`). */
async function withStream<T>(
  name: string,
  net: { ip: string; echoPort: number },
  move: () => Promise<T>,
): Promise<{ r: T; gapMs: number | null; intact: boolean | null }> {
  if (!(await waitForEcho("a", name))) return { r: await move(), gapMs: null, intact: null };
  const stream = await startStream(net.ip, net.echoPort);
  const r = await move();
  const { result } = await stream.stop();
  return { r, gapMs: result?.maxGapMs ?? null, intact: result ? result.err === null && result.bad === 0 && result.recv === result.sent : null };
}

async function dropGuest(name: string): Promise<void> {
  for (const h of ["a", "b"] as const) await removeGuest(h, name).catch(() => undefined);
}

async function moveLivevirt(
  name: string,
  from: H,
  bw: number,
  strategy: "postcopy" | "precopy",
  timeoutS: number,
): Promise<Omit<MoveSample, "method" | "rateMibPerS" | "round">> {
  const t0 = performance.now();
  const settings =
    strategy === "postcopy"
      ? validateSettings({ mode: "postcopy", switch: "auto", bandwidthMib: bw, timeoutS })
      : validateSettings({ mode: "precopy", bandwidthMib: bw, timeoutS });
  try {
    const o = await moveVm({ domain: name, from: target(from), to: target(other(from)), settings, strategy, log: quietLog, limits: new MoveLimits() });
    return {
      direction: `${from}→${other(from)}`,
      converged: true,
      wallS: (performance.now() - t0) / 1000,
      migrateS: o.totalMs / 1000,
      hintMibPerS: o.dirtyRateHintMibPerS,
      jobS: o.jobElapsedMs === null ? o.totalMs / 1000 : o.jobElapsedMs / 1000,
      downtimeMs: o.downtimeMs,
      bytes: o.bytes,
      postcopyRequests: o.postcopyRequests,
      mode: o.mode + (o.switchedAtIteration !== null ? ` (switch @ iter ${o.switchedAtIteration})` : ""),
      note: o.statsOrigin ?? "",
    };
  } catch (e) {
    return failedSample(from, t0, strategy, e);
  }
}

/** A move that did not complete (aborted pre-copy, virsh error): timed, with no statistics. */
function failedSample(from: H, t0: number, mode: string, e: unknown): Omit<MoveSample, "method" | "rateMibPerS" | "round"> {
  return {
    direction: `${from}→${other(from)}`,
    converged: false,
    wallS: (performance.now() - t0) / 1000,
    jobS: null,
    downtimeMs: null,
    bytes: null,
    postcopyRequests: null,
    mode,
    note: (e as Error).message.split("\n")[0]!.slice(0, 160),
  };
}

/**
 * The baseline: a raw `virsh migrate --live --p2p --persistent --undefinesource --postcopy --postcopy-after-precopy`
 * of the domain to the other lab host (bench:apply reuses it). `bw` 0: no `--bandwidth`; `tls`: `--tls`.
 */
export async function moveVirsh(
  name: string,
  from: H,
  bw: number,
  opts: { tls?: boolean } = {},
): Promise<Omit<MoveSample, "method" | "rateMibPerS" | "round">> {
  const src = target(from);
  const dst = target(other(from));
  const events = await watchSourceEvents(src, name, quietLog);
  const t0 = performance.now();
  try {
    const h = startMigration(src.uri, name, dst.migrationUri ?? dst.uri, {
      live: true,
      p2p: true,
      postcopy: true,
      postcopyAfterPrecopy: true,
      persistent: true,
      undefineSource: true,
      ...(bw > 0 ? { bandwidth: bw } : {}),
      ...(opts.tls ? { tls: true } : {}),
      processTimeoutMs: 300_000,
    });
    await h.done;
    const wallS = (performance.now() - t0) / 1000;
    const st = await completedStats(events, src, name, quietLog);
    const s = st?.stats;
    const switched = events.lifecycle.some((ev) => /post-?copy/i.test(`${ev.event} ${ev.detail}`)) || (s?.postcopyRequests ?? 0) > 0;
    return {
      direction: `${from}→${other(from)}`,
      converged: true,
      wallS,
      migrateS: wallS,
      jobS: s?.timeElapsedMs !== undefined ? s.timeElapsedMs / 1000 : null,
      downtimeMs: s?.downtimeMs ?? null,
      bytes: s?.dataProcessedBytes ?? s?.memoryProcessedBytes ?? null,
      postcopyRequests: s?.postcopyRequests ?? null,
      mode: switched ? "postcopy" : "precopy",
      note: st?.origin ?? "no stats",
    };
  } catch (e) {
    return failedSample(from, t0, "?", e);
  } finally {
    await events.close().catch(() => undefined);
  }
}

const mib = (b: number | null) => (b === null ? "–" : (b / MiB).toFixed(1));
const log1 = (s: MoveSample) =>
  console.log(
    `  ${s.method.padEnd(8)} rate ${s.rateMibPerS} r${s.round} ${s.direction}: ${s.converged ? "ok" : "NOT CONVERGED"} wall ${fmtNum(s.wallS)} s ` +
      `(migrate ${fmtNum(s.migrateS)} s), hint ${s.hintMibPerS ?? "–"}, job ${fmtNum(s.jobS)} s, downtime ${s.downtimeMs ?? "–"} ms, ${mib(s.bytes)} MiB, ` +
      `pc-req ${s.postcopyRequests ?? "–"}, ${s.mode} ${s.note ? `(${s.note})` : ""}`,
  );

interface Ctx {
  ramMib: number;
  testMib: number;
  bw: number;
  timeoutFactor: number;
  sweep: MoveSample[];
  ab: MoveSample[];
  abRounds: number;
  header: string;
  notes: string[];
}

async function runSweep(c: Ctx, rates: number[], methods: readonly ("precopy" | "livevirt")[]): Promise<void> {
  const ideal = c.ramMib / c.bw;
  const preTimeout = Math.ceil(c.timeoutFactor * ideal);
  for (const rate of rates) {
    for (const method of methods) {
      const name = `bench-sw-${rate}-${method === "precopy" ? "pre" : "lv"}`;
      const net = { ip: `${GUEST_NET.guestBase}${40 + (rate % 200)}`, echoPort: 7000 };
      await freshGuest(name, rate, c.ramMib, c.testMib, net);
      const { r, gapMs, intact } = await withStream(name, net, () =>
        moveLivevirt(name, "a", c.bw, method === "precopy" ? "precopy" : "postcopy", method === "precopy" ? preTimeout : Math.max(120, preTimeout)),
      );
      const s: MoveSample = { method, rateMibPerS: rate, round: 1, ...r, tcpGapMs: gapMs, tcpIntact: intact, date: new Date().toISOString() };
      c.sweep.push(s);
      log1(s);
      await dropGuest(name);
      writeReport(c);
    }
  }
}

async function runAb(c: Ctx, rates: number[]): Promise<void> {
  for (const rate of rates) {
    const name = `bench-ab-${rate}`;
    await freshGuest(name, rate, c.ramMib, c.testMib);
    let at: H = "a";
    for (let round = 1; round <= c.abRounds; round++) {
      const order = round % 2 === 1 ? (["livevirt", "virsh"] as const) : (["virsh", "livevirt"] as const);
      for (const method of order) {
        const r = method === "virsh" ? await moveVirsh(name, at, c.bw) : await moveLivevirt(name, at, c.bw, "postcopy", 300);
        const s: MoveSample = { method, rateMibPerS: rate, round, ...r, date: new Date().toISOString() };
        c.ab.push(s);
        log1(s);
        if (!s.converged) {
          c.notes.push(`A/B rate ${rate}: ${method} move failed in round ${round} (${s.note}); rest of this rate skipped`);
          round = c.abRounds + 1;
          break;
        }
        at = other(at);
        // let the guest settle back to its steady dirty rate after the move
        await new Promise((res) => setTimeout(res, 2000));
      }
    }
    await dropGuest(name);
    writeReport(c);
  }
}

/** A median point with its min–max spread and sample count (no samples: no point). */
function spreadPoint(x: number, ys: number[]): { x: number; y: number; lo?: number; hi?: number; label?: string } {
  if (ys.length === 0) return { x, y: NaN };
  return { x, y: median(ys), lo: Math.min(...ys), hi: Math.max(...ys), label: `n=${ys.length}` };
}

function writeReport(c: Ctx): void {
  mkdirSync(OUT_DIR, { recursive: true });
  // Merged invocations append out of order: rows and plots go by rate (stable: rounds keep theirs).
  const byRate = (x: MoveSample, y: MoveSample) => x.rateMibPerS - y.rateMibPerS;
  c.sweep.sort((x, y) => byRate(x, y) || (x.method === y.method ? 0 : x.method === "precopy" ? -1 : 1));
  c.ab.sort(byRate);
  const ideal = c.ramMib / c.bw;
  const parts: string[] = [c.header];
  // ---- sweep
  parts.push(`## 1. Move time vs dirty rate\n`);
  if (c.sweep.length === 0) parts.push("_not run_\n");
  else {
    parts.push(
      `Guest ${c.ramMib} MiB (memcheck keeps ${c.testMib} MiB under test), bandwidth cap ${c.bw} MiB/s (\`--bandwidth\`), ` +
        `RAM ÷ bandwidth = ${ideal.toFixed(1)} s. ` +
        `Pre-copy only: engine with strategy "precopy", timeout ${c.timeoutFactor} × RAM ÷ bandwidth = ${Math.ceil(c.timeoutFactor * ideal)} s ` +
        `(aborted → not converged, guest stays on the source). ` +
        `livevirt: engine with mode "postcopy", switch "auto". One move per cell (1 round), a fresh guest for each, a → b. ` +
        `Time = wall clock of the whole call (livevirt's includes its checks, event stream and verification; its dirty-rate measurement runs during pass 1); ` +
        `job = libvirt's elapsed time.\n`,
    );
    const header = ["dirty MiB/s", "mode", "converged", "total s (wall)", "job s", "downtime ms", "MiB sent", "post-copy requests", "total ÷ (RAM÷bw)", "how"];
    const rows = c.sweep.map((s) => [
      s.rateMibPerS,
      s.method === "precopy" ? "pre-copy only" : "livevirt post-copy (auto)",
      s.converged ? "yes" : "**no**",
      fmtNum(s.wallS, 1),
      fmtNum(s.jobS, 1),
      s.downtimeMs ?? "–",
      mib(s.bytes),
      s.postcopyRequests ?? "–",
      fmtNum(s.wallS / ideal),
      s.converged ? s.mode : s.note,
    ]);
    parts.push(mdTable(header, rows) + "\n");
    const svg = linePlot(
      [
        // A pre-copy that did not converge was aborted at its timeout: its "time" is the timeout, not a move.
        {
          name: "pre-copy only",
          points: c.sweep
            .filter((s) => s.method === "precopy")
            .map((s) => ({ x: s.rateMibPerS, y: s.wallS, ...(s.converged ? {} : { open: true, label: "timeout" }) })),
        },
        {
          name: "livevirt post-copy (auto)",
          points: c.sweep
            .filter((s) => s.method === "livevirt")
            .map((s) => ({ x: s.rateMibPerS, y: s.wallS, ...(s.converged ? {} : { open: true, label: "failed" }) })),
        },
        { name: "RAM ÷ bandwidth", points: [...new Set(c.sweep.map((s) => s.rateMibPerS))].map((x) => ({ x, y: ideal })) },
      ],
      {
        title: `Move time vs dirty rate (${c.ramMib} MiB guest, ${c.bw} MiB/s cap)`,
        xLabel: "guest dirty rate (MiB/s)",
        yLabel: "move time, wall (s)",
        note: "open square: no move — pre-copy aborted at its timeout, plotted at that time",
      },
    );
    writeFileSync(join(OUT_DIR, "moves-sweep.svg"), svg);
    parts.push(`![move time vs dirty rate](moves-sweep.svg)\n`);
    parts.push(`### TCP gap vs libvirt downtime\n`);
    parts.push(
      `Each swept guest also serves TCP echo on the lab's guest network (lab-net, one layer-2 segment across both hosts); ` +
        `a client in the lab's client namespace writes 512 B every 10 ms through the whole move and checks every byte that comes back. ` +
        `"TCP gap" is the longest time between two echoed chunks; libvirt's downtime is the guest's pause at the switch. ` +
        `The gap is what a connection feels: downtime plus the time the guest, now on the destination, ` +
        `waits for the pages its network path touches (post-copy) — and the bridge learning the guest's MAC on its new port.\n`,
    );
    const tcpRows = c.sweep
      .filter((s) => s.tcpGapMs !== undefined)
      .map((s) => [
        s.rateMibPerS,
        s.method === "precopy" ? "pre-copy only" : "livevirt post-copy (auto)",
        s.converged ? s.mode : "**no** (aborted; still on the source)",
        s.downtimeMs ?? "–",
        s.tcpGapMs ?? "–",
        s.tcpIntact === null || s.tcpIntact === undefined ? "–" : s.tcpIntact ? "yes" : "**no**",
      ]);
    parts.push(
      tcpRows.length
        ? mdTable(["dirty MiB/s", "method", "moved", "libvirt downtime ms", "TCP gap ms", "stream intact"], tcpRows) + "\n"
        : "_not measured in this run_\n",
    );
  }
  // ---- A/B
  parts.push(`## 2. livevirt vs raw virsh (A/B)\n`);
  if (c.ab.length === 0) parts.push("_not run_\n");
  else {
    parts.push(
      `Same guest per dirty rate, moved back and forth: raw \`virsh migrate --live --p2p --persistent --undefinesource --postcopy --postcopy-after-precopy ` +
        `--bandwidth ${c.bw}\` ` +
        `(stats from the source's job-completed event) vs livevirt's engine (mode "postcopy", switch "auto", same bandwidth). ` +
        `Alternated: odd rounds livevirt first, even rounds virsh first; each move goes the other way from the last. Up to ${c.abRounds} rounds per rate. ` +
        `Medians with (min–max).\n`,
    );
    const rates = [...new Set(c.ab.map((s) => s.rateMibPerS))].sort((x, y) => x - y);
    const header = ["dirty MiB/s", "method", "n", "mode(s)", "time s (wall)", "virsh migrate s", "job s", "downtime ms", "MiB sent", "post-copy requests"];
    const rows: (string | number)[][] = [];
    const ratioRows: (string | number)[][] = [];
    for (const rate of rates) {
      const by = (m: string) => c.ab.filter((s) => s.rateMibPerS === rate && s.method === m && s.converged);
      for (const m of ["livevirt", "virsh"]) {
        const ss = by(m);
        rows.push([
          rate,
          m,
          ss.length,
          [...new Set(ss.map((s) => s.mode.replace(/ \(.*/, "")))].join(", "),
          medRange(ss.map((s) => s.wallS)),
          medRange(ss.flatMap((s) => (s.migrateS == null ? [] : [s.migrateS]))),
          medRange(ss.flatMap((s) => (s.jobS === null ? [] : [s.jobS]))),
          medRange(
            ss.flatMap((s) => (s.downtimeMs === null ? [] : [s.downtimeMs])),
            0,
          ),
          medRange(
            ss.flatMap((s) => (s.bytes === null ? [] : [s.bytes / MiB])),
            1,
          ),
          medRange(
            ss.flatMap((s) => (s.postcopyRequests === null ? [] : [s.postcopyRequests])),
            0,
          ),
        ]);
      }
      const L = by("livevirt");
      const V = by("virsh");
      const med = (ss: MoveSample[], f: (s: MoveSample) => number | null) => median(ss.flatMap((s) => (f(s) === null ? [] : [f(s)!])));
      const ratio = (f: (s: MoveSample) => number | null) => fmtNum(med(L, f) / med(V, f));
      ratioRows.push([
        rate,
        ratio((s) => s.wallS),
        ratio((s) => s.migrateS ?? null),
        ratio((s) => s.jobS),
        ratio((s) => s.bytes),
        ratio((s) => s.downtimeMs),
        ratio((s) => s.postcopyRequests),
        fmtNum(med(L, (s) => s.bytes) / (c.ramMib * MiB)),
      ]);
    }
    parts.push(mdTable(header, rows) + "\n");
    parts.push(
      "Ratios livevirt ÷ virsh (of medians); target where pre-copy cannot converge: time ≤ 0.7 and bytes ≤ 1.1 × guest RAM; where it converges: time ≤ 1.\n",
    );
    parts.push(
      mdTable(["dirty MiB/s", "time (wall)", "virsh migrate", "job time", "bytes", "downtime", "post-copy requests", "livevirt bytes ÷ RAM"], ratioRows) + "\n",
    );
    const svg = linePlot(
      ["livevirt", "virsh"].map((m) => ({
        name: `${m} (median, min–max)`,
        points: rates.map((rate) =>
          spreadPoint(
            rate,
            c.ab.filter((s) => s.rateMibPerS === rate && s.method === m && s.converged).map((s) => s.wallS),
          ),
        ),
      })),
      {
        title: "livevirt vs virsh --postcopy-after-precopy",
        xLabel: "guest dirty rate (MiB/s)",
        yLabel: "move time, wall (s)",
        note: "dot: median of n moves; whisker: min to max",
      },
    );
    writeFileSync(join(OUT_DIR, "moves-ab.svg"), svg);
    parts.push(`![livevirt vs virsh](moves-ab.svg)\n`);
    // What people pick live migration for: how long the guest stops, and how much of its memory
    // it had to ask for after the switch.
    const perMethod = (f: (s: MoveSample) => number | null) =>
      ["livevirt", "virsh"].map((m) => ({
        name: `${m} (median, min–max)`,
        points: rates.map((rate) =>
          spreadPoint(
            rate,
            c.ab.filter((s) => s.rateMibPerS === rate && s.method === m && s.converged).flatMap((s) => (f(s) === null ? [] : [f(s)!])),
          ),
        ),
      }));
    writeFileSync(
      join(OUT_DIR, "moves-downtime.svg"),
      linePlot(
        perMethod((s) => s.downtimeMs),
        {
          title: "Guest downtime vs dirty rate",
          xLabel: "guest dirty rate (MiB/s)",
          yLabel: "downtime (ms)",
          note: "dot: median of n moves; whisker: min to max; libvirt's figure for the final pause",
        },
      ),
    );
    writeFileSync(
      join(OUT_DIR, "moves-pcreq.svg"),
      linePlot(
        perMethod((s) => s.postcopyRequests),
        {
          title: "Post-copy page requests vs dirty rate",
          xLabel: "guest dirty rate (MiB/s)",
          yLabel: "page requests (faults served over the link)",
          note: "0 where the move converged in pre-copy; dot: median of n moves; whisker: min to max",
        },
      ),
    );
    parts.push(`![downtime vs dirty rate](moves-downtime.svg)\n`, `![post-copy page requests vs dirty rate](moves-pcreq.svg)\n`);
    parts.push("All A/B moves:\n");
    parts.push(
      mdTable(
        ["rate", "round", "method", "dir", "ok", "wall s", "migrate s", "hint MiB/s", "job s", "downtime ms", "MiB", "pc req", "mode"],
        c.ab.map((s) => [
          s.rateMibPerS,
          s.round,
          s.method,
          s.direction,
          s.converged ? "yes" : "no",
          fmtNum(s.wallS),
          fmtNum(s.migrateS),
          s.hintMibPerS ?? "–",
          fmtNum(s.jobS),
          s.downtimeMs ?? "–",
          mib(s.bytes),
          s.postcopyRequests ?? "–",
          s.converged ? s.mode : s.note,
        ]),
      ) + "\n",
    );
  }
  if (c.notes.length) parts.push(`## Notes\n\n${c.notes.map((n) => `- ${n}`).join("\n")}\n`);
  writeFileSync(join(OUT_DIR, "moves.md"), parts.join("\n"));
  writeFileSync(join(OUT_DIR, "moves.json"), JSON.stringify({ sweep: c.sweep, ab: c.ab }, null, 2) + "\n");
}

export async function runMoves(args: string[] = process.argv.slice(2)): Promise<void> {
  const flag = readFlags(MOVES_FLAGS, args, "bench:moves");
  const only = flag.only;
  if (!["all", "sweep", "ab", "report"].includes(only)) throw new Error(`--only: all, sweep, ab or report, not ${only}`);
  const sweepMethods = flag.methods.split(",") as ("precopy" | "livevirt")[];
  if (sweepMethods.some((m) => m !== "precopy" && m !== "livevirt")) throw new Error(`--methods: precopy and/or livevirt, not ${sweepMethods.join(",")}`);
  const status = await labStatus();
  if (!status.up || status.hosts.some((h) => h.pid === undefined)) throw new Error("lab is down: run `npm run lab:up` first");
  const accel = status.accel?.accel ?? "tcg";
  const versions = status.hosts.map((h) => `host ${h.name}: libvirt ${h.libvirt ?? "?"}, ${h.hypervisor ?? "?"}`).join("; ");
  const c: Ctx = {
    ramMib: Number(flag.ram),
    testMib: Number(flag["test-mib"]),
    bw: Number(flag.bw),
    timeoutFactor: Number(flag["timeout-factor"]),
    sweep: [],
    ab: [],
    abRounds: Number(flag.rounds),
    header: "",
    notes: [],
  };
  const machine = await machineLines([
    versions,
    `packages: ${status.packages ?? "?"}`,
    `guest: ${c.ramMib} MiB, 1 vCPU, memcheck testing ${c.testMib} MiB; bandwidth cap ${c.bw} MiB/s`,
    `rounds: sweep 1 per cell; A/B up to ${c.abRounds} per method per rate`,
  ]);
  c.header =
    `# Moves on the lab (benchmarks 1 and 2)

\`npm run bench:moves\` on the two-host lab (two libvirtd on one machine, veth link; see README). Guests run under **${accel.toUpperCase()}**.

${machine}

Both hosts share the same 2 CPUs: each TCG guest and the migration threads compete with each other, so absolute times are this machine's, ` +
    `not a real pair of hosts'.

**Caveat on the "link cap":** it is libvirt's migration bandwidth setting (\`--bandwidth\`), the only cap this lab has (the veth link itself is not shaped). ` +
    `libvirt applies it to pre-copy; neither arm sets \`--postcopy-bandwidth\`, so after the switch to post-copy pages flow uncapped (a 195 MiB post-copy ` +
    `move here takes ~2 s of job time). Both arms of the A/B have the same settings, so the comparison is fair between the tools, ` +
    `but on a physically capped link a post-copy move could not beat RAM ÷ bandwidth the way it does here, ` +
    `and livevirt's time advantage from switching early would be smaller.

**How livevirt's \`auto\` decides** (src/migration/decide.ts): a 2 s page-sampling dirty-rate calculation is started right before \`virsh migrate\` and runs ` +
    `in QEMU during pass 1 (nothing is measured before the move; its result is read ~2 s in). ` +
    `With it, a cost model: if what pre-copy would still need after pass 1 (the pages dirtied by then, re-sent at bandwidth − dirty rate) ` +
    `is more than max(1 s, 10 % of the move), it switches at once; otherwise pre-copy goes on. ` +
    `After pass 1 QEMU's own dirty-rate figure replaces the sample. The price of switching early is visible in the post-copy requests: ` +
    `the guest runs on the destination while most of its RAM is still on the source.
`;
  // Running one part keeps the other part's last results (from moves.json) in the report.
  const saved = join(OUT_DIR, "moves.json");
  if (only !== "all" && existsSync(saved)) {
    const prev = JSON.parse(readFileSync(saved, "utf8")) as { sweep?: MoveSample[]; ab?: MoveSample[] };
    if (only === "ab") {
      c.sweep = prev.sweep ?? [];
      // keep earlier A/B rates that this invocation does not re-run
      const rerun = nums(flag["ab-rates"]);
      c.ab = (prev.ab ?? []).filter((s) => !rerun.includes(s.rateMibPerS));
    }
    if (only === "report") {
      c.sweep = prev.sweep ?? [];
      c.ab = prev.ab ?? [];
    }
    if (only === "sweep") {
      c.ab = prev.ab ?? [];
      const rerun = nums(flag.rates);
      c.sweep = (prev.sweep ?? []).filter((s) => !(rerun.includes(s.rateMibPerS) && sweepMethods.includes(s.method as "precopy" | "livevirt")));
    }
    c.notes.push(
      `this report merges several invocations (\`--only\` re-runs a part, some rates or some methods; the rest is kept from moves.json): ` +
        `the machine lines above are the last invocation's, each move's date is in moves.json`,
    );
  }
  if (only === "all" || only === "sweep") await runSweep(c, nums(flag.rates), sweepMethods);
  if (only === "all" || only === "ab") await runAb(c, nums(flag["ab-rates"]));
  writeReport(c);
  console.log(`wrote ${join(OUT_DIR, "moves.md")}`);
}
