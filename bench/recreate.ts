/**
 * Benchmark 3 — recreate vs move: what the guest sees when its host changes.
 *   recreate: destroy + define + start on the other host — what a provider without migration does
 *     (dmacvicar/libvirt: stop, undefine, define, start). Done with src/placement's VmLifecycle
 *     delete + create, the exact calls MoveService's "recreate" strategy makes. The provider itself
 *     cannot be made to recreate on this lab: on_unsupported = "recreate" applies only when
 *     post-copy is unsupported (or the CPU does not fit), and both lab hosts support it.
 *   move: livevirt's apply path, MoveService.preflight (cold caches, as in a fresh provider
 *     process) then MoveService.move (post-copy, switch "auto").
 * One guest per round (256 MiB, memcheck dirtying), moved a → b by one method and back b → a by
 * the other; odd rounds move first, even rounds recreate first. The lab lock is held per round.
 * Interruption = longest gap between heartbeat *arrivals* on the consoles (ConsoleTail), from the
 * last beat before the operation to the first after it. Prints figures, writes
 * docs/bench/recreate.md (+ .svg, + .json). Asserts nothing.
 *
 *   npm run bench:recreate [-- --rounds 6 --rate 20 --bw 16 --hb 100 --settle 5]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkContinuity, guestCmdline, parseConsole } from "../src/lab/guest/console.js";
import { consolePath, consolePathInHost, guestImages, removeGuest } from "../src/lab/guests.js";
import { labStatus } from "../src/lab/lab.js";
import { loadState } from "../src/lab/state.js";
import { labHostTarget } from "../src/lab/targets.js";
import type { MoveLog } from "../src/migration/monitor.js";
import { clearPreflightCache } from "../src/preflight/index.js";
import { VmLifecycle } from "../src/placement/lifecycle.js";
import { MoveService } from "../src/placement/move.js";
import { HostRegistry } from "../src/hosts/registry.js";
import { resolveMigration, type Vm } from "../src/model/index.js";
import { ConsoleTail, nowMs, textBetween, type ConsoleEvent } from "./console-tail.js";
import { readFlags } from "./flags.js";
import { firstOfNewBoot, interruption, longestGapWithin, type Beat } from "./interruption.js";
import { withLab } from "./lab-lock.js";
import { machineLines, mdTable, printTable } from "./report.js";
import { fmtNum, median, medRange } from "./stats.js";
import { barPlot } from "./svg-plot.js";

const OUT_DIR = join(import.meta.dirname, "..", "docs", "bench");
const NAME = "bench-recreate";
type H = "a" | "b";
type Kind = "move" | "recreate";

/** Flags of this benchmark and their defaults (bench/flags.ts). */
export const RECREATE_FLAGS = { rounds: "6", rate: "20", bw: "16", hb: "100", settle: "5" };

export interface OpSample {
  round: number;
  kind: Kind;
  /** 1 = first operation of the round (guest booted for it), 2 = second. */
  order: 1 | 2;
  direction: string;
  ok: boolean;
  error?: string;
  /** Longest heartbeat-arrival gap across the operation (ms). */
  interruptionMs: number | null;
  /** The beats bounding the gap; atMs = arrival relative to the operation's start. */
  gapFrom?: { host: string; boot: string; seq: number; atMs: number };
  gapTo?: { host: string; boot: string; seq: number; atMs: number };
  /** Guest clock (uptime) advance across that gap, same boot only: what the guest itself noticed. */
  guestClockOverGapMs: number | null;
  /** Longest gap in the settled seconds before the operation (and its preflight): the noise floor. */
  baselineMaxGapMs: number | null;
  /** Longest gap between the tail worker's poll ticks during the operation: how late a stamp could be. */
  worstStampDelayMs: number | null;
  /** recreate: from the old boot's last beat (the gap's start) to the new boot's LVINIT / LVREADY (memcheck serving). */
  initAfterMs: number | null;
  readyAfterMs: number | null;
  /** Same boot and uptime/counters advanced (checkContinuity), with its problems when not. */
  continued: boolean;
  problems: string[];
  bootBefore: string | null;
  bootAfter: string | null;
  /** The new life is healthy: memcheck ready/beating, no memory errors, no kernel trouble. */
  healthyAfter: boolean;
  /** move: apply-time preflight with cold caches (ms). */
  preflightMs: number | null;
  /** move: MoveService.move (its own preflight is then warm); recreate: delete + create (ms). */
  opMs: number;
  /** preflight + operation (ms): the apply's own work for this VM. */
  totalMs: number;
  /** move only: libvirt's job figures. */
  downtimeMs: number | null;
  engineMs: number | null;
  mode: string;
  bytes: number | null;
  postcopyRequests: number | null;
}

