/**
 * Reads the lab guest's serial console (see memcheck.c for the line formats) and decides whether
 * a guest survived a move: same boot, time moved on, counters never went back, no page errors,
 * no kernel trouble.
 *
 * The console is a raw byte stream: firmware escape codes, CRLF, kernel printk lines that can land
 * in the middle of ours (printk bypasses the tty buffer), and an unfinished last line while the
 * guest runs. So markers are found anywhere in a line, fields are parsed as key=value, lines that
 * lack a required field are counted as `garbled` rather than trusted, and the unterminated tail is
 * never parsed (a cut "written=12" of "written=1234" would read as a wrong number).
 */
import { LabError } from "../../errors.js";

export interface Heartbeat {
  /** First 8 characters of the guest kernel's boot_id: changes on every boot. */
  boot: string;
  /** Guest /proc/uptime in seconds. */
  uptimeS: number;
  seq: number;
  memMib: number;
  rateMibPerS: number;
  /** Pages rewritten (each after being verified) since boot. */
  written: number;
  /** Pages verified since boot. */
  verified: number;
  /** Pages found wrong since boot (memcheck's own count; LVERR lines are rate-limited). */
  errors: number;
  /** Full round-robin passes over the region. */
  passes: number;
  /** memcheck CPU % of one vCPU since the previous heartbeat, when reported. */
  cpuPct?: number;
  /** 0-based line number in the text. */
  line: number;
}

export interface PageError {
  page: number;
  word: number;
  want: string;
  got: string;
  /** Wrong words in that page. */
  words?: number;
  line: number;
}

export interface ReadyMark {
  boot: string;
  memMib: number;
  rateMibPerS: number;
  pages: number;
  fillMs: number;
  line: number;
}

export type KernelProblemKind = "panic" | "oops" | "bug" | "warning" | "stall" | "nmi";

export interface KernelProblem {
  kind: KernelProblemKind;
  text: string;
  line: number;
}

export interface ConsoleReport {
  /** At least one LVREADY seen. */
  ready: boolean;
  readyMarks: ReadyMark[];
  heartbeats: Heartbeat[];
  errors: PageError[];
  /** Distinct boot ids (8 hex chars) in order of appearance: more than one means a reboot. */
  bootIds: string[];
  kernelProblems: KernelProblem[];
  /** LVFATAL lines: memcheck could not run (e.g. region too large for guest RAM). */
  fatal: string[];
  /** Lines with an LV marker that could not be parsed (usually printk interleaved into them). */
  garbled: number;
  /** Unterminated last line, not parsed. */
  partial: string;
}

export interface Continuity {
  ok: boolean;
  problems: string[];
  before?: Heartbeat;
  after?: Heartbeat;
}

export interface CmdlineOptions {
  /** MiB memcheck keeps under test; leave ~100 MiB of guest RAM for the kernel. Default 64. */
  memMib?: number;
  /** MiB/s rewritten (dirtied). 0 = verify only. Default 0. */
  rateMibPerS?: number;
  /** Heartbeat interval in ms (min 50). Default 1000. */
  heartbeatMs?: number;
  /** Flip one word right after LVREADY so the test can see detection work. */
  selftestCorrupt?: boolean;
}

const KERNEL_PATTERNS: ReadonlyArray<[KernelProblemKind, RegExp]> = [
  ["panic", /Kernel panic - not syncing/],
  ["oops", /\bOops\b|general protection fault|BUG: unable to handle/],
  ["bug", /\bBUG:|kernel BUG at|list_(?:add|del) corruption/],
  ["warning", /WARNING: CPU: \d+ PID: \d+/],
  ["stall", /rcu: INFO: rcu_\w+ (?:self-)?detected stall|rcu_\w+ self-detected stall|soft lockup|hard LOCKUP/],
  ["nmi", /Uhhuh\. NMI received/],
];

function fields(rest: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const [, k, v] of rest.matchAll(/(\w+)=(\S+)/g)) if (k && v !== undefined && !m.has(k)) m.set(k, v);
  return m;
}

