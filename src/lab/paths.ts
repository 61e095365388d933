import { join } from "node:path";

/**
 * Where the lab keeps everything it makes. One fixed root per machine (not per checkout): the
 * network namespaces and the veth link are machine-wide names, so two labs could not coexist anyway.
 */
export const LAB_ROOT = process.env.LIVEVIRT_LAB_DIR ?? "/var/lib/livevirt-lab";

export type HostName = "a" | "b";
export const HOST_NAMES: readonly HostName[] = ["a", "b"];

/** The directories each host bind-mounts over the system's libvirt directories, in its own mount namespace. */
export const PRIVATE_DIRS = {
  etc: "/etc/libvirt",
  run: "/run/libvirt",
  lib: "/var/lib/libvirt",
  log: "/var/log/libvirt",
  cache: "/var/cache/libvirt",
  /** TLS material of the host's daemon and QEMU (src/lab/pki.ts). */
  pki: "/etc/pki",
  /**
   * root's home, so an SSH session on the host does not run this machine's root profile (on this
   * machine kind ~/.bashrc starts pyenv: +1 s per session, measured) — each host is its own machine.
   */
  home: "/root",
} as const;
export type PrivateDir = keyof typeof PRIVATE_DIRS;

export interface HostPaths {
  root: string;
  dir: (d: PrivateDir) => string;
  pidFile: string;
  daemonLog: string;
  /** libvirtd's read-write socket, visible from the root namespace through the host's private run dir. */
  socket: string;
}

export function hostPaths(host: HostName): HostPaths {
  const root = join(LAB_ROOT, "hosts", host);
  return {
    root,
    dir: (d) => join(root, d),
    pidFile: join(root, "libvirtd.pid"),
    daemonLog: join(root, "libvirtd.stderr.log"),
    socket: join(root, "run", "libvirt-sock"),
  };
}

export const STATE_FILE = join(LAB_ROOT, "lab.json");
export const GUEST_DIR = join(LAB_ROOT, "guest");
