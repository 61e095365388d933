import { existsSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { LabError } from "../errors.js";
import { sh } from "./exec.js";

/**
 * Which libvirt/QEMU the lab runs. "backports" (default): libvirt 11.3 / QEMU 10.0 from Debian's
 * bookworm-backports — measured clean over 40 post-copy moves. "stock": Debian 12's libvirt 9.0 /
 * QEMU 7.2, kept selectable for version-dependent checks; its guests crashed after some moves.
 */
export type PackageSet = "backports" | "stock";

const BACKPORTS_SOURCE = "/etc/apt/sources.list.d/livevirt-backports.sources";
/** Packages whose version decides the set; each needs the matching suite. */
const VIRT_PACKAGES = ["libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients", "qemu-system-x86", "qemu-utils"];
/** QEMU and libvirt pin these at their own versions: they must come from the same suite. */
const COMPANIONS = ["qemu-system-common", "qemu-system-data", "seabios", "libvirt0"];
/** Split out of libvirt-daemon after 9.0: only backports has them; going to stock removes them. */
const BACKPORTS_ONLY = ["libvirt-common", "libvirt-daemon-common", "libvirt-daemon-log", "libvirt-daemon-driver-network", "libvirt-daemon-driver-storage"];
/** Installed with the backports set only: in 9.0 the network and storage drivers are part of libvirt-daemon. */
const BACKPORTS_EXTRA = ["libvirt-daemon-driver-network", "libvirt-daemon-driver-storage"];
/** libvirt's network driver (the lab's guest network is a libvirt network on each host). */
const NETWORK_DRIVER = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_network.so";
/** libvirt's storage driver with its dir/fs backends (disks from storage pools; libvirt's own volume pre-creation in moves). */
export const STORAGE_DRIVER = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_storage.so";
const TOOLS = ["busybox-static", "cpio", "gcc", "libc6-dev", "iproute2", "util-linux", "procps", "openssh-server", "openssh-client", "openssl"];
const TOOL_BINARIES = [
  "/bin/busybox",
  "/usr/bin/cpio",
  "/usr/bin/gcc",
  "/usr/sbin/ip",
  "/usr/bin/nsenter",
  "/usr/sbin/sysctl",
  "/usr/sbin/sshd",
  "/usr/bin/ssh",
  "/usr/bin/openssl",
];

export async function installedVersion(pkg: string): Promise<string | undefined> {
  const r = await execa("dpkg-query", ["-W", "-f", "${db:Status-Status} ${Version}", pkg], { reject: false });
  const [status, version] = r.stdout.toString().split(" ");
  return status === "installed" ? version : undefined;
}

export function setOf(version: string | undefined): PackageSet | undefined {
  if (version === undefined) return undefined;
  return version.includes("bpo") ? "backports" : "stock";
}

/** What is installed now, judged by libvirt's daemon and QEMU packages together. */
export async function currentPackageSet(): Promise<PackageSet | "mixed" | undefined> {
  const sets = await Promise.all(["libvirt-daemon", "qemu-system-x86"].map(async (p) => setOf(await installedVersion(p))));
  if (sets.some((s) => s === undefined)) return undefined;
  return sets[0] === sets[1] ? sets[0] : "mixed";
}

function ensureBackportsSource(): boolean {
  if (existsSync(BACKPORTS_SOURCE)) return false;
  writeFileSync(
    BACKPORTS_SOURCE,
    [
      "# Added by livevirt's lab (src/lab/packages.ts): libvirt 11.3 / QEMU 10.0 for the lab hosts.",
      "Types: deb",
      "URIs: http://deb.debian.org/debian",
      "Suites: bookworm-backports",
      "Components: main",
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg",
      "",
    ].join("\n"),
  );
  return true;
}

async function apt(args: string[]): Promise<void> {
  const r = await execa("apt-get", args, {
    reject: false,
    env: { DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" },
    timeout: 600_000,
  });
  if (r.exitCode !== 0) {
    throw new LabError(`apt-get ${args.join(" ")} failed:\n${r.stderr.toString().slice(-2000)}`, {
      fix: "the lab installs Debian packages; check that Debian's archive (incl. bookworm-backports) is reachable",
    });
  }
}

/**
 * Makes sure the packages the lab needs are installed, in the requested set. Naming each package
 * as pkg/bookworm-backports (not `-t`) keeps systemd at Debian 12's version (measured).
 */
export async function ensurePackages(set: PackageSet, log: (m: string) => void): Promise<void> {
  const current = await currentPackageSet();
  const toolsMissing = [...TOOL_BINARIES, NETWORK_DRIVER, ...(set === "backports" ? [STORAGE_DRIVER] : [])].some((b) => !existsSync(b));
  if (current === set && !toolsMissing) return;
  const sourceAdded = set === "backports" && ensureBackportsSource();
  log(`installing Debian packages (${set}; found ${current ?? "none"})…`);
  if (sourceAdded || current === undefined || current !== set) await apt(["update", "-q"]);
  const suite = set === "backports" ? "bookworm-backports" : "bookworm";
  const virt = [...VIRT_PACKAGES, ...COMPANIONS, ...(set === "backports" ? BACKPORTS_EXTRA : [])].map((p) => `${p}/${suite}`);
  const removals = set === "stock" ? (await installedAmong(BACKPORTS_ONLY)).map((p) => `${p}-`) : [];
  await apt(["install", "-y", "-q", "--no-install-recommends", "--allow-downgrades", ...virt, ...removals, ...TOOLS]);
  if (set === "stock" && current === "backports") {
    // Going down to stock removed libvirt's CPU map files (measured) until a reinstall.
    await apt(["install", "-y", "-q", "--reinstall", "--no-install-recommends", "libvirt0/bookworm", "libvirt-daemon/bookworm"]);
  }
  await ensureQemuUser();
}

async function installedAmong(pkgs: readonly string[]): Promise<string[]> {
  const found = await Promise.all(pkgs.map(async (p) => ((await installedVersion(p)) !== undefined ? p : undefined)));
  return found.filter((p): p is string => p !== undefined);
}

/** libvirtd resolves its compiled-in QEMU user at start-up even when qemu.conf says root. */
async function ensureQemuUser(): Promise<void> {
  const r = await execa("id", ["libvirt-qemu"], { reject: false });
  if (r.exitCode === 0) return;
  await sh("groupadd", ["--system", "-f", "libvirt-qemu"]);
  await sh("useradd", ["--system", "-g", "libvirt-qemu", "-d", "/var/lib/libvirt", "-s", "/usr/sbin/nologin", "libvirt-qemu"]);
}

/**
 * Installs plain Debian packages (stock suite) when `probe` (a file they provide) is missing.
 * For test tools outside the lab proper, e.g. the review report's headless browser.
 */
export async function ensureDebianPackages(pkgs: readonly string[], probe: string, log: (m: string) => void): Promise<void> {
  if (existsSync(probe)) return;
  log(`installing ${pkgs.join(" ")} (no ${probe})…`);
  try {
    await apt(["install", "-y", "-q", "--no-install-recommends", ...pkgs]);
  } catch {
    await apt(["update", "-q"]);
    await apt(["install", "-y", "-q", "--no-install-recommends", ...pkgs]);
  }
}
