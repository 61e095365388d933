/**
 * Shared by the fault tests: one lab guest as a livevirt_vm in a Terraform directory, and the
 * checks every fault case ends with (where libvirt says the VM is, what the state says, the
 * guest's own console).
 */
import { expect } from "vitest";
import { rmSync } from "node:fs";
import { consolePath, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat, type Heartbeat } from "../../../src/lab/guest/console.js";
import { connect } from "../../../src/lab/lab.js";
import { migrationStreams } from "../../../src/lab/netns.js";
import { faultLinkAddress, type FaultLink } from "../../../src/lab/topology.js";
import type { DomainState } from "../../../src/libvirt/parse/domstate.js";
import { DomainNotFoundError } from "../../../src/errors.js";
import { resourceValues, TerraformDir } from "./terraform.js";
import { labConfig, vmAddress, type HostExtra, type LabHost, type LabVm } from "./lab-vms.js";

export type Host = LabHost;

export type FaultVm = LabVm;

export const address = vmAddress;

/** The lab's two hosts and these VMs as main.tf.json (one definition for every test: lab-vms.ts). */
export const configFor = labConfig;

/**
 * A move of this test is streaming over its own fault link right now (migration_address): what
 * makes cutting that link this test's alone. `ss` in a's namespace, established connections only.
 */
export async function expectStreamOnLink(link: FaultLink): Promise<void> {
  const streams = await migrationStreams("a");
  console.log(`FAULT-LINK streams from a: ${streams.join(", ")}`);
  expect(streams.some((s) => s.split(" → ")[1]!.startsWith(`${faultLinkAddress(link, "b")}:`))).toBe(true);
}

/** Removes leftovers of earlier runs (domains on both hosts, appended console files). */
export async function cleanSlate(names: string[]): Promise<void> {
  for (const n of names) {
    for (const h of ["a", "b"] as const) {
      await removeGuest(h, n);
      rmSync(consolePath(h, n), { force: true });
    }
  }
}

export async function newTerraform(hosts: HostExtra = {}): Promise<TerraformDir> {
  const tf = await TerraformDir.create();
  tf.writeConfig(await configFor([], hosts));
  await tf.run(["init", "-input=false", "-no-color"]);
  return tf;
}

/** Creates the VM through Terraform and returns its first heartbeats' last one. */
export async function deploy(tf: TerraformDir, vm: FaultVm, hosts: HostExtra = {}): Promise<Heartbeat> {
  tf.writeConfig(await configFor([vm], hosts));
  await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  return waitForHeartbeats(vm.host, vm.name, 3);
}

/** libvirt's state of the domain on a host, or null when that host does not have it. */
export async function stateOn(h: Host, name: string): Promise<DomainState | null> {
  try {
    return await connect(h).domainState(name);
  } catch (e) {
    if (e instanceof DomainNotFoundError) return null;
    throw e;
  }
}

/** Polls until `pred` holds for the domain's state on `h` (a fault's trigger point, not a timing assertion). */
export async function waitForState(
  h: Host,
  name: string,
  pred: (s: DomainState | null) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<DomainState | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stateOn(h, name);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`${name} on ${h}: never ${what} (last: ${s ? `${s.state} (${s.reason})` : "absent"})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The VM runs on `h` only, the state says `h`, and the guest lived through it all (same boot, 0 errors). */
export async function expectOnlyOn(tf: TerraformDir, vm: FaultVm, h: Host, before: Heartbeat, opts: { frozenMs?: number } = {}): Promise<void> {
  const other: Host = h === "a" ? "b" : "a";
  expect((await stateOn(h, vm.name))?.state).toBe("running");
  expect(await stateOn(other, vm.name)).toBeNull();
  expect(resourceValues(await tf.stateJson(), address(vm.name))!.host).toBe(h);
  await expectContinuous(vm.name, before, h, opts);
}

/**
 * Same boot as `before`, uptime and counters advanced, verifier at 0 errors — read on host `now`.
 * `frozenMs`: the fault froze the guest that long (a post-copy guest waits for pages still on a cut
 * link's other side); the guest kernel's soft-lockup watchdog then rightly reports its vCPU "stuck"
 * for up to that long, which is accepted — a longer claim, or any other kernel problem, is not.
 */
export async function expectContinuous(name: string, before: Heartbeat, now: Host, opts: { frozenMs?: number } = {}) {
  const last = lastHeartbeat(readConsole(now, name)) ?? before;
  await waitForNewHeartbeat(now, name, last);
  const c = checkContinuity(before, readConsole(now, name));
  const frozenS = (opts.frozenMs ?? 0) / 1000;
  const explained = (p: string) => {
    const stuck = /watchdog: BUG: soft lockup - CPU#\d+ stuck for (\d+)s!/.exec(p);
    return stuck !== null && Number(stuck[1]) <= frozenS;
  };
  for (const p of c.problems.filter(explained)) console.log(`${name}: accepted, the guest was frozen ${frozenS.toFixed(0)} s by the fault: ${p}`);
  expect(c.problems.filter((p) => !explained(p))).toEqual([]);
  expect(c.after!.boot).toBe(before.boot);
  expect(c.after!.errors).toBe(0);
  return c;
}

/** Nothing left to do: the state matches the configuration and libvirt. */
export async function expectConverged(tf: TerraformDir): Promise<void> {
  expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
}
