/**
 * Shared by the fault tests: one lab guest as a livevirt_vm in a Terraform directory, and the
 * checks every fault case ends with (where libvirt says the VM is, what the state says, the
 * guest's own console).
 */
import { expect } from "vitest";
import { existsSync, rmSync } from "node:fs";
import { execa } from "execa";
import { consolePath, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat, type Heartbeat } from "../../../src/lab/guest/console.js";
import { connect } from "../../../src/lab/lab.js";
import { TOPOLOGY } from "../../../src/lab/topology.js";
import type { DomainState } from "../../../src/libvirt/parse/domstate.js";
import { DomainNotFoundError } from "../../../src/errors.js";
import { resourceValues, TerraformDir } from "./terraform.js";
import { labConfig, vmAddress, type LabHost, type LabVm } from "./lab-vms.js";

export type Host = LabHost;

export type FaultVm = LabVm;

export const address = vmAddress;

/** The lab's two hosts and these VMs as main.tf.json (one definition for every test: lab-vms.ts). */
export const configFor = labConfig;

/** Removes leftovers of earlier runs (domains on both hosts, appended console files). */
export async function cleanSlate(names: string[]): Promise<void> {
  for (const n of names) {
    for (const h of ["a", "b"] as const) {
      await removeGuest(h, n);
      rmSync(consolePath(h, n), { force: true });
    }
  }
}

export async function newTerraform(): Promise<TerraformDir> {
  const tf = await TerraformDir.create();
  tf.writeConfig(await configFor([]));
  await tf.run(["init", "-input=false", "-no-color"]);
  return tf;
}

/** Creates the VM through Terraform and returns its first heartbeats' last one. */
export async function deploy(tf: TerraformDir, vm: FaultVm): Promise<Heartbeat> {
  tf.writeConfig(await configFor([vm]));
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
export async function waitForState(h: Host, name: string, pred: (s: DomainState | null) => boolean, what: string, timeoutMs = 120_000): Promise<DomainState | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stateOn(h, name);
    if (pred(s)) return s;
    if (Date.now() > deadline) throw new Error(`${name} on ${h}: never ${what} (last: ${s ? `${s.state} (${s.reason})` : "absent"})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The VM runs on `h` only, the state says `h`, and the guest lived through it all (same boot, 0 errors). */
export async function expectOnlyOn(tf: TerraformDir, vm: FaultVm, h: Host, before: Heartbeat): Promise<void> {
  const other: Host = h === "a" ? "b" : "a";
  expect((await stateOn(h, vm.name))?.state).toBe("running");
  expect(await stateOn(other, vm.name)).toBeNull();
  expect(resourceValues(await tf.stateJson(), address(vm.name))!.host).toBe(h);
  await expectContinuous(vm.name, before, h);
}

/** Same boot as `before`, uptime and counters advanced, verifier at 0 errors — read on host `now`. */
export async function expectContinuous(name: string, before: Heartbeat, now: Host) {
  const last = lastHeartbeat(readConsole(now, name)) ?? before;
  await waitForNewHeartbeat(now, name, last);
  const c = checkContinuity(before, readConsole(now, name));
  expect(c.problems).toEqual([]);
  expect(c.after!.boot).toBe(before.boot);
  expect(c.after!.errors).toBe(0);
  return c;
}

/** Nothing left to do: the state matches the configuration and libvirt. */
export async function expectConverged(tf: TerraformDir): Promise<void> {
  expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
}

const RTO_MAX = "net.ipv4.tcp_rto_max_ms";

/**
 * Sets the longest wait between TCP retransmissions inside both lab hosts' network namespaces
 * (net.ipv4.tcp_rto_max_ms, Linux ≥ 6.15, default 120 s; read by each socket when it is created)
 * and returns what was there before, to restore. After a long cut, a link that is back is only
 * noticed at the next retransmission: with the default back-off, QEMU's migration stream sits
 * idle for up to two minutes after the link returned. The link tests lower it for their own run:
 * what they check — who notices the cut, what the apply says, that the move completes once the
 * link is back — does not depend on it, only how long that last wait takes. Where the kernel has
 * no such setting, nothing changes (the wait is just longer).
 */
export async function setTcpRtoMax(ms: Partial<Record<Host, number>> | number): Promise<Partial<Record<Host, number>>> {
  const before: Partial<Record<Host, number>> = {};
  if (!existsSync(`/proc/sys/${RTO_MAX.replaceAll(".", "/")}`)) return before;
  for (const h of ["a", "b"] as const) {
    const want = typeof ms === "number" ? ms : ms[h];
    if (want === undefined) continue;
    const ns = ["netns", "exec", TOPOLOGY[h].netns, "sysctl"];
    before[h] = Number((await execa("ip", [...ns, "-n", RTO_MAX])).stdout.trim());
    await execa("ip", [...ns, "-q", "-w", `${RTO_MAX}=${want}`]);
  }
  return before;
}
