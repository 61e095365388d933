/**
 * Plan → report model: what a reviewer needs to know about each livevirt_vm change. A move is an
 * in-place update whose `host` changes (that is how the provider plans it); a change that needs a
 * new domain is a replace (the guest reboots), listed apart so nobody mistakes it for a move.
 */
import type { Strategy } from "../preflight/types.js";
import { hostTotals, placementOf, type HostTotals, type PlacedVm } from "./placement.js";
import { estimateMove, linkRateOf, linkRates, type Estimate, type LinkRate, type MoveSample } from "./estimate.js";
import type { Attrs, PlanHost, PlanSummary, VmChange } from "./plan-json.js";
import { DEFAULT_HOST_LIMITS, scheduleMoves, type Schedule } from "./schedule.js";
import { parseVerdict, type ParsedVerdict } from "./verdict.js";

export type VerdictState =
  | { kind: "known"; text: string; parsed: ParsedVerdict }
  /** `after_unknown.preflight`: the provider could not run the checks at plan time. */
  | { kind: "after-apply" }
  /** Known null or missing: this provider did not report a verdict. */
  | { kind: "absent" }
  | { kind: "unreadable"; text: string; error: string };

export interface Migration {
  mode?: string;
  onUnsupported?: string;
  bandwidthMib?: number;
  postcopyBandwidthMib?: number;
  timeoutS?: number;
  probe?: boolean;
}

export interface Move {
  vm: string;
  address: string;
  from: string;
  to: string;
  memoryMib?: number;
  /** null: no migration block (provider defaults: post-copy, no bandwidth cap). */
  migration: Migration | null;
  verdict: VerdictState;
  /** What the verdict says, or the declared mode while the verdict is unknown. */
  strategy: Strategy;
  strategyKnown: boolean;
  estimate: Estimate;
}

export interface VmRef {
  vm: string;
  address: string;
  host?: string;
}

export interface PlanSource {
  /** sha256 of the plan file as given (hex). */
  planSha256: string;
  /** The cdktf stack, from a path like cdktf.out/stacks/<stack>/plan.bin. */
  stack?: string;
  /** The commit checked out where the plan lies (git rev-parse --short HEAD), when it is in a repository. */
  commit?: string;
}

