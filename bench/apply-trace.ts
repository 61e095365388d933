/**
 * Where the time of one `terraform apply` of a move goes, read from its TF_LOG=trace file (Terraform's
 * own lines and the provider's, both stamped by Terraform to the millisecond) and the move as the state
 * records it (`last_move.started_at` / `finished_at`). Pure: the benchmark (apply-cost.ts) feeds it text.
 *
 * Terraform starts one provider process per graph walk: schemas, validate, plan (refresh + plan), apply
 * (the apply's own re-plan, then the apply). The provider logs "<RPC> done: ms=N" at trace level for each
 * call, "preflight <vm>: … [N ms" for each preflight, and "moving …" right after `virsh migrate` started.
 */

export interface ProviderProcess {
  /** The plugin's path, from Terraform's "starting plugin" line. */
  path: string;
  /** Terraform's "starting plugin" line. */
  startAt: number;
  /** Terraform's "using plugin" line: it read the handshake. */
  handshakeAt: number | null;
  /** The provider's own `startup_ms` (node's start → socket listening), from its "plugin ready" line. */
  startupMs: number | null;
  /** Terraform's first call to it after the handshake ("GRPCProvider.v6: <Call>"). */
  firstCallAt: number | null;
  /** The provider's "Shutdown requested" line. */
  shutdownAt: number | null;
  /** The provider's "plugin ready" line (handshake done). */
  readyAt: number | null;
  /** Terraform's "plugin process exited" line (or its shorter "plugin exited", whichever comes first). */
  exitAt: number | null;
  /** RPC name → [done time, ms] for every "<RPC> done" line, in order. */
  rpcs: { name: string; doneAt: number; ms: number }[];
  /** ms of each "preflight … [N ms" line, in order. */
  preflights: { at: number; ms: number; probeRan: boolean }[];
  /** The "moving … from … to …" line: virsh migrate has just been started. */
  movingAt: number | null;
}

export interface TraceSummary {
  /** Terraform's first line ("Terraform version"). */
  firstAt: number | null;
  lastAt: number | null;
  processes: ProviderProcess[];
  /** GetProviderSchema calls Terraform answered from its cache instead of asking a running process. */
  cachedSchemaAnswers: number;
}

// 2026-12-04T13:42:20.741Z [INFO]  Terraform version: 1.11.4
const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(\w+)\]\s+(.*)$/;

/** Splits a trace file into the provider processes Terraform started, with what each did. */
export function parseTrace(text: string): TraceSummary {
  const out: TraceSummary = { firstAt: null, lastAt: null, processes: [], cachedSchemaAnswers: 0 };
  let cur: ProviderProcess | null = null;
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const at = Date.parse(m[1]!);
    const msg = m[3]!;
    out.firstAt ??= at;
    out.lastAt = at;
    const start = /^provider: starting plugin: path=(\S+)/.exec(msg);
    if (start) {
      cur = {
        path: start[1]!,
        startAt: at,
        handshakeAt: null,
        readyAt: null,
        startupMs: null,
        firstCallAt: null,
        shutdownAt: null,
        exitAt: null,
        rpcs: [],
        preflights: [],
        movingAt: null,
      };
      out.processes.push(cur);
      continue;
    }
    if (!cur) continue;
    if (/^provider: plugin (process )?exited\b/.test(msg)) {
      cur.exitAt ??= at;
      continue;
    }
    if (cur.exitAt !== null) continue;
    if (/^provider: using plugin: version=/.test(msg)) cur.handshakeAt ??= at;
    if (/^GRPCProvider\.v6: returning cached schema/.test(msg)) out.cachedSchemaAnswers += 1;
    else if (/^GRPCProvider\.v6: [A-Z]\w+\s*$/.test(msg) && !/: Close\s*$/.test(msg) && cur.handshakeAt !== null) cur.firstCallAt ??= at;
    const own = /^provider\.terraform-provider-livevirt[^:]*: (.*)$/.exec(msg);
    if (!own) continue;
    const body = own[1]!;
    if (body.startsWith("plugin ready")) {
      cur.readyAt = at;
      const ms = /startup_ms=(\d+)/.exec(body);
      if (ms) cur.startupMs = Number(ms[1]);
    }
    if (body.startsWith("Shutdown requested")) cur.shutdownAt = at;
    const rpc = /^(\w+) done: .*\bms=(\d+)/.exec(body);
    if (rpc) cur.rpcs.push({ name: rpc[1]!, doneAt: at, ms: Number(rpc[2]) });
    // "preflight vm: a → b: … [537 ms, probe move 0 ms (cached: probe)]"; the move's own re-check is "vm: preflight …".
    const pf = /^preflight \S+: .*\[(\d+) ms(.*)$/.exec(body);
    if (pf) cur.preflights.push({ at, ms: Number(pf[1]), probeRan: /probe move \d+ ms/.test(pf[2]!) && !/cached: [^)]*probe/.test(pf[2]!) });
    if (/^\S+: moving \S+ from \S+ to \S+ \(/.test(body)) cur.movingAt = at;
  }
  return out;
}

export interface MoveTimes {
  startedAt: number;
  finishedAt: number;
  totalMs: number;
}

/** One apply's wall split into named parts (ms); `parts` sum to `wallMs`. */
export interface ApplyBreakdown {
  wallMs: number;
  moveMs: number;
  parts: { key: BreakdownKey; ms: number }[];
  /** The plan walk's preflight ran the probe move (no cached verdict): not the steady state. */
  probeRan: boolean;
  /** Inside the move as recorded: before `virsh migrate` started, the migration itself, after it. */
  move: { beforeMigrateMs: number | null; migrateMs: number; afterMigrateMs: number | null };
}

