/**
 * Benchmark 5 — what encrypting a move costs (migration.tls): the same 256 MiB lab guest moved by
 * livevirt's engine alternately with QEMU's TLS and in clear (same direction pattern, same dirty
 * rate, interleaved rounds, so drift in the machine's load hits both alike). Per move: the move's
 * time, the guest's downtime, bytes sent, and the CPU seconds the whole machine spent during it
 * (/proc/stat: both hosts' QEMUs, libvirtds and the guests' TCG all run here, so the difference
 * between the two columns is what encryption adds). Prints the table with ratios TLS ÷ clear and
 * writes docs/bench/tls.md (+ tls.json). Asserts nothing. Needs `npm run lab:up`.
 *
 *   npm run bench:tls [-- --rounds 5 --rates 0,20 --bw 0]     (bw 0 = no bandwidth cap)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "../src/model/index.js";
import { bootGuest, removeGuest, waitForHeartbeats } from "../src/lab/guests.js";
import { hostUri, labStatus, migrationUri } from "../src/lab/lab.js";
import { moveVm } from "../src/migration/engine.js";
import { MoveLimits } from "../src/migration/limits.js";
import type { MoveLog } from "../src/migration/monitor.js";
import { validateSettings } from "../src/migration/policy.js";
import { readFlags } from "./flags.js";
import { withLabLock } from "./lab-lock.js";
import { machineLines, mdTable, printTable } from "./report.js";
import { fmtNum, median, medRange } from "./stats.js";

const OUT_DIR = join(import.meta.dirname, "..", "docs", "bench");
type H = "a" | "b";
const target = (h: H): Host => ({ name: h, uri: hostUri(h), migrationUri: migrationUri(h) });
const other = (h: H): H => (h === "a" ? "b" : "a");
const NAME = "bench-tls";

export const TLS_FLAGS = { rounds: "5", rates: "0,20", bw: "0" };

interface TlsSample {
  tls: boolean;
  rateMibPerS: number;
  round: number;
  direction: string;
  ok: boolean;
  moveS: number | null;
  downtimeMs: number | null;
  bytes: number | null;
  mode: string;
  /** CPU seconds (user + system, all cores) the machine spent from the move's start to its end. */
  cpuS: number;
  note: string;
}

const quietLog: MoveLog = (level, msg) => {
  if (level === "warn") console.log(`  [${level}] ${msg}`);
};

/** Busy CPU time of the whole machine so far, in seconds (/proc/stat's first line). */
function busyCpuS(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ = 100 on Linux
}

async function move(from: H, tls: boolean, bw: number): Promise<Omit<TlsSample, "rateMibPerS" | "round">> {
  const settings = validateSettings({ mode: "postcopy", switch: "auto", timeoutS: 300, ...(bw > 0 ? { bandwidthMib: bw } : {}) });
  const cpu0 = busyCpuS();
  try {
    const o = await moveVm({
      domain: NAME,
      from: target(from),
      to: target(other(from)),
      settings,
      strategy: "postcopy",
      tls,
      log: quietLog,
      limits: new MoveLimits(),
    });
    return {
      tls,
      direction: `${from}→${other(from)}`,
      ok: true,
      moveS: o.totalMs / 1000,
      downtimeMs: o.downtimeMs,
      bytes: o.bytes,
      mode: o.mode,
      cpuS: busyCpuS() - cpu0,
      note: "",
    };
  } catch (e) {
    return {
      tls,
      direction: `${from}→${other(from)}`,
      ok: false,
      moveS: null,
      downtimeMs: null,
      bytes: null,
      mode: "failed",
      cpuS: busyCpuS() - cpu0,
      note: (e as Error).message.split("\n")[0]!.slice(0, 160),
    };
  }
}