interface Cfg {
  rounds: number;
  rate: number;
  bw: number;
  hb: number;
  settleS: number;
  ramMib: number;
  testMib: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quietLog: MoveLog = (level, msg) => {
  if (level === "warn") console.log(`  [${level}] ${msg.split("\n")[0]}`);
};

async function waitForBeats(tail: ConsoleTail, host: H, after: number, count: number, pred: (b: Beat) => boolean, timeoutMs: number): Promise<Beat[]> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const beats = tail.events().filter((e): e is Beat => e.kind === "hb" && e.host === host && e.at >= after && pred(e));
    if (beats.length >= count) return beats;
    if (nowMs() > deadline) {
      throw new Error(`${NAME}: fewer than ${count} heartbeats on host ${host} within ${timeoutMs / 1000} s (got ${beats.length})`);
    }
    await sleep(50);
  }
}

function lastBeatBefore(events: ConsoleEvent[], t: number): Beat | undefined {
  return events
    .filter((e): e is Beat => e.kind === "hb" && e.at <= t)
    .sort((x, y) => x.at - y.at)
    .pop();
}

class Round {
  private readonly registry = new HostRegistry([labHostTarget("a"), labHostTarget("b")]);
  private readonly vms = new VmLifecycle(this.registry);
  private readonly mover = new MoveService(this.registry, this.vms);
  private readonly tail = new ConsoleTail((["a", "b"] as const).map((h) => ({ host: h, path: consolePath(h, NAME) })));

  constructor(
    private readonly c: Cfg,
    private readonly images: { kernel: string; initrd: string },
    private readonly domainType: "kvm" | "qemu",
  ) {}

  def(host: H): Vm {
    return {
      name: NAME,
      host,
      memoryMib: this.c.ramMib,
      vcpus: 1,
      domainType: this.domainType,
      kernel: this.images.kernel,
      initrd: this.images.initrd,
      cmdline: guestCmdline({ memMib: this.c.testMib, rateMibPerS: this.c.rate, heartbeatMs: this.c.hb }),
      disks: [],
      networkInterfaces: [],
      cpu: null,
      maxMemoryMib: null,
      maxVcpus: null,
      consoleLog: consolePathInHost(NAME),
      migration: resolveMigration({ mode: "postcopy", bandwidthMib: this.c.bw, timeoutS: 300, probe: false }),
    };
  }

  async run(round: number): Promise<OpSample[]> {
    const order: Kind[] = round % 2 === 1 ? ["move", "recreate"] : ["recreate", "move"];
    await this.clean();
    await this.tail.start();
    const out: OpSample[] = [];
    try {
      const t = nowMs();
      await this.vms.create(this.def("a"));
      await waitForBeats(this.tail, "a", t, 3, () => true, 120_000);
      await sleep(this.c.settleS * 1000);
      out.push(await this.op(round, 1, order[0]!, "a", "b"));
      await sleep(this.c.settleS * 1000);
      out.push(await this.op(round, 2, order[1]!, "b", "a"));
    } finally {
      await this.tail.stop();
      await this.clean();
    }
    return out;
  }

