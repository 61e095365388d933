import type { DiskSpec } from "../libvirt/domain-xml.js";

/** The VM a user declared, in domain terms (no Terraform values). */
export interface VmDefinition {
  name: string;
  /** Declared short name of the host it should run on. */
  host: string;
  memoryMib: number;
  vcpus: number;
  /** "auto": kvm where the host offers it, else qemu (TCG). */
  domainType: "auto" | "kvm" | "qemu";
  kernel: string | null;
  initrd: string | null;
  cmdline: string | null;
  disks: DiskSpec[];
  consoleLog: string | null;
}

/** Where a VM really is, as libvirt reports it. */
export interface Placement {
  uuid: string;
  name: string;
  /** Declared short name of the host the domain was found on. */
  host: string;
  domainType: "kvm" | "qemu";
  /** libvirt's state word: running, paused, shut off, … */
  state: string;
  /** libvirt's reason, e.g. "migrated", "post-copy failed". */
  reason: string;
}