export async function runTlsCost(args: string[]): Promise<TlsSample[]> {
  const f = readFlags(TLS_FLAGS, args, "bench:tls");
  const rounds = Number(f.rounds);
  const rates = f.rates.split(",").map(Number);
  const bw = Number(f.bw);
  if (!(await labStatus()).up) throw new Error("the lab is down: run `npm run lab:up` first");
  const samples: TlsSample[] = [];
  for (const rate of rates) {
    await withLabLock(`bench:tls rate ${rate}`, async () => {
      for (const h of ["a", "b"] as const) await removeGuest(h, NAME).catch(() => undefined);
      await bootGuest("a", { name: NAME, memoryMib: 256, testMib: 128, rateMibPerS: rate, heartbeatMs: 500 });
      await waitForHeartbeats("a", NAME, 3);
      let at: H = "a";
      try {
        for (let round = 1; round <= rounds; round++) {
          // Alternate which variant goes first, so neither always moves in the same direction.
          for (const tls of round % 2 ? [true, false] : [false, true]) {
            const s = { ...(await move(at, tls, bw)), rateMibPerS: rate, round };
            samples.push(s);
            console.log(
              `  rate ${rate} MiB/s round ${round} ${tls ? "TLS  " : "clear"} ${s.direction}: ` +
                (s.ok ? `${fmtNum(s.moveS)} s, downtime ${s.downtimeMs ?? "?"} ms, CPU ${fmtNum(s.cpuS)} s, ${s.mode}` : `FAILED ${s.note}`),
            );
            if (s.ok) at = other(at);
          }
        }
      } finally {
        for (const h of ["a", "b"] as const) await removeGuest(h, NAME).catch(() => undefined);
      }
    });
  }
  await writeReport(samples, { rounds, bw });
  return samples;
}

async function writeReport(samples: TlsSample[], o: { rounds: number; bw: number }): Promise<void> {
  const header = [
    "dirty MiB/s",
    "variant",
    "n ok",
    "move s (median, range)",
    "downtime ms",
    "MiB sent",
    "CPU s during the move",
    "move ratio TLS ÷ clear",
    "CPU ratio TLS ÷ clear",
  ];
  const rows: (string | number)[][] = [];
  for (const rate of [...new Set(samples.map((s) => s.rateMibPerS))]) {
    const of = (tls: boolean) => samples.filter((s) => s.rateMibPerS === rate && s.tls === tls && s.ok);
    const [enc, clear] = [of(true), of(false)];
    const m = (xs: TlsSample[], k: "moveS" | "cpuS") => median(xs.map((s) => s[k] as number));
    for (const [label, xs] of [
      ["TLS", enc],
      ["clear", clear],
    ] as const) {
      rows.push([
        rate,
        label,
        `${xs.length}/${samples.filter((s) => s.rateMibPerS === rate && s.tls === (label === "TLS")).length}`,
        medRange(xs.map((s) => s.moveS!)),
        fmtNum(median(xs.flatMap((s) => (s.downtimeMs === null ? [] : [s.downtimeMs]))), 0),
        fmtNum(median(xs.flatMap((s) => (s.bytes === null ? [] : [s.bytes / 1048576]))), 0),
        medRange(xs.map((s) => s.cpuS)),
        label === "TLS" ? fmtNum(m(enc, "moveS") / m(clear, "moveS")) : "",
        label === "TLS" ? fmtNum(m(enc, "cpuS") / m(clear, "cpuS")) : "",
      ]);
    }
  }
  printTable(header, rows);
  writeFileSync(join(OUT_DIR, "tls.json"), JSON.stringify(samples, null, 2) + "\n");
  const md = [
    "# What encrypting a move costs (migration.tls)",
    "",
    "`npm run bench:tls` — a 256 MiB TCG guest (128 MiB under test at the dirty rate shown) moved by livevirt's engine between the lab's two hosts, " +
      "alternately with QEMU's TLS (`--tls`, the lab's certificates) and in clear, post-copy allowed (switch auto), " +
      `${o.bw > 0 ? `bandwidth capped at ${o.bw} MiB/s` : "no bandwidth cap"}; ${o.rounds} rounds per variant, interleaved. ` +
      "CPU is the whole machine's busy time during each move (both hosts live on this machine), so TLS − clear is what encryption adds. " +
      "Medians with [min–max]; nothing here is asserted by a test.",
    "",
    await machineLines(),
    "",
    mdTable(header, rows),
    "",
  ].join("\n");
  writeFileSync(join(OUT_DIR, "tls.md"), md);
  console.log(`wrote docs/bench/tls.md`);
}