export const BREAKDOWN_KEYS = [
  "tf-start",
  "schema-validate-processes",
  "provider-startup",
  "configure",
  "refresh",
  "plan-preflight",
  "plan-other",
  "replan-preflight",
  "replan-other",
  "apply-before-move",
  "move",
  "apply-after-move",
  "provider-exit",
  "terraform-between",
  "tf-end",
] as const;
export type BreakdownKey = (typeof BREAKDOWN_KEYS)[number];

export const BREAKDOWN_LABELS: Record<BreakdownKey, string> = {
  "tf-start": "terraform start → first provider process",
  "schema-validate-processes": "provider processes for schemas and validation (start → exit)",
  "provider-startup": "plan + apply processes: start → handshake",
  configure: "plan + apply processes: ConfigureProvider",
  refresh: "refresh (ReadResource)",
  "plan-preflight": "plan: preflight's own [N ms] (host facts; probe from the disk cache)",
  "plan-other": "plan: rest of PlanResourceChange (locate, capacity; with prepareMove also the facts' wait)",
  "replan-preflight": "apply's re-plan: preflight's own [N ms] (facts again: new process)",
  "replan-other": "apply's re-plan: rest of PlanResourceChange (as above)",
  "apply-before-move": "apply: before the move (locate, re-check from the process cache)",
  move: "the move as recorded (last_move started_at → finished_at)",
  "apply-after-move": "apply: after the move (locate on the destination, state)",
  "provider-exit": "plan + apply processes: last RPC → exit",
  "terraform-between": "Terraform between provider processes (graphs, state, other RPCs)",
  "tf-end": "last provider exit → terraform exits",
};

/**
 * Splits one apply: t0/t1 = the terraform process's spawn and exit (this machine's clock, as the trace's).
 * The plan walk's process is the first with a ReadResource, the apply walk's the one with ApplyResourceChange.
 */
export function breakdown(trace: TraceSummary, t0: number, t1: number, mv: MoveTimes): ApplyBreakdown {
  const ps = trace.processes;
  const applyP = ps.find((p) => p.rpcs.some((r) => r.name === "ApplyResourceChange"));
  const planP = ps.find((p) => p !== applyP && p.rpcs.some((r) => r.name === "PlanResourceChange"));
  const configured = ps.filter((p) => p === applyP || p === planP);
  const others = ps.filter((p) => !configured.includes(p));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const span = (p: ProviderProcess) => (p.exitAt ?? p.startAt) - p.startAt;
  const rpcMs = (p: ProviderProcess | undefined, name: string) => sum((p?.rpcs ?? []).filter((r) => r.name === name).map((r) => r.ms));
  const firstPf = (p: ProviderProcess | undefined) => p?.preflights[0]?.ms ?? 0;
  const parts = new Map<BreakdownKey, number>();
  parts.set("tf-start", ps.length ? ps[0]!.startAt - t0 : 0);
  parts.set("schema-validate-processes", sum(others.map(span)));
  parts.set("provider-startup", sum(configured.map((p) => (p.readyAt ?? p.startAt) - p.startAt)));
  parts.set("configure", rpcMs(planP, "ConfigureProvider") + rpcMs(applyP, "ConfigureProvider"));
  parts.set("refresh", rpcMs(planP, "ReadResource"));
  parts.set("plan-preflight", firstPf(planP));
  parts.set("plan-other", rpcMs(planP, "PlanResourceChange") - firstPf(planP));
  parts.set("replan-preflight", firstPf(applyP));
  parts.set("replan-other", rpcMs(applyP, "PlanResourceChange") - firstPf(applyP));
  const apply = applyP?.rpcs.find((r) => r.name === "ApplyResourceChange");
  const applyStart = apply ? apply.doneAt - apply.ms : null;
  parts.set("apply-before-move", applyStart === null ? 0 : mv.startedAt - applyStart);
  parts.set("move", mv.finishedAt - mv.startedAt);
  parts.set("apply-after-move", apply ? apply.doneAt - mv.finishedAt : 0);
  parts.set("provider-exit", sum(configured.map((p) => (p.exitAt ?? p.startAt) - Math.max(p.readyAt ?? p.startAt, ...p.rpcs.map((r) => r.doneAt)))));
  const last = ps.length ? Math.max(...ps.map((p) => p.exitAt ?? p.startAt)) : t0;
  parts.set("tf-end", t1 - last);
  // What is left between the first process start and the last exit: Terraform itself, and the small RPCs.
  const accounted = sum([...parts.values()]);
  parts.set("terraform-between", t1 - t0 - accounted);
  const beforeMigrateMs = applyP?.movingAt != null ? applyP.movingAt - mv.startedAt : null;
  return {
    wallMs: t1 - t0,
    moveMs: mv.finishedAt - mv.startedAt,
    parts: BREAKDOWN_KEYS.map((key) => ({ key, ms: parts.get(key) ?? 0 })),
    probeRan: ps.some((p) => p.preflights.some((f) => f.probeRan)),
    move: {
      beforeMigrateMs,
      migrateMs: mv.totalMs,
      afterMigrateMs: beforeMigrateMs === null ? null : mv.finishedAt - (mv.startedAt + beforeMigrateMs + mv.totalMs),
    },
  };
}