  private async clean(): Promise<void> {
    for (const h of ["a", "b"] as const) {
      await removeGuest(h, NAME).catch(() => undefined);
      rmSync(consolePath(h, NAME), { force: true });
    }
  }

  private async op(round: number, order: 1 | 2, kind: Kind, from: H, to: H): Promise<OpSample> {
    const base = { round, kind, order, direction: `${from}→${to}` };
    const current = await this.vms.findOn(from, NAME);
    if (!current) throw new Error(`${NAME} is not on host ${from} before round ${round} op ${order}`);
    let preflightMs: number | null = null;
    let moved: Awaited<ReturnType<MoveService["move"]>>["record"] | null = null;
    let opStart = 0;
    let opEnd = 0;
    const began = nowMs();
    try {
      if (kind === "move") {
        clearPreflightCache(); // the apply runs in a fresh provider process: nothing cached
        const p0 = nowMs();
        await this.mover.preflight(current, this.def(to), { probe: false });
        preflightMs = nowMs() - p0;
        opStart = nowMs();
        moved = (await this.mover.move(current, this.def(to), { log: quietLog })).record;
        opEnd = nowMs();
      } else {
        opStart = nowMs();
        await this.vms.delete(current.uuid, from);
        await this.vms.create(this.def(to));
        opEnd = nowMs();
      }
    } catch (e) {
      opEnd = nowMs();
      return this.failed(base, opStart, opEnd, preflightMs, e);
    }
    const before = lastBeatBefore(this.tail.events(), opStart);
    // Service back: memcheck beating on the destination (for a recreate: the new boot, after LVREADY).
    await waitForBeats(this.tail, to, opEnd, 3, (b) => kind === "move" || b.boot !== before?.boot, 120_000).catch(() => []);
    const checkedAt = nowMs();
    const ev = this.tail.events();
    const gap = interruption(ev, opStart, opEnd);
    const beforeReport = parseConsole(textBetween(this.tail.lines, from, opStart - this.c.settleS * 1000, opEnd));
    const afterReport = parseConsole(textBetween(this.tail.lines, to, opStart, checkedAt));
    const cont = checkContinuity(beforeReport, afterReport);
    const after = afterReport.heartbeats[afterReport.heartbeats.length - 1];
    const oldBoot = before?.boot ?? "";
    const init = kind === "recreate" ? firstOfNewBoot(ev, "init", to, opStart, oldBoot) : undefined;
    const ready = kind === "recreate" ? firstOfNewBoot(ev, "ready", to, opStart, oldBoot) : undefined;
    // Measured from the old boot's very last beat (the gap's start): the guest keeps beating for a
    // moment after the call starts, while libvirt is still being asked where the domain is.
    const lastOld = gap && gap.before.boot === oldBoot ? gap.before : before;
    const healthyAfter =
      afterReport.errors.length === 0 &&
      afterReport.kernelProblems.length === 0 &&
      afterReport.fatal.length === 0 &&
      afterReport.heartbeats.length >= 3 &&
      (kind === "move" || afterReport.ready);
    const sameBoot = gap !== null && gap.before.boot === gap.after.boot;
    const opMs = opEnd - opStart;
    return {
      ...base,
      ok: gap !== null && healthyAfter,
      ...(gap ? {} : { error: "no heartbeat before the operation or none after it" }),
      interruptionMs: gap?.gapMs ?? null,
      gapFrom: gap ? { host: gap.before.host, boot: gap.before.boot, seq: gap.before.seq, atMs: gap.before.at - opStart } : undefined,
      gapTo: gap ? { host: gap.after.host, boot: gap.after.boot, seq: gap.after.seq, atMs: gap.after.at - opStart } : undefined,
      guestClockOverGapMs: gap && sameBoot ? (gap.after.uptimeS - gap.before.uptimeS) * 1000 : null,
      baselineMaxGapMs: longestGapWithin(ev, began - this.c.settleS * 1000, began),
      worstStampDelayMs: this.tail.worstTickGap(opStart, checkedAt),
      initAfterMs: init && lastOld ? init.at - lastOld.at : null,
      readyAfterMs: ready && lastOld ? ready.at - lastOld.at : null,
      continued: cont.ok,
      problems: cont.problems,
      bootBefore: before?.boot ?? null,
      bootAfter: after?.boot ?? null,
      healthyAfter,
      preflightMs,
      opMs,
      totalMs: opMs + (preflightMs ?? 0),
      downtimeMs: moved?.downtimeMs ?? null,
      engineMs: moved?.totalMs ?? null,
      mode: moved ? moved.mode + (moved.switchedAtIteration !== null ? ` (switch @ iter ${moved.switchedAtIteration})` : "") : "recreate",
      bytes: moved?.bytes ?? null,
      postcopyRequests: moved?.postcopyRequests ?? null,
    };
  }

