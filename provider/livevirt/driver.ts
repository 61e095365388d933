/**
 * What the provider needs from libvirt, in plain domain types (camelCase, no Terraform values).
 * src/libvirt implements it against real hosts; provider/main.ts picks the factory.
 * Every failure a user can act on is thrown as a LivevirtError (src/errors.ts) with `host` set.
 */
import type { Logger } from "../plugin/log.js";
import type { MovePolicy } from "../../src/placement/move.js";
import type { DiskFormat, DomainType } from "./types.js";

export interface HostSpec {
  /** Declared short name, e.g. "a". */
  name: string;
  /** libvirt URI (may hold a password: never log it unredacted). */
  uri: string;
  /** URI the source daemon uses to reach this host for peer-to-peer moves; null = use `uri`. */
  migrationUri: string | null;
  /** argv prefix that runs a command on the host; null = derive from the URI. */
  shell: string[] | null;
}

export interface DiskSpec {
  path: string;
  format: DiskFormat;
  target: string | null;
  shared: boolean;
}

/** Move policy with all defaults resolved (also when the user wrote no migration block). */
export type MigrationPolicy = MovePolicy;

/** The desired VM. */
export interface VmSpec {
  name: string;
  /** Host short name (a key of the factory's hosts). */
  host: string;
  memoryMib: number;
  vcpus: number;
  /** "auto": the driver picks kvm when the host has it, else qemu. */
  domainType: DomainType;
  kernel: string | null;
  initrd: string | null;
  cmdline: string | null;
  disks: DiskSpec[];
  consoleLog: string | null;
  migration: MigrationPolicy;
}

/** How the provider names an existing VM: UUID first, name and last known host as hints. */
export interface VmRef {
  id: string;
  name: string;
  host: string;
}

/** What the driver observed on the host. */
export interface VmObserved {
  id: string;
  name: string;
  /** Host short name where the domain actually is. */
  host: string;
  domainType: "kvm" | "qemu";
  /** libvirt state word: running, paused, shut off, … */
  state: string;
}

export interface MoveReport {
  from: string;
  to: string;
  /** How it actually moved: "postcopy", "precopy" or "recreate". */
  mode: string;
  switchedAtIteration: number | null;
  totalMs: number;
  downtimeMs: number | null;
  bytes: number | null;
  postcopyRequests: number | null;
  /** When the move got its move slot and when it was done, RFC 3339 UTC. */
  startedAt: string;
  finishedAt: string;
  /** How long it waited for a move slot (the per-host limit on concurrent moves). */
  queuedMs: number;
  /** Verdict of the checks run right before moving (stored when the plan could not know it). */
  preflight?: string;
}

/** A move that did not complete; `observed` is where the VM really is now (null: not found). */
export class VmMoveFailed extends Error {
  constructor(
    readonly reason: unknown,
    readonly observed: VmObserved | null,
  ) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
  }
}

export interface DriverContext {
  /** Aborted when Terraform sends StopProvider. A move in flight must end in a consistent state. */
  signal: AbortSignal;
  log: Logger;
}

export interface VmDriver {
  /** Define and start the VM on spec.host. */
  create(spec: VmSpec, ctx: DriverContext): Promise<VmObserved>;
  /** Look the VM up (by UUID; it may have moved); null when it no longer exists anywhere. */
  read(ref: VmRef, ctx: DriverContext): Promise<VmObserved | null>;
  /**
   * The host-change apply: move the running VM from ref.host to spec.host following
   * spec.migration. The driver decides how (post-copy, pre-copy fallback, recreate, or fail).
   */
  move(ref: VmRef, spec: VmSpec, ctx: DriverContext): Promise<{ vm: VmObserved; report: MoveReport }>;
  /**
   * Optional, called at plan time for a host change: a one-paragraph human verdict of the move
   * checks (shown in the plan as `preflight`). Throw a LivevirtError to fail the plan.
   * Must be quick and side-effect free.
   */
  preflight?(ref: VmRef, spec: VmSpec, ctx: DriverContext): Promise<string>;
  /** Stop and undefine; a VM that is already gone is success. */
  delete(ref: VmRef, ctx: DriverContext): Promise<void>;
  /** `terraform import livevirt_vm.x <id>`: id as the user typed it (driver defines the format). */
  import(id: string, ctx: DriverContext): Promise<{ vm: VmObserved; spec: VmSpec }>;
}

export interface HostFacts {
  hostname: string;
  hostUuid: string;
  libvirtVersion: string;
  qemuVersion: string;
  kernel: string;
  arch: string;
  kvm: boolean;
  postcopy: "yes" | "no" | "unknown";
  postcopyReason: string;
}

export interface HostInfoDriver {
  info(host: HostSpec, ctx: DriverContext): Promise<HostFacts>;
}

export interface Drivers {
  vm: VmDriver;
  hostInfo: HostInfoDriver;
}

/** Called once per provider process at ConfigureProvider, with the validated host list. */
export type DriverFactory = (hosts: readonly HostSpec[], log: Logger) => Drivers;
