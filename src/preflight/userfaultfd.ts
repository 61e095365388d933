/**
 * Can QEMU, as libvirt runs it on this host, open userfaultfd? Pure inference over host facts,
 * following the kernel's rules (shared/notes/postcopy.md):
 *  - a root QEMU: libvirt leaves a root QEMU its capabilities (measured: even with
 *    clear_emulator_capabilities=1), and QEMU ≥ 8.1 opens the root-owned device anyway ⇒ yes;
 *  - vm.unprivileged_userfaultfd=1 (or a kernel < 5.2 without the sysctl) ⇒ the syscall works;
 *  - /dev/userfaultfd (Linux ≥ 6.1) read-write for QEMU's uid/groups, a QEMU that opens it
 *    (≥ 8.1; 7.2 uses only the syscall), and not hidden by libvirt's cgroup device ACL / private /dev;
 *  - CAP_SYS_PTRACE kept by a non-root QEMU (only conceivable with clear_emulator_capabilities=0).
 * The bare-QEMU probe then overrides the inference when it ran the way libvirt would.
 */
import type { QemuProcessIdentity } from "../libvirt/dac-label.js";
import { atLeast } from "../libvirt/version-compare.js";
import { assign } from "../model/index.js";
import { QEMU_UFFD_DEVICE_MIN, QEMU_UFFD_SYSCALL_ONLY_BELOW } from "../libvirt/versions.js";
import type { HostFacts } from "./host-facts.js";
import { formatMode, kernelAtLeast, type DeviceStat } from "./kernel-parse.js";
import type { Known } from "./known.js";
import type { QemuConfFacts } from "./qemu-conf.js";
import { allOf, anyOf, tri } from "./tri.js";
import type { Tri } from "./types.js";

export type UffdFacts = Pick<HostFacts, "host" | "kernel" | "qemuVersion" | "qemuIdentity" | "qemuUserName" | "qemuGroups" | "qemuConf" | "qemuProbe">;

export interface UffdVerdict {
  usable: Tri;
  /** Inference alone, before the probe. */
  inferred: Tri;
  /** Why, in plain words (becomes the check's `found`). */
  found: string;
  /** When not usable: why, in a few words (the check's `brief`). */
  brief?: string;
  fix?: string;
}

export const UFFD_REQUIRED =
  "QEMU, as libvirt runs it, can open userfaultfd: QEMU running as root, or vm.unprivileged_userfaultfd=1, " +
  "or /dev/userfaultfd read-write for the QEMU user with QEMU ≥ 8.1 (and allowed by libvirt's cgroup_device_acl)";

/** QEMU ≥ 8.1 opens /dev/userfaultfd first; 7.2 only the syscall; 8.0 not measured ⇒ unknown. */
export function qemuUsesDevice(version: string): Tri {
  if (atLeast(version, QEMU_UFFD_DEVICE_MIN)) return "yes";
  if (!atLeast(version, QEMU_UFFD_SYSCALL_ONLY_BELOW)) return "no";
  return "unknown";
}

/** Whether the mode bits grant read+write to the uid with the given groups. */
export function deviceGrants(dev: DeviceStat, id: QemuProcessIdentity, groups: Known<number[]>): Tri {
  const rw = (shift: number) => ((dev.mode >> shift) & 0o6) === 0o6;
  if (id.uid === 0) return "yes";
  if (dev.uid === id.uid) return tri(rw(6));
  const inGroup = groups.known ? groups.value.includes(dev.gid) : dev.gid === id.gid ? true : undefined;
  if (inGroup === true) return tri(rw(3));
  if (rw(0)) return "yes";
  // Not in the group (or groups unknown): the group bits decide only if membership is known.
  if (inGroup === undefined && rw(3)) return "unknown";
  return "no";
}

/** libvirt's cgroup device ACL / private /dev only matter when it uses them. */
export function deviceAllowedByLibvirt(conf: Known<QemuConfFacts>): { allowed: Tri; why: string } {
  if (!conf.known) return { allowed: "unknown", why: `qemu.conf unknown (${conf.why})` };
  const c = conf.value;
  const cgroupDevices = c.cgroupControllers === undefined ? true : c.cgroupControllers.includes("devices");
  const privateDev = c.namespaces === undefined ? true : c.namespaces.includes("mount");
  if (!cgroupDevices && !privateDev) return { allowed: "yes", why: "libvirt uses no device cgroup and no private /dev" };
  if (c.cgroupDeviceAcl === undefined) return { allowed: "unknown", why: "cgroup_device_acl is libvirt's built-in default (not read)" };
  return c.cgroupDeviceAcl.includes("/dev/userfaultfd")
    ? { allowed: "yes", why: "cgroup_device_acl lists /dev/userfaultfd" }
    : { allowed: "no", why: "cgroup_device_acl does not list /dev/userfaultfd" };
}

function describeIdentity(f: UffdFacts): string {
  if (!f.qemuIdentity.known) return `QEMU user unknown (${f.qemuIdentity.why})`;
  const { uid, gid } = f.qemuIdentity.value;
  const name = f.qemuUserName.known ? ` (${f.qemuUserName.value})` : "";
  const groups = f.qemuGroups.known ? `, groups ${f.qemuGroups.value.join(",")}` : "";
  return `QEMU runs as uid ${uid}${name} gid ${gid}${groups}`;
}

function describeSysctl(k: UffdFacts["kernel"]): string {
  const s = k.unprivilegedSysctl;
  return s.known
    ? s.value === "absent"
      ? "no vm.unprivileged_userfaultfd sysctl"
      : `vm.unprivileged_userfaultfd=${s.value}`
    : `vm.unprivileged_userfaultfd unknown (${s.why})`;
}

