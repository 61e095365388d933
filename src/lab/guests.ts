import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LabError } from "../errors.js";
import { buildDomainXml } from "../libvirt/domain-xml.js";
import { buildGuest, type GuestImages } from "./guest/build.js";
import { guestCmdline, lastHeartbeat, parseConsole, type ConsoleReport, type Heartbeat } from "./guest/console.js";
import { connect } from "./lab.js";
import { GUEST_DIR, HOST_NAMES, hostPaths, type HostName } from "./paths.js";
import { loadState } from "./state.js";
import { GUEST_NET } from "./topology.js";

export interface LabGuestOptions {
  name: string;
  memoryMib?: number;
  /** MiB that memcheck keeps under test (written and verified). */
  testMib?: number;
  /** MiB/s memcheck dirties. */
  rateMibPerS?: number;
  heartbeatMs?: number;
  /** An interface on the lab's guest network (lab-net) with this address, serving TCP echo on `echoPort`. */
  net?: { ip: string; echoPort: number };
}

/** Where a guest's serial console lands, as the guest's host sees it (inside its private log dir). */
export function consolePathInHost(name: string): string {
  return `/var/log/libvirt/qemu/${name}.console`;
}

/** The same file seen from this machine's root namespace. */
export function consolePath(host: HostName, name: string): string {
  return join(hostPaths(host).dir("log"), "qemu", `${name}.console`);
}

export function guestImages(): Promise<GuestImages> {
  return buildGuest(GUEST_DIR);
}

/** Defines (persistently) and starts a lab guest on a host, under the lab's accelerator. */
export async function bootGuest(host: HostName, o: LabGuestOptions): Promise<void> {
  const images = await guestImages();
  const accel = loadState()?.accel.accel ?? "tcg";
  const xml = buildDomainXml({
    name: o.name,
    memoryMib: o.memoryMib ?? 256,
    vcpus: 1,
    type: accel === "kvm" ? "kvm" : "qemu",
    kernel: images.kernel,
    initrd: images.initrd,
    cmdline:
      guestCmdline({ memMib: o.testMib ?? 64, rateMibPerS: o.rateMibPerS ?? 0, heartbeatMs: o.heartbeatMs ?? 500 }) +
      (o.net ? ` lv.ip=${o.net.ip}/${GUEST_NET.prefixLen} lv.echo=${o.net.echoPort}` : ""),
    ...(o.net ? { interfaces: [{ network: GUEST_NET.libvirtNetwork, bridge: null, mac: null, model: "virtio" as const }] } : {}),
    consoleLog: consolePathInHost(o.name),
    // A guest that panics must stop visibly rather than come back with a fresh uptime.
    onReboot: "destroy",
  });
  // The console file is appended to (it must survive a move); a stale one from an earlier guest
  // of the same name would show that guest's heartbeats as this one's.
  for (const h of HOST_NAMES) rmSync(consolePath(h, o.name), { force: true });
  const c = connect(host);
  await c.defineXml(xml);
  await c.start(o.name);
}

/** Waits until the guest's echo service listens (its console says LVNET listening); false after the timeout. */
export async function waitForEcho(host: HostName, name: string, timeoutMs = 60_000): Promise<boolean> {
  const file = consolePath(host, name);
  const listening = () => existsSync(file) && /LVNET listening/.test(readFileSync(file, "utf8"));
  const deadline = Date.now() + timeoutMs;
  while (!listening() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  return listening();
}

/**
 * The guest's console on one host. The file is appended to across the lives of every domain of
 * that name on that host (it must be, to survive moves back and forth), so by default only the
 * latest boot is parsed: from the line where its init announced itself (LVINIT). A reboot during
 * a move still shows, as a boot id on the destination that differs from the source's.
 */
export function readConsole(host: HostName, name: string, opts: { allBoots?: boolean } = {}): ConsoleReport {
  const path = consolePath(host, name);
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  return parseConsole(opts.allBoots ? text : latestBoot(text));
}

export function latestBoot(text: string): string {
  const at = text.lastIndexOf("LVINIT");
  if (at < 0) return text;
  const lineStart = text.lastIndexOf("\n", at) + 1;
  return text.slice(lineStart);
}

/** Waits until the guest's console shows memcheck ready and `count` heartbeats after that. */
export async function waitForHeartbeats(host: HostName, name: string, count = 2, timeoutMs = 90_000): Promise<Heartbeat> {
  const deadline = Date.now() + timeoutMs;
  let report = readConsole(host, name);
  while (Date.now() < deadline) {
    report = readConsole(host, name);
    const hb = lastHeartbeat(report);
    if (report.ready && hb && report.heartbeats.length >= count) return hb;
    if (report.fatal.length > 0 || report.kernelProblems.some((p) => p.kind === "panic")) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LabError(
    `lab guest ${name} on host ${host}: no ${count} heartbeats within ${timeoutMs / 1000} s ` +
      `(ready=${report.ready}, heartbeats=${report.heartbeats.length}, fatal=${report.fatal.join("; ") || "none"}, ` +
      `kernel problems=${report.kernelProblems.map((p) => p.text).join("; ") || "none"})`,
  );
}

/** Waits for a heartbeat newer than `after` (by sequence number) on the given host's console. */
export async function waitForNewHeartbeat(host: HostName, name: string, after: Heartbeat, timeoutMs = 30_000): Promise<Heartbeat> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hb = lastHeartbeat(readConsole(host, name));
    if (hb && hb.boot === after.boot && hb.seq > after.seq) return hb;
    if (hb && hb.boot !== after.boot) return hb; // a reboot: let the caller's continuity check say so
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LabError(`lab guest ${name}: no heartbeat after seq ${after.seq} on host ${host} within ${timeoutMs / 1000} s`);
}

/** Removes a guest from a host, whatever state it is in; a guest already gone is fine. */
export async function removeGuest(host: HostName, name: string): Promise<void> {
  const c = connect(host);
  await c.destroy(name);
  await c.undefine(name, { missingOk: true });
}
