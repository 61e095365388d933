/**
 * A migration left behind by an interrupted apply. Our moves are peer-to-peer: the source
 * libvirtd drives them, virsh only waits. When the provider process dies (SIGKILL, a second
 * Ctrl-C, a crash), nothing stops that job — measured on the lab (libvirt 11.3): the orphaned
 * `virsh migrate` lives on, and even without it the job keeps running in the source daemon.
 * A pre-copy that cannot converge then runs forever with nobody to abort it or switch it, and
 * the next move of the domain fails with "another migration job is already running".
 *
 * So before a move starts, both hosts are asked whether such a job is active, and:
 *  - pre-copy: abort it. Safe: in pre-copy the guest still runs on the source, and the next move
 *    starts from a clean state.
 *  - post-copy (switched): wait. There is no rollback; it finishes on its own (its speed is set by
 *    the guest's faults and the post-copy bandwidth), after which the VM is where libvirt says.
 *  - post-copy failed: resume it (the guest's memory is split between the hosts).
 * The decision is pure (decideOrphan); settleOrphanJob carries it out.
 */
import { LibvirtError, DomainNotFoundError, LivevirtError } from "../errors.js";
import type { Host } from "../model/index.js";
import type { MigrateOptions } from "../libvirt/migrate-args.js";
import { isIncomingMigrationStatsRefusal, migrationSideOfJob, type MigrationSide } from "../libvirt/parse/migration-side.js";
import type { DomainState } from "../libvirt/parse/domstate.js";
import { connect } from "../hosts/registry.js";
import type { MoveLog } from "./monitor.js";
import { resumePostcopy, type Recovery } from "./resume.js";

/** One host's view of the domain, with which end of a migration it is. */
export interface CopyView {
  host: string;
  /** false: no such domain; "unknown": the host could not be asked. */
  present: boolean | "unknown";
  state?: DomainState;
  /** From domjobinfo; "unknown" when the host answered something else than a job or the refusal. */
  side?: MigrationSide | "unknown";
  error?: string;
}

export type OrphanAction =
  | { kind: "none" }
  | { kind: "abort"; source: string; destination: string; why: string }
  | { kind: "wait"; why: string }
  | { kind: "resume"; source: string; destination: string; why: string }
  | { kind: "undecidable"; why: string };

const reasonOf = (v: CopyView) => (v.present === true ? v.state?.reason : undefined);
const describe = (v: CopyView) =>
  v.present === "unknown" ? `unknown (${v.error ?? "no answer"})` : v.present ? `${v.state?.state} (${v.state?.reason})` : "absent";

/** Pure: what to do about whatever migration of the domain is active on these two hosts. */
export function decideOrphan(views: readonly [CopyView, CopyView]): OrphanAction {
  const unknown = views.find((v) => v.present === "unknown" || (v.present === true && v.side === "unknown"));
  if (unknown) return { kind: "undecidable", why: `host ${unknown.host} says ${describe(unknown)}${unknown.error ? `: ${unknown.error}` : ""}` };

  const out = views.find((v) => v.present === true && v.side === "outgoing");
  const inc = views.find((v) => v.present === true && v.side === "incoming");
  const failed = views.some((v) => reasonOf(v) === "post-copy failed");
  if (out) {
    const peer = views.find((v) => v !== out)!;
    if (failed) {
      return {
        kind: "resume",
        source: out.host,
        destination: peer.host,
        why: `post-copy from ${out.host} to ${peer.host} failed; the guest's memory is split between the hosts`,
      };
    }
    if (reasonOf(out) === "post-copy" || reasonOf(peer) === "post-copy") {
      return {
        kind: "wait",
        why:
          `a post-copy move from ${out.host} to ${peer.host} is in flight (${out.host}: ${describe(out)}, ${peer.host}: ${describe(peer)}); ` +
          `it cannot be aborted and finishes on its own`,
      };
    }
    return {
      kind: "abort",
      source: out.host,
      destination: peer.host,
      why:
        `a pre-copy move from ${out.host} to ${peer.host} is still running with nobody driving it (left by an interrupted apply); ` +
        `aborting it is safe: in pre-copy the VM keeps running on ${out.host}`,
    };
  }
  if (inc) {
    const peer = views.find((v) => v !== inc)!;
    if (failed) {
      return {
        kind: "resume",
        source: peer.host,
        destination: inc.host,
        why: `post-copy from ${peer.host} to ${inc.host} failed; the guest's memory is split between the hosts`,
      };
    }
    // The source's job is over but the destination has not finished (or torn down) its side yet.
    return { kind: "wait", why: `host ${inc.host} still has the incoming side of a migration (${describe(inc)})` };
  }
  if (failed)
    return {
      kind: "undecidable",
      why: `post-copy failed, but neither host shows the migration job (${views.map((v) => `${v.host}: ${describe(v)}`).join(", ")})`,
    };
  // The source of a finished move shows "shut off (migrated)" for a moment before it is undefined.
  const leftover = views.find((v) => v.present === true && v.state?.state === "shut off" && v.state.reason === "migrated");
  const runs = views.find((v) => v.present === true && v.state?.state === "running");
  if (leftover && runs) return { kind: "wait", why: `host ${leftover.host} is still removing the source of a finished move` };
  return { kind: "none" };
}

