/**
 * Everything the preflight needs to know about one host, read once per run (see cache.ts):
 * versions and capabilities through libvirt, kernel and qemu.conf facts through the host's own
 * shell, and the bare-QEMU post-copy probe run as libvirt's QEMU user. Reads run in parallel;
 * each one that fails leaves an explicit unknown with its reason.
 */
import type { Host } from "../model/index.js";
import { capabilitiesWithDac, type QemuProcessIdentity } from "../libvirt/dac-label.js";
import type { HostCapabilities } from "../libvirt/parse/capabilities.js";
import type { DomainCapabilities } from "../libvirt/parse/domcapabilities.js";
import { connect } from "../hosts/registry.js";
import { cached, newCache } from "./cache.js";
import {
  STAT_FORMAT,
  kallsymsHasUserfaultfd,
  kernelConfigUserfaultfd,
  parseDeviceStat,
  parseIdGroups,
  parseSysctlInt,
  parseUnameRelease,
  type DeviceStat,
} from "./kernel-parse.js";
import { attempt, known, unknown, type Known } from "./known.js";
import { migrationTlsConf, parseLibvirtConf, qemuConfFacts, type QemuConfFacts } from "./qemu-conf.js";
import { parseTlsStat, STAT_TLS_FORMAT, TLS_FILES, tlsPath, type TlsMaterial } from "./migration-tls.js";
import { runQemuProbe, type QemuProbeRun } from "./qemu-probe.js";
import { runOnHost, type HostCommandOutcome } from "../hosts/shell.js";

export const QEMU_CONF_PATH = "/etc/libvirt/qemu.conf";
export const UFFD_SYSCTL = "/proc/sys/vm/unprivileged_userfaultfd";
export const UFFD_DEVICE = "/dev/userfaultfd";

export interface KernelFacts {
  release: Known<string>;
  /** The running kernel has the userfaultfd syscall (CONFIG_USERFAULTFD). */
  userfaultfd: Known<boolean>;
  /** vm.unprivileged_userfaultfd; "absent" on kernels before 5.2 (no restriction then). */
  unprivilegedSysctl: Known<number | "absent">;
  /** /dev/userfaultfd (Linux ≥ 6.1); "absent" when the node does not exist. */
  device: Known<DeviceStat | "absent">;
}

export interface QemuProbeFact extends QemuProbeRun {
  /**
   * false when the bare probe cannot reproduce libvirt's QEMU: a non-root QEMU with
   * clear_emulator_capabilities=0 may keep capabilities that setpriv does not give it.
   */
  representative: boolean;
}

export interface HostFacts {
  host: string;
  libvirtVersion: Known<string>;
  qemuVersion: Known<string>;
  capabilities: Known<HostCapabilities>;
  /** TCG domain capabilities: emulator path and default machine (always offered). */
  domCaps: Known<DomainCapabilities>;
  /** uid:gid libvirt runs QEMU as (DAC base label; qemu.conf user as fallback). */
  qemuIdentity: Known<QemuProcessIdentity>;
  qemuUserName: Known<string>;
  /** All group ids of the QEMU user (primary + supplementary), as libvirt sets them. */
  qemuGroups: Known<number[]>;
  qemuConf: Known<QemuConfFacts>;
  /** The migration TLS directory's files (keys stat'ed only) and the hostname. */
  migrationTls: Known<TlsMaterial>;
  /**
   * The libvirt daemon's own TLS files (CA, server and client certificates and keys; libvirtd.conf's
   * ca_file/cert_file/key_file when set) as `stat` sees them — name, size, mtime, mode, owner — and
   * which are absent. Nothing is read: this only tells a cached probe that a certificate changed.
   */
  libvirtTls: Known<string>;
  kernel: KernelFacts;
  qemuProbe: Known<QemuProbeFact>;
  freeMemoryBytes: Known<number>;
  collectedMs: number;
}

const hostCache = newCache<HostFacts>();

/**
 * virsh budget for the fact reads. Long on purpose: a fact that times out becomes "unknown" and
 * weakens the verdict, and a daemon busy re-probing QEMU answers capabilities in ~30 s (lab b
 * running QEMU unprivileged). Read once per run, so a slow host costs once.
 */
export const FACTS_VIRSH_TIMEOUT_MS = 120_000;

/** Host facts for `target`, from the run cache when another plan call already read them. */
export function getHostFacts(target: Host, opts: { signal?: AbortSignal } = {}): { promise: Promise<HostFacts>; cached: boolean } {
  return cached(hostCache, target.uri, () => collectHostFacts(target, opts));
}

function ran(o: HostCommandOutcome): o is Extract<HostCommandOutcome, { kind: "ran" }> {
  return o.kind === "ran";
}