  private failed(
    base: Pick<OpSample, "round" | "kind" | "order" | "direction">,
    opStart: number,
    opEnd: number,
    preflightMs: number | null,
    e: unknown,
  ): OpSample {
    return {
      ...base,
      ok: false,
      error: (e as Error).message.split("\n")[0]!.slice(0, 200),
      interruptionMs: null,
      guestClockOverGapMs: null,
      baselineMaxGapMs: null,
      worstStampDelayMs: null,
      initAfterMs: null,
      readyAfterMs: null,
      continued: false,
      problems: [],
      bootBefore: null,
      bootAfter: null,
      healthyAfter: false,
      preflightMs,
      opMs: opEnd - opStart,
      totalMs: opEnd - opStart + (preflightMs ?? 0),
      downtimeMs: null,
      engineMs: null,
      mode: "failed",
      bytes: null,
      postcopyRequests: null,
    };
  }

  pollGaps(): number[] {
    return this.tail.ticks.map((t) => t.gapMs);
  }
}

const s1 = (ms: number | null) => (ms === null ? "–" : (ms / 1000).toFixed(2));
const numsOf = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));
const msRange = (xs: (number | null)[]) => medRange(numsOf(xs), 0);
const sRange = (xs: (number | null)[]) =>
  medRange(
    numsOf(xs).map((x) => x / 1000),
    2,
  );

function log1(s: OpSample): void {
  console.log(
    `  r${s.round}.${s.order} ${s.kind.padEnd(8)} ${s.direction}: ${s.ok ? "ok" : `FAILED ${s.error ?? ""}`} ` +
      `interruption ${s.interruptionMs?.toFixed(0) ?? "–"} ms ` +
      `(noise ${s.baselineMaxGapMs?.toFixed(0) ?? "–"} ms, stamp delay ≤ ${s.worstStampDelayMs?.toFixed(0) ?? "–"} ms, ` +
      `guest clock ${s.guestClockOverGapMs?.toFixed(0) ?? "–"} ms)` +
      (s.kind === "recreate" ? `, LVINIT +${s1(s.initAfterMs)} s, LVREADY +${s1(s.readyAfterMs)} s` : `, downtime ${s.downtimeMs ?? "–"} ms, ${s.mode}`) +
      `, continued ${s.continued ? "yes" : `no (${s.problems[0] ?? "?"})`}, ` +
      `wall ${s1(s.totalMs)} s${s.preflightMs !== null ? ` (preflight ${s1(s.preflightMs)} s)` : ""}`,
  );
}