/** Non-negative decimal (integer or fixed-point) or undefined. */
function num(m: Map<string, string>, key: string): number | undefined {
  const v = m.get(key);
  return v !== undefined && /^\d+(?:\.\d+)?$/.test(v) ? Number(v) : undefined;
}

function hex8(v: string | undefined): string | undefined {
  return v !== undefined && /^[0-9a-f]{8}$/.test(v) ? v : undefined;
}

/** Parse console text (whole file or any later slice of it). Never throws on odd input. */
export function parseConsole(text: string): ConsoleReport {
  const r: ConsoleReport = {
    ready: false,
    readyMarks: [],
    heartbeats: [],
    errors: [],
    bootIds: [],
    kernelProblems: [],
    fatal: [],
    garbled: 0,
    partial: "",
  };
  const lines = text.split("\n");
  r.partial = lines.pop() ?? "";
  const seeBoot = (b: string) => {
    if (!r.bootIds.includes(b)) r.bootIds.push(b);
  };
  lines.forEach((raw, line) => {
    const s = raw.replace(/\r/g, "");
    for (const [kind, re] of KERNEL_PATTERNS) {
      if (re.test(s)) {
        r.kernelProblems.push({ kind, text: s.trim(), line });
        break;
      }
    }
    // No \b before LV: a printk line without its newline runs straight into ours ("doneLVHB …").
    const at = s.search(/LV(?:HB|READY|ERR|INIT|FATAL)\b/);
    if (at < 0) return;
    const rest = s.slice(at);
    const tag = /^LV\w+/.exec(rest)?.[0];
    const f = fields(rest);
    if (tag === "LVINIT") {
      const boot = f.get("boot")?.slice(0, 8);
      if (hex8(boot)) seeBoot(boot!);
      return;
    }
    if (tag === "LVFATAL") {
      r.fatal.push(rest.slice("LVFATAL".length).trim());
      return;
    }
    if (tag === "LVREADY") {
      const boot = hex8(f.get("boot"));
      const [memMib, rateMibPerS, pages, fillMs] = ["mem", "rate", "pages", "fill_ms"].map((k) => num(f, k));
      if (!boot || memMib === undefined || rateMibPerS === undefined || pages === undefined || fillMs === undefined) {
        r.garbled++;
        return;
      }
      seeBoot(boot);
      r.ready = true;
      r.readyMarks.push({ boot, memMib, rateMibPerS, pages, fillMs, line });
      return;
    }
    if (tag === "LVERR") {
      const page = num(f, "page");
      const word = num(f, "word");
      const want = f.get("want");
      const got = f.get("got");
      if (page === undefined || word === undefined || !want || !got) {
        // A garbled LVERR is still evidence of a bad page: never let it pass silently.
        r.garbled++;
        r.errors.push({ page: -1, word: -1, want: want ?? "?", got: got ?? "?", line });
        return;
      }
      r.errors.push({ page, word, want, got, words: num(f, "words"), line });
      return;
    }
    if (tag === "LVHB") {
      const boot = hex8(f.get("boot"));
      const keys = ["up", "seq", "mem", "rate", "written", "verified", "errors", "passes"] as const;
      const v = keys.map((k) => num(f, k));
      if (!boot || v.some((x) => x === undefined)) {
        r.garbled++;
        return;
      }
      const [uptimeS, seq, memMib, rateMibPerS, written, verified, errors, passes] = v as number[];
      seeBoot(boot);
      r.heartbeats.push({
        boot,
        uptimeS: uptimeS!,
        seq: seq!,
        memMib: memMib!,
        rateMibPerS: rateMibPerS!,
        written: written!,
        verified: verified!,
        errors: errors!,
        passes: passes!,
        cpuPct: num(f, "cpu"),
        line,
      });
    }
  });
  return r;
}

export function lastHeartbeat(report: ConsoleReport): Heartbeat | undefined {
  return report.heartbeats[report.heartbeats.length - 1];
}

