import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { LabError } from "../errors.js";
import { HOST_NAMES, hostPaths, LAB_ROOT, PRIVATE_DIRS, type HostName, type PrivateDir } from "./paths.js";
import { clientDn } from "./pki.js";
import { TOPOLOGY, unixUri } from "./topology.js";
import { Connection } from "../libvirt/virsh.js";
import { libvirtdConf, qemuConf, type QemuIdentity } from "./host-config.js";
import { inHost } from "./mountns.js";
import { pidsInNetns } from "./netns.js";

/** QEMU capability probing dominates daemon start (~8 s); a cache kept across lab runs makes it ~0.2 s. */
const CAPS_SEED = join(LAB_ROOT, "caps-cache");

/** Lays out a host's private directories and writes its configuration. */
export function prepareHostDirs(host: HostName, identity: QemuIdentity): void {
  const p = hostPaths(host);
  for (const d of Object.keys(PRIVATE_DIRS) as PrivateDir[]) mkdirSync(p.dir(d), { recursive: true });
  if (!existsSync(join(p.dir("etc"), "qemu.conf.dist"))) {
    cpSync("/etc/libvirt", p.dir("etc"), { recursive: true });
    cpSync("/etc/libvirt/qemu.conf", join(p.dir("etc"), "qemu.conf.dist"));
  }
  writeFileSync(join(p.dir("etc"), "libvirtd.conf"), libvirtdConf(TOPOLOGY[host], HOST_NAMES.map(clientDn)));
  writeFileSync(join(p.dir("etc"), "qemu.conf"), qemuConf(TOPOLOGY[host], identity));
  if (existsSync(CAPS_SEED) && !existsSync(join(p.dir("cache"), "qemu"))) {
    cpSync(CAPS_SEED, join(p.dir("cache"), "qemu"), { recursive: true });
  }
  // An unprivileged QEMU (the "no post-copy" variant) must still reach its per-domain dirs and logs.
  for (const d of ["lib", "log", "run"] as const) chmodSync(p.dir(d), 0o755);
  for (const sub of ["qemu"]) {
    const dir = join(p.dir("log"), sub);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o1777);
  }
}

export function readPid(host: HostName): number | undefined {
  const f = hostPaths(host).pidFile;
  if (!existsSync(f)) return undefined;
  const pid = Number(readFileSync(f, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * Running, not merely present: a daemon killed after its starter exited is reparented to PID 1,
 * which on this machine kind does not reap children, so it lingers as a zombie that
 * kill(pid, 0) still "finds".
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X" && state !== "";
  } catch {
    return false;
  }
}

/**
 * A child subreaper (Perl, which every Debian system has: perl-base is essential) that starts the
 * command it is given, writes that child's PID to fd 3, and then reaps every process orphaned
 * below it until none is left. libvirt starts QEMU daemonized, so each QEMU is an orphan; on this
 * machine kind PID 1 reaps orphans only every couple of seconds, and libvirt waits for a killed
 * QEMU to be gone (kill(pid, 0) every 200 ms, which a zombie passes). Measured on the lab:
 * `virsh destroy` of a TCG domain took 1.6–2.0 s although QEMU exited 10 ms after its SIGTERM;
 * the same wait ended every move (the source's QEMU is stopped before `virsh migrate` returns).
 * A host with systemd reaps at once; so does the lab now. The reaper exits with its last child
 * (a restarted daemon's QEMUs stay with the old reaper, which outlives the old daemon for them).
 */
const REAPER = [
  "use strict; use POSIX ();",
  "my %nr = (x86_64 => 157, aarch64 => 167);",
  'my $prctl = $nr{(POSIX::uname())[4]} // die "lab reaper: no prctl syscall number for this architecture\\n";',
  'syscall($prctl, 36, 1, 0, 0, 0) == 0 or die "lab reaper: prctl(PR_SET_CHILD_SUBREAPER): $!\\n";',
  'my $pid = fork() // die "lab reaper: fork: $!\\n";',
  'if ($pid == 0) { POSIX::close(3); exec { $ARGV[0] } @ARGV or die "lab reaper: exec $ARGV[0]: $!\\n"; }',
  'open(my $out, \'>&=\', 3) or die "lab reaper: fd 3: $!\\n"; print $out "$pid\\n"; close($out);',
  "1 while wait() != -1;",
].join(" ");

/**
 * Starts libvirtd inside the host's namespaces under its reaper (above), detached, logging to a
 * file. Returns the daemon's PID (nsenter without --fork execs libvirtd in place, so the reaper's
 * child is the daemon).
 */
export async function startDaemon(host: HostName): Promise<number> {
  const p = hostPaths(host);
  // A stale socket from a killed daemon makes the next one fail to bind.
  rmSync(p.socket, { force: true });
  rmSync(join(p.dir("run"), "libvirt-sock-ro"), { force: true });
  rmSync(join(p.dir("run"), "libvirt-admin-sock"), { force: true });
  const log = openSync(p.daemonLog, "a");
  const child = spawn("perl", ["-e", REAPER, "nsenter", ...inHost(host), "/usr/sbin/libvirtd", "--listen", "--pid-file", p.pidFile], {
    detached: true,
    stdio: ["ignore", log, log, "pipe"],
  });
  closeSync(log);
  const pidPipe = child.stdio[3] as Readable | null;
  if (child.pid === undefined || !pidPipe) throw new LabError(`could not start libvirtd for lab host ${host}`);
  let text = "";
  pidPipe.setEncoding("utf8");
  for await (const chunk of pidPipe) text += chunk;
  child.unref();
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new LabError(`could not start libvirtd for lab host ${host}: its reaper said "${text.trim()}"; see ${p.daemonLog}`);
  }
  return pid;
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    alive = alive.filter(isAlive);
  }
  return alive;
}

