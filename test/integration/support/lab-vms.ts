/**
 * Terraform configurations of self-checking lab guests, and the checks the fault tests share:
 * where a domain is (asked of libvirt on both hosts) and whether the guest lived through
 * whatever happened (its own console: same boot, counters advanced, verifier 0 errors).
 */
import { expect } from "vitest";
import { rmSync } from "node:fs";
import { consolePath, consolePathInHost, guestImages, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../../src/lab/guests.js";
import { checkContinuity, guestCmdline, lastHeartbeat, type Continuity, type Heartbeat } from "../../../src/lab/guest/console.js";
import { connect, hostUri, migrationUri } from "../../../src/lab/lab.js";
import { labHostTarget } from "../../../src/lab/targets.js";
import { faultLinkAddress, tlsUri, type FaultLink } from "../../../src/lab/topology.js";
import { TerraformDir } from "./terraform.js";

export type LabHost = "a" | "b";

export interface LabVm {
  name: string;
  host: LabHost;
  /** MiB memcheck keeps under test, and how fast it dirties them. */
  testMib: number;
  rate: number;
  migration: Record<string, unknown>;
}

export const vmAddress = (name: string) => `livevirt_vm.${name.replaceAll("-", "_")}`;

/** main.tf.json for the lab's two hosts and these VMs (TCG guests of 256 MiB). */
export async function labConfig(vms: LabVm[], hostExtra: HostExtra = {}): Promise<Record<string, unknown>> {
  const img = await guestImages();
  const resource: Record<string, unknown> = {};
  for (const v of vms) {
    resource[v.name.replaceAll("-", "_")] = {
      name: v.name,
      host: v.host,
      memory_mib: 256,
      domain_type: "qemu",
      kernel: img.kernel,
      initrd: img.initrd,
      cmdline: guestCmdline({ memMib: v.testMib, rateMibPerS: v.rate, heartbeatMs: 500 }),
      console_log: consolePathInHost(v.name),
      migration: [v.migration],
    };
  }
  return { ...labProviderConfig(hostExtra), ...(vms.length > 0 ? { resource: { livevirt_vm: resource } } : {}) };
}

/** More attributes for a lab host's provider block, in HCL spelling (e.g. { b: { max_outbound_moves: 2 } }). */
export type HostExtra = Partial<Record<LabHost, Record<string, unknown>>>;

/**
 * The lab's hosts declared on a fault link (src/lab/topology.ts FAULT_LINKS): the daemons dial
 * each other and the data flows over that link only, so cutting it stops only this test's moves.
 */
export const onFaultLink = (link: FaultLink): HostExtra =>
  Object.fromEntries((["a", "b"] as const).map((h) => [h, { migration_uri: tlsUri(h, link), migration_address: faultLinkAddress(link, h) }])) as HostExtra;

/** The `terraform` and `provider` parts of a main.tf.json for the lab's two hosts. */
export function labProviderConfig(hostExtra: HostExtra = {}): Record<string, unknown> {
  const host = (h: LabHost) => ({ name: h, uri: hostUri(h), migration_uri: migrationUri(h), shell: [...labHostTarget(h).shell!], ...hostExtra[h] });
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: { livevirt: { host: [host("a"), host("b")] } },
  };
}

/** Removes domains of these names from both hosts, with their console files (a fresh start for a file). */
export async function freshNames(names: readonly string[]): Promise<void> {
  for (const n of names) {
    for (const h of ["a", "b"] as const) {
      await removeGuest(h, n);
      rmSync(consolePath(h, n), { force: true });
    }
  }
}

/** Every domain defined on a host (running or not), by name. */
export async function domainsOn(h: LabHost): Promise<string[]> {
  return (await connect(h).listDomains({ all: true })).map((d) => d.name);
}

/**
 * The guest lived through whatever happened since `before` (a heartbeat taken beforehand) and
 * now runs on `now`: a fresh heartbeat there, same boot, counters advanced, no bad page.
 */
export async function expectContinuous(name: string, before: Heartbeat, now: LabHost): Promise<Continuity> {
  await waitForNewHeartbeat(now, name, lastHeartbeat(readConsole(now, name)) ?? before);
  const c = checkContinuity(before, readConsole(now, name));
  expect(c.problems).toEqual([]);
  return c;
}

/**
 * A Terraform directory with these VMs deployed on the lab by `terraform apply` (their names made
 * fresh on both hosts first), and each guest's third heartbeat: the set-up of the files that move
 * lab VMs through Terraform.
 */
export async function deployLab(vms: readonly LabVm[], hostExtra: HostExtra = {}): Promise<{ tf: TerraformDir; before: Map<string, Heartbeat> }> {
  await freshNames(vms.map((v) => v.name));
  const tf = await TerraformDir.create();
  tf.writeConfig(await labConfig([...vms], hostExtra));
  await tf.run(["init", "-input=false", "-no-color"]);
  await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  const before = new Map<string, Heartbeat>();
  for (const v of vms) before.set(v.name, await waitForHeartbeats(v.host, v.name, 3));
  return { tf, before };
}

/** The other half: destroy what the directory holds, remove the names from both hosts, then the directory. */
export async function tearDownLab(tf: TerraformDir | undefined, names: readonly string[]): Promise<void> {
  await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
  await freshNames(names).catch(() => undefined);
  tf?.remove();
}