function isReport(x: ConsoleReport | Heartbeat): x is ConsoleReport {
  return "heartbeats" in x;
}

function reportProblems(name: string, r: ConsoleReport): string[] {
  const p: string[] = [];
  if (r.bootIds.length > 1) p.push(`${name}: guest rebooted (boot ids ${r.bootIds.join(" → ")})`);
  for (const e of r.errors) p.push(`${name}: memory error page=${e.page} word=${e.word} want=${e.want} got=${e.got}`);
  for (const k of r.kernelProblems) p.push(`${name}: kernel ${k.kind}: ${k.text}`);
  for (const f of r.fatal) p.push(`${name}: memcheck fatal: ${f}`);
  return p;
}

/**
 * Did the guest live through whatever happened between `before` and `after` (e.g. a move: before =
 * source console, after = destination console)? Same boot, uptime and counters advanced, no
 * memory errors, no kernel problems. Give reports for the full check, heartbeats for the core one.
 */
export function checkContinuity(before: ConsoleReport | Heartbeat, after: ConsoleReport | Heartbeat): Continuity {
  const problems: string[] = [];
  const b = isReport(before) ? lastHeartbeat(before) : before;
  const a = isReport(after) ? lastHeartbeat(after) : after;
  if (isReport(before)) problems.push(...reportProblems("before", before));
  if (isReport(after)) problems.push(...reportProblems("after", after));
  if (!b) problems.push("before: no heartbeat");
  if (!a) problems.push("after: no heartbeat");
  if (a && b) {
    if (a.boot !== b.boot) {
      problems.push(`guest rebooted: boot id ${b.boot} → ${a.boot}`);
    } else {
      if (!(a.uptimeS > b.uptimeS)) problems.push(`uptime did not advance: ${b.uptimeS} s → ${a.uptimeS} s`);
      if (!(a.seq > b.seq)) problems.push(`no new heartbeat: seq ${b.seq} → ${a.seq}`);
      // Counters live in guest RAM: going back means the guest's memory was rolled back or lost.
      for (const k of ["written", "verified", "passes"] as const) {
        if (a[k] < b[k]) problems.push(`${k} went back: ${b[k]} → ${a[k]}`);
      }
      if (a.rateMibPerS > 0 && a.seq > b.seq && a.written === b.written) {
        problems.push(`memcheck stopped writing: written stayed ${a.written}`);
      }
    }
    for (const [n, h] of [
      ["before", b],
      ["after", a],
    ] as const) {
      if (h.errors !== 0) problems.push(`${n}: memcheck counted ${h.errors} bad page(s)`);
    }
  }
  return { ok: problems.length === 0, problems, before: b, after: a };
}

function intIn(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new LabError(`guest ${name} must be an integer in ${min}..${max}`, { field: name, value: String(v) });
  }
  return v;
}

/**
 * Kernel command line for the lab guest. Measured under TCG (QEMU 10, 256 MiB): mitigations=off,
 * nokaslr, 8250.nr_uarts=1, no_timer_check, tsc=reliable changed boot-to-LVREADY by less than the
 * run-to-run noise (3.4–3.5 s), so they are left out; `quiet` is kept (≈0.2 s less serial output
 * and keeps the console readable; oopses/panics still print). panic=-1 reboots at once on a panic,
 * which the new boot id then exposes (or QEMU exits with -no-reboot).
 */
export function guestCmdline(opts: CmdlineOptions = {}): string {
  const mem = intIn("memMib", opts.memMib ?? 64, 1, 1 << 20);
  const rate = intIn("rateMibPerS", opts.rateMibPerS ?? 0, 0, 1 << 16);
  const hb = intIn("heartbeatMs", opts.heartbeatMs ?? 1000, 50, 3_600_000);
  const parts = ["console=ttyS0", "quiet", "panic=-1", `lv.mem=${mem}`, `lv.rate=${rate}`, `lv.hb=${hb}`];
  if (opts.selftestCorrupt) parts.push("lv.selftest_corrupt=1");
  return parts.join(" ");
}
