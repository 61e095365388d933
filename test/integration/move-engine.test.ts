/**
 * moveVm on the real two-host lab (libvirt 11.3 / QEMU 10.0, TCG guests). Each test boots its own
 * self-checking guest on a (names prefixed mv-eng-, other engineers share the lab), moves it with
 * the engine, and checks with both hosts and the guest's console where it is and that it lived.
 * Figures for the note are printed as "MOVE-FIGURES {json}".
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DomainNotFoundError } from "../../src/errors.js";
import type { Host } from "../../src/model/index.js";
import { rmSync } from "node:fs";
import { bootGuest, consolePath, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat } from "../../src/lab/guest/console.js";
import { connect, hostUri, labStatus, migrationUri } from "../../src/lab/lab.js";
import { moveVm, type MoveOutcome } from "../../src/migration/engine.js";
import { MoveError } from "../../src/migration/errors.js";
import { MoveLimits } from "../../src/migration/limits.js";
import type { MoveLog } from "../../src/migration/monitor.js";
import { validateSettings } from "../../src/migration/policy.js";
import { requireLab } from "./lab-setup.js";
import { precopyRunning } from "./support/fault.js";

const host = (h: "a" | "b"): Host => ({ name: h, uri: hostUri(h), migrationUri: migrationUri(h) });
const A = host("a");
const B = host("b");
const HOT = "mv-eng-hot";
const PRE = "mv-eng-pre";
const IDLE = "mv-eng-idle";
const STOP = "mv-eng-stop";
const NAMES = [HOT, PRE, IDLE, STOP];
// Every test has its own limits: other files' moves must not queue ours (or the reverse).
const limits = () => new MoveLimits();

function collectLog(tag: string): { log: MoveLog; lines: string[] } {
  const lines: string[] = [];
  const log: MoveLog = (level, msg, fields) => {
    const line = `[${tag}] ${level.toUpperCase()} ${msg}`;
    lines.push(line);
    if (level !== "debug") console.log(line, fields && level === "info" && /moved /.test(msg) ? JSON.stringify(fields) : "");
  };
  return { log, lines };
}

function figures(kind: string, o: MoveOutcome): void {
  console.log(
    "MOVE-FIGURES " +
      JSON.stringify({
        kind,
        mode: o.mode,
        switchedAtIteration: o.switchedAtIteration,
        totalMs: o.totalMs,
        jobElapsedMs: o.jobElapsedMs,
        downtimeMs: o.downtimeMs,
        bytes: o.bytes,
        mib: o.bytes === null ? null : +(o.bytes / 1048576).toFixed(1),
        postcopyRequests: o.postcopyRequests,
        dirtyRateHintMibPerS: o.dirtyRateHintMibPerS,
        statsOrigin: o.statsOrigin,
        switchReason: o.switchReason,
      }),
  );
}

async function namesOn(h: "a" | "b"): Promise<string[]> {
  return (await connect(h).listDomains({ all: true })).map((d) => d.name);
}

/** The guest moved: runs on b only, persistent there, and its console continues without a gap. */
async function expectMovedAndAlive(name: string, before: ReturnType<typeof lastHeartbeat>): Promise<void> {
  expect((await connect("b").domainState(name)).state).toBe("running");
  expect(await namesOn("a")).not.toContain(name);
  expect((await connect("b").listDomains({ all: true })).find((d) => d.name === name)).toBeDefined();
  const lastOnA = lastHeartbeat(readConsole("a", name))!;
  await waitForNewHeartbeat("b", name, lastOnA);
  await waitForNewHeartbeat("b", name, lastHeartbeat(readConsole("b", name))!);
  const c = checkContinuity(readConsole("a", name), readConsole("b", name));
  expect(c.problems).toEqual([]);
  expect(c.after!.boot).toBe(before!.boot);
  expect(c.after!.errors).toBe(0);
}

/** A failed move left the guest on a, running, and still fine. */
async function expectStillOnA(name: string, before: ReturnType<typeof lastHeartbeat>): Promise<void> {
  expect((await connect("a").domainState(name)).state).toBe("running");
  await expect(connect("b").domainState(name)).rejects.toBeInstanceOf(DomainNotFoundError);
  const now = lastHeartbeat(readConsole("a", name))!;
  await waitForNewHeartbeat("a", name, now);
  const c = checkContinuity(before!, readConsole("a", name));
  expect(c.problems).toEqual([]);
}

