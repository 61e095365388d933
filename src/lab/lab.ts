import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LabError, LivevirtError } from "../errors.js";
import { Connection } from "../libvirt/virsh.js";
import { detectAccel } from "./accel.js";
import { isAlive, prepareHostDirs, readPid, restartDaemon, saveCapsSeed, startDaemon, stopHost } from "./daemon.js";
import type { QemuIdentity } from "./host-config.js";
import { ensureMountNamespace, removeMountNamespace, removeNsDir } from "./mountns.js";
import { ensureNetwork, removeNetwork } from "./netns.js";
import { ensurePackages, STORAGE_DRIVER, type PackageSet } from "./packages.js";
import { HOST_NAMES, LAB_ROOT, hostPaths, type HostName } from "./paths.js";
import { checkLabPreconditions } from "./preconditions.js";
import { ensurePki, installPki } from "./pki.js";
import { ensureSshd, ensureSshFiles, removeSshClientConfig } from "./ssh.js";
import { clearState, LAB_LAYOUT, loadState, saveState, type LabState } from "./state.js";
import { GUEST_NET, TOPOLOGY, tlsUri, unixUri } from "./topology.js";
import { bridgeNetworkXml } from "../libvirt/network-xml.js";
import { allowKvmGroup, denyUnprivilegedUffd, readUffd, restoreUffd } from "./uffd.js";
import { sh } from "./exec.js";

export interface LabUpOptions {
  /** Default: what the running lab has, else "backports". */
  packages?: PackageSet;
  /** Hosts started in the "no post-copy" variant (QEMU unprivileged, userfaultfd denied to it). */
  noPostcopy?: readonly HostName[];
  log?: (message: string) => void;
}

/**
 * How lab plumbing and tests on this machine reach a lab host's daemon directly: the unix socket
 * in its private run dir (no SSH round trip per virsh call). Users, the example stack and the
 * tests that exercise the production path use `sshUri` (topology.ts) instead.
 */
export function hostUri(host: HostName): string {
  return unixUri(hostPaths(host).socket);
}

/** How the other lab host's daemon reaches this one for peer-to-peer moves (TLS, certificates from the lab CA). */
export function migrationUri(host: HostName): string {
  return tlsUri(host);
}

export function connect(host: HostName): Connection {
  return new Connection(hostUri(host));
}

async function waitForDaemon(host: HostName, pid: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      throw new LabError(`libvirtd of lab host ${host} exited during start-up; see ${hostPaths(host).daemonLog}`);
    }
    try {
      await connect(host).version();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new LabError(`libvirtd of lab host ${host} did not answer within ${timeoutMs / 1000} s: ${String(last)}`);
}

/**
 * Brings up the two-host lab. Idempotent: a host whose daemon runs with the wanted QEMU identity
 * is left alone (its guests keep running); one whose identity changes is restarted.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabState> {
  const log = opts.log ?? (() => {});
  const noPostcopy = new Set(opts.noPostcopy ?? []);
  await checkLabPreconditions();
  const prior = loadState();
  // Unless asked, a running lab keeps its package set: restoring a variant must not reinstall.
  const packages = opts.packages ?? prior?.packages ?? "backports";
  if (prior && prior.packages !== packages) {
    log(`switching lab packages ${prior.packages} → ${packages}: restarting both hosts`);
    await labDown({ log });
  } else if (prior && (prior.layout ?? 1) !== LAB_LAYOUT) {
    log(`the running lab has an older layout (${prior.layout ?? 1} → ${LAB_LAYOUT}: SSH, TLS, guest network): rebuilding it`);
    await labDown({ log });
  }
  await ensurePackages(packages, log);
  // Traversable by everyone, whoever creates it first: the no-post-copy variant's QEMU runs as
  // libvirt-qemu and reads the guest kernel below it. (On a fresh machine ensurePki used to create
  // it first, 0700 with its own private directory, and that QEMU failed: "could not open kernel
  // file … Permission denied" — seen in CI on a new machine.)
  mkdirSync(LAB_ROOT, { recursive: true, mode: 0o755 });
  chmodSync(LAB_ROOT, 0o755);
  await ensureNetwork();
  await ensurePki();
  await ensureSshFiles();
  const state: LabState = {
    layout: LAB_LAYOUT,
    packages,
    accel: detectAccel(),
    hosts: { ...(loadState()?.hosts ?? ({} as LabState["hosts"])) },
    uffdFound: loadState()?.uffdFound,
    startedAt: loadState()?.startedAt ?? new Date().toISOString(),
  };
  if (noPostcopy.size > 0) {
    state.uffdFound ??= readUffd();
    denyUnprivilegedUffd();
    allowKvmGroup(await groupId("kvm"));
  } else if (state.uffdFound) {
    restoreUffd(state.uffdFound);
    state.uffdFound = undefined;
  }
  // The first daemon ever started probes QEMU (~8 s); the second then starts from its cache.
  for (const host of HOST_NAMES) {
    const identity: QemuIdentity = noPostcopy.has(host) ? "unprivileged" : "root";
    const running = readPid(host);
    if (running !== undefined && state.hosts[host]?.qemu === identity) {
      // A daemon started before the storage driver was installed has no pools: libvirtd loads its
      // drivers at start-up only. Its QEMUs keep running through the restart.
      // Only when the driver is installed now: a package set without it would restart on every up.
      const pid = !existsSync(STORAGE_DRIVER) || (await storageDriverLoaded(host)) ? running : await restartForStorageDriver(host, log);
      state.hosts[host] = { pid, qemu: identity };
      installPki(host); // renewed certificates reach a running host too
      await ensureSshd(host);
      await ensureGuestLibvirtNetwork(host);
      continue;
    }
    if (running !== undefined) {
      log(`host ${host}: restarting with QEMU as ${identity === "root" ? "root" : "libvirt-qemu"}`);
      await stopHost(host);
    }
    prepareHostDirs(host, identity);
    installPki(host);
    await ensureMountNamespace(host);
    const pid = await startDaemon(host);
    await waitForDaemon(host, pid);
    saveCapsSeed(host);
    await ensureSshd(host);
    await ensureGuestLibvirtNetwork(host);
    state.hosts[host] = { pid, qemu: identity };
    log(`host ${host} (${TOPOLOGY[host].hostname}, ${TOPOLOGY[host].address}) up: pid ${pid}, QEMU as ${identity}`);
  }
  saveState(state);
  return state;
}

/** Whether the host's daemon answers storage-pool calls (its storage driver is loaded). */
export async function storageDriverLoaded(host: HostName): Promise<boolean> {
  try {
    await connect(host).listPools();
    return true;
  } catch (e) {
    if (e instanceof LivevirtError && /not supported by the connection driver/.test(e.message)) return false;
    throw e;
  }
}