function describeDevice(k: UffdFacts["kernel"]): string {
  const d = k.device;
  if (!d.known) return `/dev/userfaultfd unknown (${d.why})`;
  return d.value === "absent" ? "no /dev/userfaultfd" : `/dev/userfaultfd ${formatMode(d.value.mode)} ${d.value.owner}:${d.value.group}`;
}

function describeCaps(conf: Known<QemuConfFacts>): string {
  if (!conf.known) return "clear_emulator_capabilities unknown";
  const v = conf.value.clearEmulatorCapabilities;
  return `clear_emulator_capabilities=${v === undefined ? "1 (default)" : v ? "1" : "0"}`;
}

export function fixFor(host: string, kernelLacksUffd: boolean): string {
  if (kernelLacksUffd) return `boot host ${host} with a kernel built with CONFIG_USERFAULTFD=y, or set ${assign("migration.onUnsupported", "precopy")}`;
  return (
    `on host ${host}: set vm.unprivileged_userfaultfd=1 (sysctl -w, and persist it in /etc/sysctl.d/), ` +
    `or give the QEMU user read-write access to /dev/userfaultfd (udev rule, e.g. KERNEL=="userfaultfd", GROUP="kvm", MODE="0660"; needs QEMU ≥ 8.1), ` +
    `or run QEMU as root (qemu.conf user = "root"); or set ${assign("migration.onUnsupported", "precopy")}`
  );
}

export function userfaultfdVerdict(f: UffdFacts): UffdVerdict {
  const k = f.kernel;
  const dev = k.device;
  const devicePresent = dev.known && dev.value !== "absent";
  // The device node exists only on kernels built with userfaultfd.
  const built: Tri = k.userfaultfd.known ? tri(k.userfaultfd.value) : devicePresent ? "yes" : "unknown";
  const kernelText = `${k.release.known ? `kernel ${k.release.value}` : "kernel version unknown"} ${
    built === "yes"
      ? "with userfaultfd"
      : built === "no"
        ? "WITHOUT userfaultfd (CONFIG_USERFAULTFD)"
        : `userfaultfd support unknown (${k.userfaultfd.known ? "no answer" : k.userfaultfd.why})`
  }`;
  const parts = [kernelText, describeSysctl(k), describeDevice(k), describeIdentity(f), describeCaps(f.qemuConf)];
  if (f.qemuVersion.known) parts.push(`QEMU ${f.qemuVersion.value}`);

  if (built === "no") {
    const found = parts.join("; ");
    return { usable: "no", inferred: "no", found, brief: "the kernel is built without userfaultfd", fix: fixFor(f.host, true) };
  }

  const id = f.qemuIdentity;
  const root: Tri = id.known ? tri(id.value.uid === 0) : "unknown";

  const s = k.unprivilegedSysctl;
  const sysctl: Tri = !s.known
    ? "unknown"
    : s.value === "absent"
      ? k.release.known
        ? tri(kernelAtLeast(k.release.value, 5, 2) === false)
        : "unknown"
      : tri(s.value === 1);

  const acl = deviceAllowedByLibvirt(f.qemuConf);
  let device: Tri;
  if (!dev.known) device = "unknown";
  else if (dev.value === "absent") device = "no";
  else {
    const uses = f.qemuVersion.known ? qemuUsesDevice(f.qemuVersion.value) : "unknown";
    const grants = id.known ? deviceGrants(dev.value, id.value, f.qemuGroups) : (dev.value.mode & 0o6) === 0o6 ? "yes" : "unknown";
    device = allOf([uses, grants, acl.allowed]);
    if (uses !== "no" && grants !== "no") parts.push(acl.why);
  }

  // A non-root QEMU keeps no capabilities unless clear_emulator_capabilities=0 — and even then
  // whether libvirt carries them across the uid change was not measured: unknown, never yes.
  const ptrace: Tri = root === "yes" ? "yes" : !f.qemuConf.known ? "unknown" : f.qemuConf.value.clearEmulatorCapabilities === false ? "unknown" : "no";

  const inferred = allOf([built === "unknown" ? "unknown" : "yes", anyOf([root, sysctl, device, ptrace])]);

  let usable = inferred;
  const p = f.qemuProbe;
  if (p.known) {
    parts.push(`QEMU probe (${p.value.ranAs}): ${p.value.message}`);
    if (p.value.postcopy === "no" && p.value.representative) usable = "no";
    else if (p.value.postcopy === "yes") {
      // The bare probe sees the host's /dev, not libvirt's ACL-filtered one: when only the
      // device can have made it work, the ACL still decides.
      const onlyDevice = root !== "yes" && sysctl !== "yes" && ptrace !== "yes";
      usable = onlyDevice && acl.allowed !== "yes" ? (acl.allowed === "no" ? "no" : "unknown") : "yes";
    } else if (p.value.postcopy === "no") {
      parts.push("probe not representative (QEMU may keep capabilities: clear_emulator_capabilities=0)");
    }
  } else {
    parts.push(`QEMU probe not run (${p.why})`);
  }
  const why = p.known && p.value.postcopy === "no" ? "the QEMU probe was refused userfaultfd" : "QEMU, as libvirt runs it, cannot open userfaultfd";
  return { usable, inferred, found: parts.join("; "), ...(usable === "no" ? { brief: why, fix: fixFor(f.host, false) } : {}) };
}