function headline(samples: OpSample[]): string[] {
  const by = (k: Kind) => samples.filter((s) => s.kind === k && s.ok);
  const mv = by("move");
  const rc = by("recreate");
  const medI = (ss: OpSample[]) => median(numsOf(ss.map((s) => s.interruptionMs)));
  // The part of a move's interruption the guest's own clock did not see (it was not running).
  const missedMs = (s: OpSample) => (s.interruptionMs !== null && s.guestClockOverGapMs !== null ? s.interruptionMs - s.guestClockOverGapMs : null);
  return [
    `guest-visible interruption, median (min–max): move ${msRange(mv.map((s) => s.interruptionMs))} ms (n=${mv.length}) ` +
      `vs recreate ${sRange(rc.map((s) => s.interruptionMs))} s (n=${rc.length}); recreate ÷ move = ${fmtNum(medI(rc) / medI(mv), 0)}×`,
    `recreate: memcheck serving again (LVREADY) ${sRange(rc.map((s) => s.readyAfterMs))} s after the last old heartbeat; ` +
      `boot id changed ${rc.filter((s) => s.bootBefore !== s.bootAfter).length}/${rc.length}; ` +
      `move: same boot, uptime continued ${mv.filter((s) => s.continued).length}/${mv.length}`,
    `move: of the interruption, the guest's own clock saw ${msRange(mv.map((s) => s.guestClockOverGapMs))} ms ` +
      `(memcheck running but stalled, e.g. on post-copy page faults) and missed ${msRange(mv.map(missedMs))} ms ` +
      `(guest not running: the handover, of which libvirt reports only its "downtime")`,
    `move: libvirt downtime ${msRange(mv.map((s) => s.downtimeMs))} ms; wall (cold preflight + move) ${sRange(mv.map((s) => s.totalMs))} s ` +
      `vs recreate (delete + create) ${sRange(rc.map((s) => s.totalMs))} s`,
  ];
}

