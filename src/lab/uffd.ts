import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";

/**
 * The machine-wide userfaultfd settings the lab's "no post-copy" host depends on. Both lab hosts
 * share one kernel, so the lab records what it found, changes only what it must, and restores it.
 */
export interface UffdSettings {
  /** vm.unprivileged_userfaultfd (0 or 1), undefined where the kernel has no such sysctl. */
  unprivileged?: number;
  /** Permission bits of /dev/userfaultfd, undefined where the device does not exist. */
  deviceMode?: number;
  /** /dev/kvm's mode and group, changed for an unprivileged QEMU (see allowKvmGroup). */
  kvm?: { mode: number; gid: number };
}

const SYSCTL = "/proc/sys/vm/unprivileged_userfaultfd";
const DEVICE = "/dev/userfaultfd";
const KVM = "/dev/kvm";

export function readUffd(): UffdSettings {
  const kvm = existsSync(KVM) ? statSync(KVM) : undefined;
  return {
    unprivileged: existsSync(SYSCTL) ? Number(readFileSync(SYSCTL, "utf8").trim()) : undefined,
    deviceMode: existsSync(DEVICE) ? statSync(DEVICE).mode & 0o7777 : undefined,
    kvm: kvm ? { mode: kvm.mode & 0o7777, gid: kvm.gid } : undefined,
  };
}

/**
 * /dev/kvm as Debian's udev rule leaves it (root:kvm 0660; libvirt-qemu is in group kvm). Where
 * it is root-only, an unprivileged QEMU's capability probe finds KVM listed but unusable, and
 * libvirt then throws its capability cache away and re-probes on every define and migration
 * prepare (~40 s each, measured on the lab).
 */
export function allowKvmGroup(kvmGid: number): void {
  if (!existsSync(KVM)) return;
  chownSync(KVM, 0, kvmGid);
  chmodSync(KVM, 0o660);
}

/** An unprivileged QEMU then cannot get userfaultfd: neither by syscall nor through the device. */
export function denyUnprivilegedUffd(): void {
  if (existsSync(SYSCTL)) writeFileSync(SYSCTL, "0\n");
  if (existsSync(DEVICE)) chmodSync(DEVICE, 0o600);
}

export function restoreUffd(s: UffdSettings): void {
  if (s.kvm && existsSync(KVM)) {
    chownSync(KVM, 0, s.kvm.gid);
    chmodSync(KVM, s.kvm.mode);
  }
  if (s.unprivileged !== undefined && existsSync(SYSCTL)) writeFileSync(SYSCTL, `${s.unprivileged}\n`);
  if (s.deviceMode !== undefined && existsSync(DEVICE)) chmodSync(DEVICE, s.deviceMode);
}