export interface ReviewReport {
  terraformVersion?: string;
  errored: boolean;
  moves: Move[];
  created: VmRef[];
  destroyed: VmRef[];
  /** `because`: the attributes Terraform names as forcing the replacement. */
  replaced: (VmRef & { because: string[] })[];
  /** In-place updates that do not move (e.g. only the migration policy changed); `resize` when the update resizes live. */
  updated: (VmRef & { resize?: string })[];
  /** Updates (moves too) whose resize restarts the VM on its host: the guest reboots. `resize` says why. */
  restarted: (VmRef & { resize: string })[];
  unchanged: number;
  /** The provider's host blocks as the plan shows them (limits, state, capacity). */
  hosts: PlanHost[];
  /** The order the moves run in and their estimated total (empty without moves). */
  schedule: Schedule;
  /** Every VM's host and memory before and after the plan, and the totals per host. */
  placement: PlacedVm[];
  hostTotals: HostTotals[];
  /** Where the plan came from (npm run review fills it): for the header. */
  source?: PlanSource;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function migrationOf(after: Attrs): Migration | null {
  // A single nested block: an object in show -json (a one-element list in older renderings).
  const raw = Array.isArray(after.migration) ? after.migration[0] : after.migration;
  if (typeof raw !== "object" || raw === null) return null;
  const m = raw as Attrs;
  const out: Migration = {};
  const set = <K extends keyof Migration>(k: K, v: Migration[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("mode", str(m.mode));
  set("onUnsupported", str(m.on_unsupported));
  set("bandwidthMib", num(m.bandwidth_mib));
  set("postcopyBandwidthMib", num(m.postcopy_bandwidth_mib));
  set("timeoutS", num(m.timeout_s));
  if (typeof m.probe === "boolean") out.probe = m.probe;
  return out;
}

function verdictOf(c: VmChange): VerdictState {
  if (c.afterUnknown.preflight === true) return { kind: "after-apply" };
  const text = c.after?.preflight;
  if (typeof text !== "string" || text === "") return { kind: "absent" };
  try {
    return { kind: "known", text, parsed: parseVerdict(text) };
  } catch (e) {
    return { kind: "unreadable", text, error: e instanceof Error ? e.message : String(e) };
  }
}

function nameOf(c: VmChange): string {
  return str(c.after?.name) ?? str(c.before?.name) ?? c.address;
}

function refOf(c: VmChange, side: Attrs | null): VmRef {
  const host = str(side?.host);
  return { vm: nameOf(c), address: c.address, ...(host !== undefined ? { host } : {}) };
}

/** The moves the plan's prior state recorded (each VM's last_move), for the link rates. */
function recordedMoves(vms: readonly VmChange[]): MoveSample[] {
  const out: MoveSample[] = [];
  for (const c of vms) {
    const m = c.before?.last_move;
    if (typeof m !== "object" || m === null) continue;
    const r = m as Attrs;
    const [from, to, bytes, totalMs] = [str(r.from), str(r.to), num(r.bytes), num(r.total_ms)];
    if (from !== undefined && to !== undefined && bytes !== undefined && totalMs !== undefined && r.mode !== "recreate") out.push({ from, to, bytes, totalMs });
  }
  return out;
}

function moveOf(c: VmChange, before: Attrs, after: Attrs, rates: ReadonlyMap<string, LinkRate>): Move {
  const migration = migrationOf(after);
  const verdict = verdictOf(c);
  const declared: Strategy = migration?.mode === "precopy" ? "precopy" : "postcopy";
  const strategy = verdict.kind === "known" ? verdict.parsed.strategy : declared;
  const memoryMib = num(after.memory_mib);
  return {
    vm: nameOf(c),
    address: c.address,
    from: String(before.host),
    to: c.afterUnknown.host === true ? "(known after apply)" : String(after.host),
    ...(memoryMib !== undefined ? { memoryMib } : {}),
    migration,
    verdict,
    strategy,
    strategyKnown: verdict.kind === "known",
    estimate: estimateMove({
      memoryMib,
      bandwidthMib: migration?.bandwidthMib,
      link: linkRateOf(rates, String(before.host), String(after.host)),
      timeoutS: migration?.timeoutS,
      strategy,
    }),
  };
}

export function buildReport(plan: PlanSummary): ReviewReport {
  const r: ReviewReport = {
    errored: plan.errored,
    moves: [],
    created: [],
    destroyed: [],
    replaced: [],
    updated: [],
    restarted: [],
    unchanged: 0,
    hosts: plan.hosts,
    schedule: scheduleMoves([]),
    placement: [],
    hostTotals: [],
  };
  if (plan.terraformVersion) r.terraformVersion = plan.terraformVersion;
  const rates = linkRates(recordedMoves(plan.vms));
  for (const c of plan.vms) {
    switch (c.action) {
      case "create":
        r.created.push(refOf(c, c.after));
        break;
      case "delete":
        r.destroyed.push(refOf(c, c.before));
        break;
      case "replace":
        r.replaced.push({ ...refOf(c, c.after), because: c.replacePaths.map((p) => p.join(".")) });
        break;
      case "update": {
        const moves = c.before && c.after && (c.before.host !== c.after.host || c.afterUnknown.host === true);
        // The planned resize, when this update makes one (the attribute keeps the last one otherwise).
        const resize = str(c.after?.resize) !== undefined && c.after?.resize !== c.before?.resize ? str(c.after?.resize) : undefined;
        if (resize?.startsWith("restarts")) r.restarted.push({ ...refOf(c, c.after), resize });
        if (moves) r.moves.push(moveOf(c, c.before!, c.after!, rates));
        else if (!resize?.startsWith("restarts")) r.updated.push({ ...refOf(c, c.after), ...(resize ? { resize } : {}) });
        break;
      }
      default:
        r.unchanged++;
    }
  }
  r.schedule = scheduleOf(r.moves, plan.hosts);
  r.placement = placementOf(plan.vms);
  r.hostTotals = hostTotals(r.placement, plan.hosts);
  return r;
}

/** The moves through the provider's queues: each host's declared limits, else the defaults. */
function scheduleOf(moves: readonly Move[], hosts: readonly PlanHost[]): Schedule {
  const limitsOf = (name: string) => {
    const h = hosts.find((x) => x.name === name);
    return { outbound: h?.maxOutboundMoves ?? DEFAULT_HOST_LIMITS.outbound, inbound: h?.maxInboundMoves ?? DEFAULT_HOST_LIMITS.inbound };
  };
  // A recreate is no live move (it takes no move slot); a refused one does not run.
  const live = moves.filter((m) => m.strategy === "postcopy" || m.strategy === "precopy");
  return scheduleMoves(
    live.map((m) => ({
      vm: m.vm,
      from: m.from,
      to: m.to,
      ...(m.estimate.kind === "bounded" ? { seconds: m.estimate.seconds, atLeast: m.estimate.atLeast } : { seconds: undefined }),
    })),
    limitsOf,
  );
}