function writeReport(c: Cfg, header: string, samples: OpSample[], pollGaps: number[], notes: string[]): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const rounds = [...new Set(samples.map((s) => s.round))].sort((x, y) => x - y);
  const svg = barPlot(
    ["livevirt post-copy move", "recreate (destroy + create)"],
    [
      ...rounds.map((r) => ({
        label: `${r}`,
        values: (["move", "recreate"] as const).map((k) => {
          const s = samples.find((x) => x.round === r && x.kind === k && x.ok);
          return s?.interruptionMs != null ? s.interruptionMs / 1000 : null;
        }),
      })),
      {
        label: "median",
        values: (["move", "recreate"] as const).map((k) => median(numsOf(samples.filter((s) => s.kind === k && s.ok).map((s) => s.interruptionMs))) / 1000),
      },
    ],
    {
      title: `Guest-visible interruption per round (${c.ramMib} MiB guest, ${c.rate} MiB/s dirtied)`,
      xLabel: "round (odd: move first, even: recreate first)",
      yLabel: "longest heartbeat gap (s)",
      valueDigits: 2,
    },
  );
  writeFileSync(join(OUT_DIR, "recreate.svg"), svg);
  const by = (k: Kind) => samples.filter((s) => s.kind === k && s.ok);
  const summaryRows = (["move", "recreate"] as const).map((k) => {
    const ss = by(k);
    return [
      k === "move" ? "livevirt post-copy move" : "recreate (delete + create)",
      ss.length,
      msRange(ss.map((s) => s.interruptionMs)),
      msRange(ss.map((s) => s.baselineMaxGapMs)),
      msRange(ss.map((s) => s.worstStampDelayMs)),
      k === "recreate" ? sRange(ss.map((s) => s.initAfterMs)) : "–",
      k === "recreate" ? sRange(ss.map((s) => s.readyAfterMs)) : "–",
      `${ss.filter((s) => s.continued).length}/${ss.length}`,
      `${ss.filter((s) => s.bootBefore !== null && s.bootBefore !== s.bootAfter).length}/${ss.length}`,
      k === "move" ? msRange(ss.map((s) => s.downtimeMs)) : "–",
      k === "move" ? sRange(ss.map((s) => s.preflightMs)) : "–",
      sRange(ss.map((s) => s.opMs)),
      sRange(ss.map((s) => s.totalMs)),
    ];
  });
  const sumHeader = [
    "method",
    "n ok",
    "interruption ms",
    "noise floor ms (before)",
    "stamp delay bound ms",
    "→ LVINIT s",
    "→ LVREADY s",
    "uptime continued",
    "boot id changed",
    "libvirt downtime ms",
    "preflight s",
    "operation s",
    "total wall s",
  ];
  const allHeader = [
    "round",
    "#",
    "method",
    "dir",
    "ok",
    "interruption ms",
    "gap between beats",
    "guest clock over gap ms",
    "noise ms",
    "stamp delay ≤ ms",
    "→ LVINIT s",
    "→ LVREADY s",
    "continued",
    "boot",
    "downtime ms",
    "mode",
    "preflight s",
    "op s",
    "total s",
    "problems / error",
  ];
  const allRows = samples.map((s) => [
    s.round,
    s.order,
    s.kind,
    s.direction,
    s.ok ? "yes" : "**no**",
    s.interruptionMs?.toFixed(0) ?? "–",
    s.gapFrom && s.gapTo ? `${s.gapFrom.host}#${s.gapFrom.seq} → ${s.gapTo.host}#${s.gapTo.seq}` : "–",
    s.guestClockOverGapMs?.toFixed(0) ?? "–",
    s.baselineMaxGapMs?.toFixed(0) ?? "–",
    s.worstStampDelayMs?.toFixed(0) ?? "–",
    s1(s.initAfterMs),
    s1(s.readyAfterMs),
    s.continued ? "yes" : "no",
    `${s.bootBefore ?? "?"} → ${s.bootAfter ?? "?"}`,
    s.downtimeMs ?? "–",
    s.mode,
    s1(s.preflightMs),
    s1(s.opMs),
    s1(s.totalMs),
    (s.error ?? s.problems.slice(0, 2).join("; ")).slice(0, 140),
  ]);
  const md = `# Recreate vs move (benchmark 3)

\`npm run bench:recreate\` on the two-host lab: what a guest sees when its host changes, **destroy + create on
the other host** (what a provider without migration does — dmacvicar/libvirt: stop, undefine, define, start)
against a **livevirt post-copy move**, for the same guest.

${header}

**How.** One lab guest per round (${c.ramMib} MiB, 1 vCPU, memcheck keeping ${c.testMib} MiB under test and dirtying
${c.rate} MiB/s, heartbeat every ${c.hb} ms), booted on a, left ${c.settleS} s to settle, moved a → b by one method,
${c.settleS} s, then b → a by the other; odd rounds move first, even rounds recreate first. The lab lock is held per
round. Both operations go through \`src/placement\`:
- **recreate**: \`VmLifecycle.delete\` + \`VmLifecycle.create\` on the destination — the exact calls of
  \`MoveService\`'s "recreate" strategy. Not through the provider: \`on_unsupported = "recreate"\` applies only
  when post-copy is unsupported (or the CPU does not fit) and both lab hosts support it; forcing that would
  mean switching a shared lab host to its no-post-copy variant. No preflight (a provider without migration has none).
- **move**: livevirt's apply path: \`MoveService.preflight\` with cold caches (an apply runs in a fresh provider
  process; no probe move at apply), then \`MoveService.move\` (its own re-check is then warm): post-copy, switch
  "auto", \`bandwidth_mib = ${c.bw}\` (pre-copy cap; post-copy pages uncapped, as in moves.md).

**Interruption** = the longest gap between the *arrival times* of consecutive heartbeats on the two console files,
from the last heartbeat that arrived before the operation started to the first one after it returned. Arrival
is stamped by a worker thread of this process (inotify on the console directories, plus a poll every 20 ms), so
the benchmark's own work cannot delay a stamp; CPU starvation of the whole process can. The "stamp delay bound"
is the longest gap between the worker's poll ticks during the operation (over the whole run: median
${fmtNum(median(pollGaps), 0)} ms, max ${fmtNum(Math.max(...pollGaps, 0), 0)} ms). A gap
includes the ${c.hb} ms heartbeat period itself; the "noise floor" column is the longest gap in the ${c.settleS} s before
the operation and its preflight (TCG guest on a shared 2-CPU machine). The guest's own clock cannot measure this: TCG's
virtual clock stops while QEMU is paused, so "guest clock over gap" shows how much of the gap the guest noticed.
For recreate also: time from the old boot's last heartbeat to the new boot's \`LVINIT\` (kernel up, init
running) and \`LVREADY\` (memcheck filled its region: the service is back). Continuity = \`checkContinuity\`
of the source's and destination's console text around the operation (same boot id, uptime and counters
advanced, no memory errors, no kernel trouble).

## Summary (medians, min–max)

${mdTable(sumHeader, summaryRows)}

${headline(samples)
  .map((h) => `- ${h}`)
  .join("\n")}

![interruption per round](recreate.svg)

## Every operation

${mdTable(allHeader, allRows)}
${notes.length ? `\n## Notes\n\n${notes.map((n) => `- ${n}`).join("\n")}\n` : ""}`;
  writeFileSync(join(OUT_DIR, "recreate.md"), md);
  writeFileSync(
    join(OUT_DIR, "recreate.json"),
    JSON.stringify({ config: c, samples, pollGaps: { median: median(pollGaps), max: Math.max(...pollGaps, 0), n: pollGaps.length } }, null, 2) + "\n",
  );
}

