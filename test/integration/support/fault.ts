/**
 * Shared steps of the fault tests: one lab guest under Terraform, waits on libvirt for a move's
 * phase, and the checks every fault ends with (guest verifier, continuity, where libvirt says the
 * VM is).
 */
import { expect } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { consolePath, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat, type Heartbeat } from "../../../src/lab/guest/console.js";
import { connect } from "../../../src/lab/lab.js";
import { DomainNotFoundError } from "../../../src/errors.js";
import type { DomJobInfo } from "../../../src/libvirt/parse/domjobinfo.js";
import type { DomainState } from "../../../src/libvirt/parse/domstate.js";
import type { TerraformDir } from "./terraform.js";
import { labConfig, vmAddress, type LabHost, type LabVm } from "./lab-vms.js";

export type Host = LabHost;

export type GuestCase = LabVm;

export const address = vmAddress;

/** The lab's two hosts and these VMs as main.tf.json (one definition for every test: lab-vms.ts). */
export const configFor = labConfig;

/** Creates the guest through Terraform and returns its heartbeat once memcheck runs. */
export async function deploy(tf: TerraformDir, vm: GuestCase): Promise<Heartbeat> {
  tf.writeConfig(await configFor([vm]));
  await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  return waitForHeartbeats(vm.host, vm.name, 3);
}

/** Polls `probe` until it returns a value; fails with `what` and the last value seen. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? ` (last: ${String(last)})` : ""}`);
}

export async function stateOn(h: Host, name: string): Promise<DomainState | "absent"> {
  try {
    return await connect(h).domainState(name);
  } catch (e) {
    if (e instanceof DomainNotFoundError) return "absent";
    throw e;
  }
}

export const shown = (s: DomainState | "absent") => (s === "absent" ? s : `${s.state} (${s.reason})`);

/** The source's migration job once pre-copy really moves data (not just set up). */
export function precopyRunning(h: Host, name: string): Promise<DomJobInfo> {
  return waitUntil(`a running pre-copy of ${name} on ${h}`, async () => {
    const j = await connect(h).domJobInfo(name);
    const moving = (j.type === "Unbounded" || j.type === "Bounded") && j.operation === "Outgoing migration" && (j.memoryProcessedBytes ?? 0) > 0;
    return moving ? j : undefined;
  });
}

/** Resolves once the source says "paused (post-copy)": the switch has happened. */
export function postcopyRunning(h: Host, name: string): Promise<DomainState> {
  return waitUntil(
    `the post-copy switch of ${name} on ${h}`,
    async () => {
      const s = await stateOn(h, name);
      return s !== "absent" && s.reason === "post-copy" ? s : undefined;
    },
    180_000,
    100,
  );
}

/**
 * Lets the rest of a post-copy move go at full speed. The fault tests cap post-copy low so that
 * their fault lands in it; once the fault has landed and the product has answered it, the pages
 * still to come are only a wait. A move that ended meanwhile has nothing left to speed up.
 */
export async function hurryPostcopy(h: Host, name: string): Promise<void> {
  try {
    await connect(h).migrateSetSpeed(name, 1024, { postcopy: true });
  } catch (e) {
    const s = await stateOn(h, name);
    if (s !== "absent" && s.reason === "post-copy") throw e;
  }
}

/**
 * The guest lived through whatever happened since `before`: same boot, uptime and counters
 * advanced, memcheck 0 bad pages, no kernel problem — on host `now`.
 */
export async function expectContinuous(name: string, before: Heartbeat, now: Host) {
  await waitForNewHeartbeat(now, name, lastHeartbeat(readConsole(now, name)) ?? before);
  const c = checkContinuity(before, readConsole(now, name));
  expect(c.problems).toEqual([]);
  return c;
}

/** The provider's own log lines from TF_LOG_PATH (empty when the file does not exist). */
export function providerLog(tf: TerraformDir, file: string): string {
  const p = join(tf.dir, file);
  return existsSync(p) ? readFileSync(p, "utf8") : "";
}

/**
 * Removes a test guest from both hosts, and its console files (consoles are appended to: an
 * earlier run's guest would look like a reboot). An orphaned job would keep the domain busy:
 * abort it first (refused in post-copy; the destroy then ends it).
 */
export async function cleanDomain(name: string): Promise<void> {
  for (const h of ["a", "b"] as const) {
    await connect(h)
      .domJobAbort(name)
      .catch(() => undefined);
    await removeGuest(h, name);
    rmSync(consolePath(h, name), { force: true });
  }
}