/** Asks one host for the domain's state and which end of a migration it is. */
export async function inspectCopy(host: Host, domain: string, timeoutMs = 15_000): Promise<CopyView> {
  const c = connect(host, { timeoutMs });
  let state: DomainState;
  try {
    state = await c.domainState(domain);
  } catch (e) {
    if (e instanceof DomainNotFoundError) return { host: host.name, present: false };
    return { host: host.name, present: "unknown", error: (e as Error).message };
  }
  try {
    return { host: host.name, present: true, state, side: migrationSideOfJob(await c.domJobInfo(domain)) };
  } catch (e) {
    if (e instanceof DomainNotFoundError) return { host: host.name, present: false };
    if (e instanceof LibvirtError && isIncomingMigrationStatsRefusal(e.message)) return { host: host.name, present: true, state, side: "incoming" };
    return { host: host.name, present: true, state, side: "unknown", error: (e as Error).message };
  }
}

export interface SettleRequest {
  domain: string;
  /** The two hosts of the coming move (the orphan may run in either direction between them). */
  hosts: readonly [Host, Host];
  /** Give up waiting for a post-copy to finish at this time (ms since epoch). */
  deadline: number;
  log: MoveLog;
  signal?: AbortSignal;
  pollMs?: number;
}

export interface SettleResult {
  /** What was done, in order (empty: there was nothing to settle). */
  actions: OrphanAction["kind"][];
  waitedMs: number;
  /** Set when an earlier post-copy that had lost its link was completed here. */
  recovery: Recovery | null;
}

/**
 * Makes sure no earlier migration of the domain is active between the two hosts; returns when
 * there is none (the caller then asks where the VM is). Throws a LivevirtError when a host does
 * not answer, a stop is requested, or the deadline passes.
 */
export async function settleOrphanJob(req: SettleRequest): Promise<SettleResult> {
  const { domain, hosts, log } = req;
  const pollMs = req.pollMs ?? 1_000;
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const started = Date.now();
  const result: SettleResult = { actions: [], waitedMs: 0, recovery: null };
  const note = (a: OrphanAction, level: "warn" | "info", msg: string) => {
    // Log each kind of action once: the loop repeats it until libvirt shows it done.
    if (result.actions.at(-1) === a.kind) return;
    result.actions.push(a.kind);
    log(level, msg);
  };
  for (;;) {
    const views = (await Promise.all(hosts.map((h) => inspectCopy(h, domain)))) as [CopyView, CopyView];
    const a = decideOrphan(views);
    if (a.kind === "none") {
      result.waitedMs = Date.now() - started;
      return result;
    }
    if (a.kind === "undecidable") {
      throw new LivevirtError(`${domain}: cannot tell whether an earlier migration is still active: ${a.why}`, {
        fix: `check ${domain} on both hosts (virsh domstate --reason ${domain}; virsh domjobinfo ${domain}) and apply again`,
      });
    }
    if (req.signal?.aborted) throw new LivevirtError(`${domain}: stopped while an earlier migration was being settled (${a.why})`);
    if (Date.now() > req.deadline) {
      throw new LivevirtError(`${domain}: an earlier migration is still active after ${Math.round((Date.now() - started) / 1000)} s: ${a.why}`, {
        fix: `wait for it to end (virsh domjobinfo ${domain} on the source) and apply again`,
      });
    }
    if (a.kind === "abort") {
      note(a, "warn", `earlier migration found: ${a.why}`);
      try {
        await connect(byName.get(a.source)!, { timeoutMs: 15_000 }).domJobAbort(domain);
      } catch (e) {
        // The job may have ended between the look and the abort; the next look tells.
        log("debug", `domjobabort on ${a.source}: ${(e as Error).message}`);
      }
    } else if (a.kind === "resume") {
      note(a, "warn", `earlier migration found: ${a.why}; resuming it`);
      const migrate: MigrateOptions = { live: true, p2p: true, persistent: true, undefineSource: true, postcopy: true };
      const r = await resumePostcopy({ domain, from: byName.get(a.source)!, to: byName.get(a.destination)!, migrate, deadline: req.deadline, log });
      if (r.ok) result.recovery = r.recovery;
      else {
        throw new LivevirtError(`${domain}: an earlier post-copy move from ${a.source} to ${a.destination} failed and could not be resumed: ${r.why}`, {
          host: a.destination,
          fix: `do NOT destroy ${domain} on either host; restore the link between ${a.source} and ${a.destination}, then apply again`,
        });
      }
    } else {
      note(a, "info", `earlier migration found: ${a.why}; waiting for it`);
    }
    await sleep(pollMs, req.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
