/**
 * What the preflight of one planned move produces. Every check is typed (pass / fail / unknown,
 * with what was found and what is required) so the plan can show it and the provider can turn a
 * failure into a diagnostic without re-parsing text.
 */
import type { Disk, Host, MigrationPolicy, NetworkInterface, ResolvedDomainType, Vm } from "../model/index.js";

export type CheckStatus = "pass" | "fail" | "unknown";
/** A three-valued answer: "unknown" is reported as such, never rounded to yes or no. */
export type Tri = "yes" | "no" | "unknown";

export interface CheckResult {
  /** Stable id, e.g. "kernel.userfaultfd", "fit.memory". */
  id: string;
  /** Declared short name of the host the check is about ("a→b" for the pair probe). */
  host: string;
  title: string;
  status: CheckStatus;
  found: string;
  /** The finding in a few words, for one-line summaries (default: the first clause of `found`). */
  brief?: string;
  required: string;
  fix?: string;
  /** "postcopy": only matters when the move uses post-copy; "move": any live move needs it. */
  requiredFor: "postcopy" | "move";
  /** Informational: reported, never fails the plan (e.g. post-copy recovery availability). */
  advisory?: boolean;
  /** Set when an authoritative result (the probe move) superseded this inferred one. */
  overriddenBy?: string;
}

export type { OnUnsupported } from "../model/index.js";
export type Strategy = "postcopy" | "precopy" | "recreate" | "fail";

/**
 * The moving VM as the checks see it: the declared VM (model) with its domain type resolved on
 * the source, plus what only the running domain says (machine, arch, CPU). Only the fields the
 * checks read, so a caller with a partial view (the probe, a benchmark) can ask too.
 */
export interface PreflightVm extends Pick<Vm, "name" | "memoryMib"> {
  domainType: ResolvedDomainType;
  machine?: string;
  arch?: string;
  /** The VM's declared CPU (Vm.cpu): "host-model", "host-passthrough", a named model, or null (default). */
  cpu?: string | null;
  /** The guest's `<cpu>` element (kvm); read from the running domain on the source when omitted. */
  cpuXml?: string;
  /**
   * Each disk's `shared` flag (fit.shared-storage checks the filesystem of a shared disk on the source)
   * and, for a pool volume, its pool and volume (fit.storage looks for them on the destination).
   */
  disks: readonly (Pick<Disk, "path" | "shared"> & Partial<Pick<Disk, "pool" | "volume" | "format">>)[];
  /** Where the VM's interfaces are attached (the destination must have each network and bridge). @default none */
  networkInterfaces?: readonly Pick<NetworkInterface, "network" | "bridge">[];
  /** "precopy" VMs never use post-copy: only the destination-fit checks apply. */
  migration: Pick<MigrationPolicy, "mode" | "onUnsupported"> &
    Partial<Pick<MigrationPolicy, "copyStorage" | "tls">> & {
      /** libvirt's tunnelled transport (not a user setting yet): post-copy cannot run through it. */
      tunnelled?: boolean;
    };
}

export interface PreflightOptions {
  vm: PreflightVm;
  from: Host;
  to: Host;
  /** Run the throw-away post-copy move between the two hosts (authoritative). */
  probe: boolean;
  /** Per-step budget of the probe move (default 120 s). */
  probeTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface PreflightReport {
  vm: string;
  from: string;
  to: string;
  checks: CheckResult[];
  postcopy: Tri;
  strategy: Strategy;
  /** The move's data is encrypted with QEMU's TLS (both hosts' migration.tls checks passed). */
  tls: boolean;
  /** One paragraph, plain words, for the plan. */
  summary: string;
  /** Wall time of this preflight (ms) and whether host facts / probe came from the cache. */
  timing: { totalMs: number; probeMs?: number; cached: { from: boolean; to: boolean; probe?: boolean } };
}