/**
 * Stops a host: its daemon and every QEMU in its network namespace, by PID, waiting for them
 * to exit (a daemon that is still shutting down holds its socket and blocks the next start).
 */
export async function stopHost(host: HostName): Promise<void> {
  const pids = new Set(await pidsInNetns(TOPOLOGY[host].netns));
  const daemon = readPid(host);
  if (daemon !== undefined) pids.add(daemon);
  const list = [...pids];
  for (const pid of list) signal(pid, "SIGTERM");
  const left = await waitGone(list, 10_000);
  for (const pid of left) signal(pid, "SIGKILL");
  const stuck = await waitGone(left, 5_000);
  if (stuck.length > 0) throw new LabError(`lab host ${host}: processes ${stuck.join(", ")} did not exit`);
  rmSync(hostPaths(host).pidFile, { force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Keeps the QEMU capability cache for the next lab start (same binaries ⇒ same capabilities). */
export function saveCapsSeed(host: HostName): void {
  const src = join(hostPaths(host).dir("cache"), "qemu");
  if (existsSync(src) && !existsSync(CAPS_SEED)) cpSync(src, CAPS_SEED, { recursive: true });
}

/**
 * Restarts only a host's libvirtd (fault tests: the daemon restarted mid-move). Its QEMUs keep
 * running — they live in the host's namespaces, not under the daemon — and the new daemon
 * reconnects to them. `downMs` keeps the host without a daemon for a while. Returns the new PID
 * once the daemon answers.
 */
export async function restartDaemon(host: HostName, o: { signal?: NodeJS.Signals; downMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const old = readPid(host);
  if (old !== undefined) {
    signal(old, o.signal ?? "SIGTERM");
    const left = await waitGone([old], 15_000);
    if (left.length > 0) {
      signal(old, "SIGKILL");
      if ((await waitGone(left, 5_000)).length > 0) throw new LabError(`lab host ${host}: libvirtd ${old} did not exit`);
    }
  }
  if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
  const pid = await startDaemon(host);
  const c = new Connection(unixUri(hostPaths(host).socket), { timeoutMs: 5_000 });
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    if (!isAlive(pid)) throw new LabError(`libvirtd of lab host ${host} exited during restart; see ${hostPaths(host).daemonLog}`);
    try {
      await c.version();
      return pid;
    } catch (e) {
      if (Date.now() > deadline) throw new LabError(`libvirtd of lab host ${host} did not answer after restart: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