async function cmd(target: Host, argv: string[], signal?: AbortSignal): Promise<HostCommandOutcome> {
  return runOnHost(target, argv, { signal, timeoutMs: 10_000 });
}

function why(o: HostCommandOutcome, what: string): string {
  if (o.kind === "unavailable") return o.reason;
  return `${what} failed (exit ${o.exitCode}): ${o.stderr.trim() || o.stdout.trim() || "no output"}`;
}

async function readRelease(t: Host, signal?: AbortSignal): Promise<Known<string>> {
  const r = await cmd(t, ["uname", "-r"], signal);
  const v = ran(r) && r.exitCode === 0 ? parseUnameRelease(r.stdout) : undefined;
  return v ? known(v, "uname -r") : unknown(why(r, "uname -r"));
}

/** kallsyms first (the running kernel itself), then its build config. */
async function readUserfaultfdBuilt(t: Host, release: Known<string>, signal?: AbortSignal): Promise<Known<boolean>> {
  const ks = await cmd(t, ["grep", "-m1", "-E", "[[:space:]](__[a-z0-9]+_sys_userfaultfd|sys_userfaultfd)$", "/proc/kallsyms"], signal);
  if (ran(ks) && ks.exitCode === 0 && kallsymsHasUserfaultfd(ks.stdout)) return known(true, "/proc/kallsyms has sys_userfaultfd");
  const configs: string[][] = [];
  if (release.known) configs.push(["cat", `/boot/config-${release.value}`]);
  configs.push(["zcat", "/proc/config.gz"]);
  for (const c of configs) {
    const r = await cmd(t, c, signal);
    if (!ran(r) || r.exitCode !== 0) continue;
    const v = kernelConfigUserfaultfd(r.stdout);
    if (v !== undefined) return known(v, `${c[1]}: CONFIG_USERFAULTFD${v ? "=y" : " not set"}`);
  }
  // grep exit 1 = kallsyms was read and has no such symbol: the kernel itself says no.
  if (ran(ks) && ks.exitCode === 1) return known(false, "/proc/kallsyms has no sys_userfaultfd");
  return unknown(why(ks, "grep /proc/kallsyms"));
}

async function readSysctl(t: Host, signal?: AbortSignal): Promise<Known<number | "absent">> {
  const r = await cmd(t, ["cat", UFFD_SYSCTL], signal);
  if (ran(r) && r.exitCode === 0) {
    const v = parseSysctlInt(r.stdout);
    return v === undefined ? unknown(`${UFFD_SYSCTL}: unreadable value "${r.stdout.trim()}"`) : known(v, UFFD_SYSCTL);
  }
  if (ran(r) && /No such file/i.test(r.stderr)) return known("absent", `${UFFD_SYSCTL} does not exist`);
  return unknown(why(r, `cat ${UFFD_SYSCTL}`));
}

async function readDevice(t: Host, signal?: AbortSignal): Promise<Known<DeviceStat | "absent">> {
  const r = await cmd(t, ["stat", "-L", "-c", STAT_FORMAT, UFFD_DEVICE], signal);
  if (ran(r) && r.exitCode === 0) {
    const v = parseDeviceStat(r.stdout);
    return v ? known(v, `stat ${UFFD_DEVICE}`) : unknown(`stat ${UFFD_DEVICE}: unexpected "${r.stdout.trim()}"`);
  }
  if (ran(r) && /No such file/i.test(r.stderr)) return known("absent", `${UFFD_DEVICE} does not exist`);
  return unknown(why(r, `stat ${UFFD_DEVICE}`));
}

const LIBVIRTD_CONF_PATH = "/etc/libvirt/libvirtd.conf";
/** libvirt's default TLS files (the daemon's and, for peer-to-peer moves, its client side). */
const LIBVIRT_TLS_FILES = [
  "/etc/pki/CA/cacert.pem",
  "/etc/pki/libvirt/servercert.pem",
  "/etc/pki/libvirt/private/serverkey.pem",
  "/etc/pki/libvirt/clientcert.pem",
  "/etc/pki/libvirt/private/clientkey.pem",
];

