import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";

/**
 * The machine-wide userfaultfd settings the lab's "no post-copy" host depends on. Both lab hosts
 * share one kernel, so the lab records what it found, changes only what it must, and restores it.
 */
export interface UffdSettings {
  /** vm.unprivileged_userfaultfd (0 or 1), undefined where the kernel has no such sysctl. */
  unprivileged?: number;
  /** Permission bits of /dev/userfaultfd, undefined where the device does not exist. */
  deviceMode?: number;
}

const SYSCTL = "/proc/sys/vm/unprivileged_userfaultfd";
const DEVICE = "/dev/userfaultfd";

export function readUffd(): UffdSettings {
  return {
    unprivileged: existsSync(SYSCTL) ? Number(readFileSync(SYSCTL, "utf8").trim()) : undefined,
    deviceMode: existsSync(DEVICE) ? statSync(DEVICE).mode & 0o7777 : undefined,
  };
}

/** An unprivileged QEMU then cannot get userfaultfd: neither by syscall nor through the device. */
export function denyUnprivilegedUffd(): void {
  if (existsSync(SYSCTL)) writeFileSync(SYSCTL, "0\n");
  if (existsSync(DEVICE)) chmodSync(DEVICE, 0o600);
}

export function restoreUffd(s: UffdSettings): void {
  if (s.unprivileged !== undefined && existsSync(SYSCTL)) writeFileSync(SYSCTL, `${s.unprivileged}\n`);
  if (s.deviceMode !== undefined && existsSync(DEVICE)) chmodSync(DEVICE, s.deviceMode);
}
