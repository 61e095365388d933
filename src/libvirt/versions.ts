/**
 * Version gates: every libvirt/QEMU version livevirt treats differently, in one place, each with
 * why. Compared with atLeast() (version-compare.ts). Facts about the software, not decisions:
 * the code that decides (preflight, the move engine) imports them.
 */
import { atLeast } from "./version-compare.js";

/** libvirt: VIR_MIGRATE_POSTCOPY exists. */
export const LIBVIRT_POSTCOPY_MIN = "1.3.3";
/** libvirt: --postcopy-bandwidth exists (a post-copy bandwidth cap needs it on both hosts). */
export const LIBVIRT_POSTCOPY_BANDWIDTH_MIN = "5.1.0";
/** libvirt: --postcopy-resume (recovery of a post-copy move after a link failure). */
export const LIBVIRT_RECOVERY_MIN = "8.5.0";
/**
 * libvirt versions whose destination daemon crashes on a post-copy resume: on 11.3.0 the resume's
 * prepare step calls qemuProcessIncomingDefNew without an incoming fd and the function reads
 * through that NULL pointer (SIGSEGV; gdb on the lab, 5 of 5 attempts, with or without
 * --migrateuri). livevirt never issues the resume there. 9.0 resumes (the lab's stock set).
 */
export const RESUME_CRASHES_DESTINATION: readonly string[] = ["11.3.0"];

/** Whether livevirt issues a --postcopy-resume to a destination running this libvirt. */
export function canResumePostcopy(libvirtVersion: string): boolean {
  return atLeast(libvirtVersion, LIBVIRT_RECOVERY_MIN) && !RESUME_CRASHES_DESTINATION.includes(libvirtVersion);
}

/** QEMU postcopy-ram (what nova requires). */
export const QEMU_POSTCOPY_MIN = "2.5.0";
/**
 * QEMU below this crashed guests whose move had post-copy enabled but converged in pre-copy
 * (measured on the lab: ~4 % under 7.2 TCG): there, once post-copy is enabled, the switch must happen.
 */
export const FORCED_SWITCH_BELOW_QEMU = "8.0.0";
/** QEMU opens /dev/userfaultfd (before the syscall) from this version on. */
export const QEMU_UFFD_DEVICE_MIN = "8.1.0";
/** QEMU below this only uses the userfaultfd syscall; 8.0 itself is not measured (⇒ unknown). */
export const QEMU_UFFD_SYSCALL_ONLY_BELOW = "8.0.0";