async function readLibvirtTls(t: Host, signal?: AbortSignal): Promise<Known<string>> {
  const conf = await cmd(t, ["cat", LIBVIRTD_CONF_PATH], signal);
  const extra: string[] = [];
  if (ran(conf) && conf.exitCode === 0) {
    try {
      const c = parseLibvirtConf(conf.stdout, LIBVIRTD_CONF_PATH);
      for (const k of ["ca_file", "cert_file", "key_file"]) {
        const v = c.get(k);
        if (typeof v === "string") extra.push(v);
      }
    } catch (e) {
      return unknown(`${LIBVIRTD_CONF_PATH}: ${(e as Error).message}`);
    }
  } else if (!(ran(conf) && /No such file/i.test(conf.stderr))) return unknown(why(conf, `cat ${LIBVIRTD_CONF_PATH}`));
  const files = [...LIBVIRT_TLS_FILES, ...extra];
  const r = await cmd(t, ["stat", "-L", "-c", "%n|%s|%Y|%a|%u|%g", ...files], signal);
  // stat exits 1 when a file is absent: the ones it found are on stdout, the absent ones named on stderr.
  if (!ran(r) || (r.exitCode !== 0 && !/No such file/i.test(r.stderr))) return unknown(why(r, "stat of the libvirt TLS files"));
  const absent = files.filter((f) => r.stderr.includes(`'${f}'`) || r.stderr.includes(`‘${f}’`)).map((f) => `${f}|absent`);
  return known([...r.stdout.trim().split("\n").filter(Boolean), ...absent].sort().join("\n"), `stat ${files.join(" ")}`);
}

async function readQemuConf(t: Host, signal?: AbortSignal): Promise<Known<QemuConfFacts>> {
  const r = await cmd(t, ["cat", QEMU_CONF_PATH], signal);
  if (ran(r) && r.exitCode === 0) return attempt(QEMU_CONF_PATH, async () => qemuConfFacts(parseLibvirtConf(r.stdout, QEMU_CONF_PATH)));
  // No file: every setting is libvirt's compiled-in default.
  if (ran(r) && /No such file/i.test(r.stderr)) return known({}, `${QEMU_CONF_PATH} does not exist (all defaults)`);
  return unknown(why(r, `cat ${QEMU_CONF_PATH}`));
}

/**
 * The migration TLS directory named by qemu.conf: which files exist and their modes (keys are
 * only stat'ed), the certificates' text, and the hostname (the name a destination without
 * migration_host advertises).
 */
async function readMigrationTls(t: Host, conf: Known<QemuConfFacts>, signal?: AbortSignal): Promise<Known<TlsMaterial>> {
  if (!conf.known) return unknown(`qemu.conf unknown (${conf.why})`);
  const dir = migrationTlsConf(conf.value).certDir;
  const [st, name] = await Promise.all([
    cmd(t, ["stat", "-L", "-c", STAT_TLS_FORMAT, ...TLS_FILES.map((f) => tlsPath(dir, f))], signal),
    cmd(t, ["uname", "-n"], signal),
  ]);
  if (!ran(st)) return unknown(why(st, `stat ${dir}`));
  const parsed = parseTlsStat(st.stdout, st.stderr, dir);
  if ("error" in parsed) return unknown(`stat ${dir}: ${parsed.error}`);
  const certs = (["ca-cert", "server-cert", "client-cert"] as const).filter((f) => parsed.files[f]);
  const texts = await Promise.all(certs.map((f) => cmd(t, ["cat", tlsPath(dir, f)], signal)));
  for (const [i, f] of certs.entries()) {
    const r = texts[i]!;
    // Unreadable for livevirt's user: left without text; the check then says what it could not read.
    if (ran(r) && r.exitCode === 0) parsed.files[f]!.pem = r.stdout;
  }
  const hostname = ran(name) && name.exitCode === 0 ? name.stdout.trim() : undefined;
  return known({ dir, files: parsed.files, ...(hostname ? { hostname } : {}) }, `stat and cat in ${dir}`);
}

/** From libvirt's DAC label; failing that, a numeric or root qemu.conf user. */
function resolveIdentity(dac: Known<Map<string, QemuProcessIdentity>>, conf: Known<QemuConfFacts>): Known<QemuProcessIdentity> {
  if (dac.known) {
    const id = dac.value.get("kvm") ?? dac.value.get("qemu");
    if (id) return known(id, "libvirt DAC base label (virsh capabilities)");
  }
  if (conf.known && conf.value.user !== undefined) {
    const u = conf.value.user;
    const g = conf.value.group;
    const num = (s: string | undefined) => (s === "root" ? 0 : s && /^\+?\d+$/.test(s) ? Number(s.replace("+", "")) : undefined);
    const uid = num(u);
    const gid = num(g) ?? (uid === 0 ? 0 : undefined);
    if (uid !== undefined && gid !== undefined) return known({ uid, gid }, `${QEMU_CONF_PATH} user/group`);
  }
  return unknown(`neither libvirt's DAC label nor ${QEMU_CONF_PATH} names the QEMU user${dac.known ? "" : ` (${dac.why})`}`);
}

