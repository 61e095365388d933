/**
 * The authoritative check: a throw-away no-OS domain (64 MiB, TCG, no disks) moved with
 * post-copy from the source to the destination through libvirt, exactly like a real move. A
 * destination QEMU that cannot use userfaultfd fails it at the prepare step ("Postcopy is not
 * supported…"), before anything of the real VM is touched. The switch is forced with
 * migrate-postcopy (retried until QEMU accepts it: right after the start the job exists before
 * the capability is set), so post-copy really runs rather than being merely enabled.
 */
import { randomBytes } from "node:crypto";
import { assign, type Host } from "../model/index.js";
import { buildDomainXml } from "../libvirt/domain-xml.js";
import { MigrationError, VirshTimeoutError } from "../libvirt/errors.js";
import { startMigration } from "../libvirt/migrate.js";
import { migrationAddressOptions } from "../libvirt/migrate-args.js";
import { peerConnectionProblem } from "../libvirt/parse/transport-error.js";
import { connect } from "../hosts/registry.js";
import { cached, newCache } from "./cache.js";
import { getHostFacts, type HostFacts } from "./host-facts.js";
import { errorText } from "./known.js";
import { pairId, probeCacheKey, type ProbeCacheKey } from "./probe-cache-key.js";
import { diskCacheConfig, entryMatches, entryPath, readEntry, writeEntry, type Env } from "./probe-disk-cache.js";
import type { CheckResult } from "./types.js";

export const PROBE_MEMORY_MIB = 64;
/** A tiny cap keeps the first pre-copy pass long enough (~0.5 s) for the forced switch. */
export const PROBE_BANDWIDTH_MIB = 1;
/**
 * Budget for each step of the probe (define, start, the move). Generous on purpose: a daemon that
 * runs QEMU unprivileged was measured at ~32 s per define/prepare in the lab.
 */
export const PROBE_TIMEOUT_MS = 120_000;

export interface MoveProbeResult {
  check: CheckResult;
  /** Whole probe: define, start, move, clean-up. */
  durationMs: number;
  /** The move alone (virsh migrate start to end). */
  moveMs?: number;
  /** Whether the move ran in post-copy (switch accepted), or converged before. */
  switched: boolean;
  /** Domains the cleanup could not remove (reported, never silently left). */
  leftovers: string[];
  /** True when this verdict is a passing probe reused from the on-disk cache (probe-disk-cache.ts). */
  fromDiskCache: boolean;
}

const probeCache = newCache<MoveProbeResult>();

export function probeName(): string {
  return `livevirt-probe-${randomBytes(4).toString("hex")}`;
}

/** The pair's probe, from the run cache when already done (or running) for this pair. */
export interface ProbeOptions {
  signal?: AbortSignal;
  /** Per-step budget (default PROBE_TIMEOUT_MS). */
  timeoutMs?: number;
}

export function probeMove(from: Host, to: Host, opts: ProbeOptions = {}): { promise: Promise<MoveProbeResult>; cached: boolean } {
  return cached(probeCache, `${from.uri}\n${to.uri}`, () => probeWithDiskCache(from, to, opts));
}

/** The check a probe verdict is reported as (fresh or reused: same id, title, requirement). */
function probeCheckBase(from: Host, to: Host) {
  return {
    id: "migration.postcopy-probe",
    host: to.name,
    title: `throw-away post-copy move ${from.name} → ${to.name}`,
    required: "a no-OS domain moves with post-copy through libvirt",
    requiredFor: "postcopy" as const,
  };
}

/**
 * The pair's verdict from the on-disk cache when a fresh passing entry has this set-up's key,
 * else a real probe (whose pass is then stored). The cache file is looked at before the host
 * facts arrive: without a candidate entry the probe starts at once, alongside the facts, as it
 * always did; the facts are awaited only to check a candidate's key or to key a new entry.
 */
export interface ProbeDeps {
  run: (from: Host, to: Host, opts: ProbeOptions) => Promise<MoveProbeResult>;
  facts: (t: Host, signal?: AbortSignal) => Promise<HostFacts>;
  env: Env;
}

const realDeps: ProbeDeps = { run: runProbeMove, facts: (t, signal) => getHostFacts(t, { signal }).promise, env: process.env };

export async function probeWithDiskCache(from: Host, to: Host, opts: ProbeOptions, deps: ProbeDeps = realDeps): Promise<MoveProbeResult> {
  const config = diskCacheConfig(deps.env);
  if (!config.enabled) return note(await deps.run(from, to, opts), `disk cache ${config.why}`);
  const file = entryPath(config.dir, pairId(from, to));
  const params = { memoryMib: PROBE_MEMORY_MIB, bandwidthMib: PROBE_BANDWIDTH_MIB };
  const key = async (): Promise<ProbeCacheKey> => {
    try {
      const [f, t] = await Promise.all([deps.facts(from, opts.signal), deps.facts(to, opts.signal)]);
      return probeCacheKey(from, to, f, t, params);
    } catch (e) {
      return { usable: false, why: `host facts unavailable: ${errorText(e)}` };
    }
  };
  let why: string;
  const fresh = readEntry(file, config.ttlMs);
  if ("miss" in fresh) why = fresh.miss;
  else {
    const k = await key();
    const look = k.usable ? entryMatches(fresh.hit, k.key) : { miss: k.why };
    if ("hit" in look) {
      const e = look.hit;
      const ageS = Math.round((Date.now() - e.createdAt) / 1000);
      return {
        check: {
          ...probeCheckBase(from, to),
          status: "pass",
          found: `${e.found}; reused: passed ${ageS} s ago on the same hosts and versions (disk cache, ttl ${config.ttlMs / 1000} s)`,
        },
        durationMs: 0,
        moveMs: e.moveMs,
        switched: e.switched,
        leftovers: [],
        fromDiskCache: true,
      };
    }
    why = look.miss;
  }
  const r = await deps.run(from, to, opts);
  if (r.check.status !== "pass" || r.leftovers.length > 0) return note(r, `disk cache: ${why}; this verdict is not stored (only clean passes are)`);
  const k = await key();
  if (!k.usable) return note(r, `disk cache: ${k.why}`);
  const failed = writeEntry(file, {
    key: k.key,
    createdAt: Date.now(),
    found: r.check.found,
    durationMs: r.durationMs,
    moveMs: r.moveMs ?? r.durationMs,
    switched: r.switched,
  });
  return note(r, `disk cache: ${why}; ${failed ?? `stored for ${config.ttlMs / 1000} s`}`);
}