export async function runRecreate(args: string[] = process.argv.slice(2)): Promise<void> {
  const flag = readFlags(RECREATE_FLAGS, args, "bench:recreate");
  const c: Cfg = {
    rounds: Number(flag.rounds),
    rate: Number(flag.rate),
    bw: Number(flag.bw),
    hb: Number(flag.hb),
    settleS: Number(flag.settle),
    ramMib: 256,
    testMib: 128,
  };
  const images = await guestImages();
  // Versions are read under the lock with the first round (the lab may be mid-restart before).
  let header = "";
  const describeLab = async () => {
    const status = await labStatus();
    const versions = status.hosts.map((h) => `host ${h.name}: libvirt ${h.libvirt ?? "?"}, ${h.hypervisor ?? "?"}`).join("; ");
    header = await machineLines([
      `guests under **${(loadState()?.accel.accel ?? "tcg").toUpperCase()}**; ${versions}; packages: ${status.packages ?? "?"}`,
      `guest: ${c.ramMib} MiB, 1 vCPU, memcheck ${c.testMib} MiB at ${c.rate} MiB/s, heartbeat ${c.hb} ms; move: post-copy auto, bandwidth ${c.bw} MiB/s`,
      `rounds: ${c.rounds} (one move and one recreate each, alternated)`,
    ]);
  };
  const samples: OpSample[] = [];
  const pollGaps: number[] = [];
  const notes: string[] = [];
  console.log(`benchmark 3: recreate vs move, ${c.rounds} rounds`);
  for (let round = 1; round <= c.rounds; round++) {
    const r = new Round(c, images, loadState()?.accel.accel === "kvm" ? "kvm" : "qemu");
    try {
      const got = await withLab(`recreate round ${round}`, async () => {
        if (!header) await describeLab();
        return r.run(round);
      });
      for (const s of got) log1(s);
      samples.push(...got);
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0]!;
      console.log(`  round ${round} FAILED: ${msg}`);
      notes.push(`round ${round} did not complete: ${msg}`);
    }
    pollGaps.push(...r.pollGaps());
    writeReport(c, header, samples, pollGaps, notes);
  }
  printTable(
    ["", ""],
    headline(samples).map((h) => ["3.", h]),
  );
  console.log(`wrote ${join(OUT_DIR, "recreate.md")}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runRecreate().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