async function collectHostFacts(target: Host, opts: { signal?: AbortSignal }): Promise<HostFacts> {
  const started = Date.now();
  const signal = opts.signal;
  const c = connect(target, { timeoutMs: FACTS_VIRSH_TIMEOUT_MS });
  // Each read starts as soon as what it needs is known (no waiting for unrelated reads): the chain
  // capabilities + domcapabilities + qemu.conf → QEMU user → bare-QEMU probe is the longest.
  const versionP = attempt("virsh version", () => c.version({ signal }));
  const capsDacP = attempt("virsh capabilities", () => capabilitiesWithDac(target.uri, { signal, timeoutMs: FACTS_VIRSH_TIMEOUT_MS }));
  const domCapsP = attempt("virsh domcapabilities", () => c.domCapabilities({ virttype: "qemu" }, { signal }));
  const freeMemoryP = attempt("virsh freecell", () => c.freeMemory({ signal }));
  const releaseP = readRelease(target, signal);
  const sysctlP = readSysctl(target, signal);
  const deviceP = readDevice(target, signal);
  const qemuConfP = readQemuConf(target, signal);
  const userfaultfdP = releaseP.then((release) => readUserfaultfdBuilt(target, release, signal));
  const migrationTlsP = qemuConfP.then((conf) => readMigrationTls(target, conf, signal));
  const libvirtTlsP = readLibvirtTls(target, signal);
  const identityP = Promise.all([capsDacP, qemuConfP]).then(([caps, conf]) => {
    const dac: Known<Map<string, QemuProcessIdentity>> = caps.known ? known(caps.value.dac, caps.source) : unknown(caps.why);
    return resolveIdentity(dac, conf);
  });

  const userP = identityP.then(async (qemuIdentity) => {
    let qemuGroups: Known<number[]> = unknown(qemuIdentity.known ? "not read" : "QEMU user unknown");
    let qemuUserName: Known<string> = unknown("QEMU user unknown");
    if (qemuIdentity.known) {
      const uid = String(qemuIdentity.value.uid);
      const [g, n] = await Promise.all([cmd(target, ["id", "-G", uid], signal), cmd(target, ["id", "-nu", uid], signal)]);
      const groups = ran(g) && g.exitCode === 0 ? parseIdGroups(g.stdout) : undefined;
      // A uid without a passwd entry gets no supplementary groups from libvirt: just its gid.
      qemuGroups = groups
        ? known(groups, `id -G ${uid}`)
        : ran(g) && g.exitCode === 1
          ? known([qemuIdentity.value.gid], "uid has no passwd entry")
          : unknown(why(g, "id -G"));
      qemuUserName = ran(n) && n.exitCode === 0 && n.stdout.trim() ? known(n.stdout.trim(), `id -nu ${uid}`) : unknown(why(n, "id -nu"));
    }
    return { qemuGroups, qemuUserName };
  });

  const probeP = Promise.all([domCapsP, identityP, qemuConfP]).then(async ([domCaps, qemuIdentity, qemuConf]): Promise<Known<QemuProbeFact>> => {
    const emulator = domCaps.known ? domCaps.value.emulator : undefined;
    if (!emulator) return unknown(`QEMU binary unknown (${domCaps.known ? "domcapabilities has no <path>" : domCaps.why})`);
    if (!qemuIdentity.known) return unknown(`not run: ${qemuIdentity.why}`);
    const { uid, gid } = qemuIdentity.value;
    const r = await runQemuProbe(target, { emulator, uid, gid, signal });
    if ("unavailable" in r) return unknown(r.unavailable);
    const keepsCaps = uid !== 0 && qemuConf.known && qemuConf.value.clearEmulatorCapabilities === false;
    return known({ ...r, representative: !keepsCaps }, `${emulator} -incoming defer, migrate-set-capabilities postcopy-ram`);
  });

  const [version, capsDac, domCaps, freeMemoryBytes, release, sysctl, device, qemuConf, userfaultfd, migrationTls, libvirtTls, qemuIdentity, user, qemuProbe] =
    await Promise.all([
      versionP,
      capsDacP,
      domCapsP,
      freeMemoryP,
      releaseP,
      sysctlP,
      deviceP,
      qemuConfP,
      userfaultfdP,
      migrationTlsP,
      libvirtTlsP,
      identityP,
      userP,
      probeP,
    ]);
  const { qemuGroups, qemuUserName } = user;

  return {
    host: target.name,
    libvirtVersion: version.known ? known(version.value.daemon ?? version.value.library, "virsh version --daemon") : version,
    qemuVersion: version.known ? known(version.value.hypervisor.version, "virsh version (running hypervisor)") : version,
    capabilities: capsDac.known ? known(capsDac.value.caps, capsDac.source) : capsDac,
    domCaps,
    qemuIdentity,
    qemuUserName,
    qemuGroups,
    qemuConf,
    migrationTls,
    libvirtTls,
    kernel: { release, userfaultfd, unprivilegedSysctl: sysctl, device },
    qemuProbe,
    freeMemoryBytes,
    collectedMs: Date.now() - started,
  };
}