function note(r: MoveProbeResult, text: string): MoveProbeResult {
  return { ...r, check: { ...r.check, found: `${r.check.found}; ${text}` } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Destroy + undefine on every host, in parallel (a TCG QEMU takes ~2 s to exit). */
async function removeEverywhere(name: string, hosts: Host[], timeoutMs: number): Promise<string[]> {
  const results = await Promise.all(
    hosts.map(async (h) => {
      const c = connect(h);
      try {
        await c.destroy(name, { timeoutMs });
        await c.undefine(name, { missingOk: true }, { timeoutMs });
        return undefined;
      } catch (e) {
        return `${name} on ${h.name}: ${errorText(e)}`;
      }
    }),
  );
  return results.filter((r): r is string => r !== undefined);
}

export async function runProbeMove(from: Host, to: Host, opts: ProbeOptions = {}): Promise<MoveProbeResult> {
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  const run = { signal: opts.signal, timeoutMs };
  const name = probeName();
  const src = connect(from);
  const base = probeCheckBase(from, to);
  const started = Date.now();
  let switched = false;
  let moveMs: number | undefined;
  let timedOut = false;
  let check: CheckResult;
  try {
    await src.defineXml(buildDomainXml({ name, memoryMib: PROBE_MEMORY_MIB, vcpus: 1, type: "qemu" }), run);
    await src.start(name, run);
    const dest = to.migrationUri ?? to.uri;
    const moveStarted = Date.now();
    const move = startMigration(from.uri, name, dest, {
      live: true,
      // Peer-to-peer when the destination publishes how daemons reach it, as real moves do.
      p2p: to.migrationUri !== undefined,
      postcopy: true,
      // Over the data path real moves take (the destination's migration network, when declared).
      ...migrationAddressOptions(to.migrationAddress),
      bandwidth: PROBE_BANDWIDTH_MIB,
      processTimeoutMs: timeoutMs,
      signal: opts.signal,
    });
    let settled = false;
    const done = move.done.finally(() => {
      settled = true;
    });
    done.catch(() => undefined);
    // Not yet migrating / capability not yet set (the destination's prepare can be slow) /
    // already finished: retry until settled, backing off to 250 ms so the first pre-copy pass
    // (~0.5 s at the probe's bandwidth cap) is not missed.
    for (let delay = 50; !settled && !switched; delay = Math.min(delay * 2, 250)) {
      try {
        await src.migratePostcopy(name, { timeoutMs: 10_000, signal: opts.signal });
        switched = true;
      } catch {
        await sleep(delay);
      }
    }
    await done;
    moveMs = Date.now() - moveStarted;
    const ms = moveMs;
    check = {
      ...base,
      status: "pass",
      found: `${name} moved in ${ms} ms, ${switched ? "switched to post-copy" : "converged before the post-copy switch (post-copy was enabled on both QEMUs)"}`,
    };
  } catch (e) {
    const ms = Date.now() - started;
    timedOut = e instanceof VirshTimeoutError;
    const peer =
      e instanceof MigrationError && to.migrationUri
        ? peerConnectionProblem(`${e.failure.message}\n${e.stderr}`, from.name, to.name, to.migrationUri)
        : undefined;
    if (e instanceof MigrationError && e.failure.kind === "postcopy-unsupported") {
      check = {
        ...base,
        status: "fail",
        found: `${name} failed at ${to.name}'s prepare step after ${ms} ms: ${e.failure.message}`,
        fix: `make userfaultfd usable by QEMU on host ${to.name} (see check kernel.userfaultfd), or set ${assign("migration.onUnsupported", "precopy")}`,
      };
    } else if (peer) {
      // The source's daemon cannot reach the destination's at all: no move of any kind will.
      check = {
        ...base,
        host: peer.host,
        requiredFor: "move",
        status: "fail",
        found: `${name} was refused after ${ms} ms: ${peer.why}`,
        brief: peer.why,
        fix: peer.fix,
      };
    } else {
      // Not a post-copy verdict (link, same-host…): says nothing about post-copy itself.
      check = {
        ...base,
        status: "unknown",
        found: `probe ${name} could not run: ${errorText(e)}`,
        fix: `check that ${from.name}'s libvirtd reaches ${to.name} (${to.migrationUri ?? to.uri})`,
      };
    }
  }
  let leftovers = await removeEverywhere(name, [to, from], timeoutMs);
  if (timedOut) {
    // virsh was killed but the daemon may still carry out the define/start it had received:
    // look again once it had time to, or the domain would appear after our clean-up (seen in the lab).
    await sleep(5_000);
    leftovers = await removeEverywhere(name, [to, from], timeoutMs);
  }
  if (leftovers.length > 0) check.found += `; cleanup left: ${leftovers.join("; ")}`;
  const durationMs = Date.now() - started;
  check.found += ` (probe total ${durationMs} ms incl. define, start and clean-up)`;
  return { check, durationMs, ...(moveMs !== undefined ? { moveMs } : {}), switched, leftovers, fromDiskCache: false };
}