describe("moveVm on the lab (a → b)", () => {
  beforeAll(async () => {
    await requireLab();
    for (const n of NAMES) {
      for (const h of ["a", "b"] as const) {
        await removeGuest(h, n);
        // Console logs are appended across boots of the same name: an old file would hand
        // waitForHeartbeats a previous run's heartbeats (and the guest would be measured mid-boot).
        rmSync(consolePath(h, n), { force: true });
      }
    }
  });
  // The lab is shared: another engineer restarting a daemon mid-move explains odd failures
  // ("client socket is closed"), so say so next to them.
  let pids = "";
  const daemonPids = async () => (await labStatus()).hosts.map((h) => `${h.name}:${h.pid ?? "?"}`).join(" ");
  beforeEach(async () => void (pids = await daemonPids()));
  afterEach(async () => {
    const now = await daemonPids();
    if (now !== pids) console.warn(`LAB DISTURBED during this test: libvirtd pids ${pids} → ${now}`);
  });
  afterAll(async () => {
    for (const n of NAMES) for (const h of ["a", "b"] as const) await removeGuest(h, n).catch(() => undefined);
  });

  it("(1) a guest dirtying faster than the bandwidth moves by post-copy (auto), intact, on b only", async () => {
    await bootGuest("a", { name: HOT, memoryMib: 256, testMib: 128, rateMibPerS: 40, heartbeatMs: 500 });
    const before = await waitForHeartbeats("a", HOT, 3);
    const { log, lines } = collectLog("hot");
    const o = await moveVm({
      domain: HOT,
      from: A,
      to: B,
      settings: validateSettings({ mode: "postcopy", switch: "auto", bandwidthMib: 10, timeoutS: 120 }),
      strategy: "postcopy",
      log,
      limits: limits(),
    });
    figures("dirtying 40 MiB/s, 10 MiB/s cap, auto", o);
    expect(o.mode).toBe("postcopy");
    expect(o.location).toBe("destination");
    expect(o.switchedAtIteration).toBe(1); // hint → switch in pass 1, before virsh's after-precopy moment
    expect(o.switchReason).toMatch(/pre-copy cannot converge/);
    expect(o.statsOrigin).toBe("job-completed event");
    expect(o.downtimeMs).toBeGreaterThan(0);
    expect(o.bytes).toBeGreaterThan(0);
    expect(o.postcopyRequests).not.toBeNull();
    // Progress at INFO (a 3 s move only has room for the first line; the rest is DEBUG).
    expect(lines.some((l) => /INFO (\d+|\?) % · .* remaining · .*· (pre|post)-copy$/.test(l))).toBe(true);
    expect(lines.some((l) => /INFO switched to post-copy: dirty rate/.test(l))).toBe(true);
    await expectMovedAndAlive(HOT, before);
  }, 240_000);

  it("(2) pre-copy only with a 20 s timeout cannot converge: MoveError at the source, guest fine on a", async () => {
    await bootGuest("a", { name: PRE, memoryMib: 256, testMib: 128, rateMibPerS: 40, heartbeatMs: 500 });
    const before = await waitForHeartbeats("a", PRE, 3);
    const { log } = collectLog("pre");
    const t0 = Date.now();
    const err = await moveVm({
      domain: PRE,
      from: A,
      to: B,
      settings: validateSettings({ mode: "precopy", bandwidthMib: 10, timeoutS: 20 }),
      strategy: "precopy",
      log,
      limits: limits(),
    }).catch((e: unknown) => e);
    console.log(`[pre] failed after ${Date.now() - t0} ms: ${(err as Error).message}`);
    expect(err).toBeInstanceOf(MoveError);
    const me = err as MoveError;
    expect(me.location).toBe("source");
    expect(me.phase).toBe("precopy");
    expect(me.state).toMatch(/^running \(/);
    expect(me.message).toMatch(/did not finish within the 20 s timeout/);
    expect(me.message).toMatch(/mv-eng-pre is on host a: running/);
    expect(Date.now() - t0).toBeLessThan(40_000);
    await expectStillOnA(PRE, before);
  }, 240_000);

  it("(3) an idle guest under auto converges in pre-copy (QEMU ≥ 8: no forced switch)", async () => {
    await bootGuest("a", { name: IDLE, memoryMib: 256, testMib: 32, rateMibPerS: 0, heartbeatMs: 500 });
    const before = await waitForHeartbeats("a", IDLE, 3);
    const { log } = collectLog("idle");
    const o = await moveVm({
      domain: IDLE,
      from: A,
      to: B,
      settings: validateSettings({ mode: "postcopy", switch: "auto", bandwidthMib: 100, timeoutS: 120 }),
      strategy: "postcopy",
      log,
      limits: limits(),
    });
    figures("idle, 100 MiB/s cap, auto", o);
    console.log(`[idle] mode used: ${o.mode}`);
    expect(o.location).toBe("destination");
    expect(o.mode).toBe("precopy");
    expect(o.switchedAtIteration).toBeNull();
    expect(o.downtimeMs).not.toBeNull();
    await expectMovedAndAlive(IDLE, before);
  }, 240_000);

  it("(4) StopProvider during pre-copy aborts cleanly: MoveError at the source, guest fine", async () => {
    await bootGuest("a", { name: STOP, memoryMib: 256, testMib: 128, rateMibPerS: 40, heartbeatMs: 500 });
    const before = await waitForHeartbeats("a", STOP, 3);
    const { log, lines } = collectLog("stop");
    const ctl = new AbortController();
    // first-pass at 10 MiB/s: pass 1 takes ~15 s, so once it moves data the move is surely still in pre-copy.
    const move = moveVm({
      domain: STOP,
      from: A,
      to: B,
      settings: validateSettings({ mode: "postcopy", switch: "first-pass", bandwidthMib: 10, timeoutS: 120 }),
      strategy: "postcopy",
      signal: ctl.signal,
      log,
      limits: limits(),
    });
    let stoppedAt = 0;
    const stop = precopyRunning("a", STOP).then(() => ((stoppedAt = Date.now()), ctl.abort(new Error("StopProvider"))));
    const [err] = await Promise.all([move.catch((e: unknown) => e), stop]);
    console.log(`[stop] MoveError ${Date.now() - stoppedAt} ms after the stop: ${(err as Error).message}`);
    expect(err).toBeInstanceOf(MoveError);
    expect((err as MoveError).location).toBe("source");
    expect((err as MoveError).message).toMatch(/StopProvider/);
    expect(lines.some((l) => /switched to post-copy/.test(l))).toBe(false);
    await expectStillOnA(STOP, before);
  }, 240_000);
});