async function restartForStorageDriver(host: HostName, log: (m: string) => void): Promise<number> {
  log(`host ${host}: restarting libvirtd to load the storage driver (its guests keep running)`);
  return restartDaemon(host);
}

/** The guest network as a libvirt network on the host (bridge mode on GUEST_NET.bridge). Idempotent. */
async function ensureGuestLibvirtNetwork(host: HostName): Promise<void> {
  const c = connect(host);
  const name = GUEST_NET.libvirtNetwork;
  const found = (await c.listNetworks()).find((n) => n.name === name);
  if (!found) await c.defineNetworkXml(bridgeNetworkXml(name, GUEST_NET.bridge));
  if (!found?.active) await c.startNetwork(name);
  if (!found?.autostart) await c.autostartNetwork(name);
}

/** Stops everything the lab made: guests and daemons by PID, namespaces, the link, its files. */
export async function labDown(opts: { log?: (message: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const state = loadState();
  for (const host of HOST_NAMES) {
    await stopHost(host);
    await removeMountNamespace(host);
  }
  await removeNetwork();
  await removeNsDir();
  removeSshClientConfig();
  if (state?.uffdFound) restoreUffd(state.uffdFound);
  // Hosts start clean next time; the built guest and the QEMU capability cache are kept.
  rmSync(join(LAB_ROOT, "hosts"), { recursive: true, force: true });
  clearState();
  log("lab down");
}

export interface HostStatus {
  name: HostName;
  uri: string;
  migrationUri: string;
  address: string;
  pid?: number;
  qemu?: QemuIdentity;
  answering: boolean;
  hostname?: string;
  libvirt?: string;
  hypervisor?: string;
  domains?: string[];
  error?: string;
}

export interface LabStatus {
  up: boolean;
  packages?: PackageSet;
  accel?: LabState["accel"];
  hosts: HostStatus[];
}

export async function labStatus(): Promise<LabStatus> {
  const state = loadState();
  const hosts = await Promise.all(
    HOST_NAMES.map(async (name): Promise<HostStatus> => {
      const s: HostStatus = {
        name,
        uri: hostUri(name),
        migrationUri: migrationUri(name),
        address: TOPOLOGY[name].address,
        pid: readPid(name),
        qemu: state?.hosts[name]?.qemu,
        answering: false,
      };
      if (s.pid === undefined) return s;
      try {
        const c = connect(name);
        const v = await c.version();
        s.libvirt = v.daemon ?? v.library;
        s.hypervisor = `${v.hypervisor.name} ${v.hypervisor.version}`;
        s.hostname = await c.hostname();
        s.domains = (await c.listDomains({ all: true })).map((d) => d.name);
        s.answering = true;
      } catch (e) {
        s.error = e instanceof Error ? e.message : String(e);
      }
      return s;
    }),
  );
  return { up: state !== undefined && hosts.every((h) => h.answering), packages: state?.packages, accel: state?.accel, hosts };
}

async function groupId(name: string): Promise<number> {
  const line = (await sh("getent", ["group", name])).trim();
  const gid = Number(line.split(":")[2]);
  if (!Number.isInteger(gid))
    throw new LabError(`group ${name} not found (getent printed "${line}")`, { fix: "install libvirt's QEMU driver package, which creates it" });
  return gid;
}
