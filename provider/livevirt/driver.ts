/**
 * The port between the provider and the domain: what the provider needs from libvirt, in the
 * model's types (src/model; no Terraform values). libvirt-driver.ts implements it with the domain
 * services of src/placement; provider/main.ts loads it when the provider is configured.
 * Every failure a user can act on is thrown as a LivevirtError (src/errors.ts) with `host` set;
 * a failed move as the model's MoveFailed, which says where the VM is now.
 */
import type { HostList, MoveRecord, NetworkInterface, Placement, Resize, Vm } from "../../src/model/index.js";
import type { Logger } from "../plugin/log.js";

/** How the provider names an existing VM from its state: UUID first, name and last known host as hints. */
export interface VmRef {
  id: string;
  name: string;
  host: string;
}

export interface DriverContext {
  /** Aborted when Terraform sends StopProvider. A move in flight must end in a consistent state. */
  signal: AbortSignal;
  log: Logger;
}

export interface VmDriver {
  /** Define and start the VM on vm.host. */
  create(vm: Vm, ctx: DriverContext): Promise<Placement>;
  /** Look the VM up (by UUID; it may have moved); null when it no longer exists anywhere. */
  read(ref: VmRef, ctx: DriverContext): Promise<Placement | null>;
  /**
   * Optional: read() for ReadResource (a refresh), which may answer from what each host listed
   * for all VMs of this refresh at once (src/placement/refresh.ts) — read() itself asks the hosts
   * now, for the apply. Without it, a refresh uses read().
   */
  refresh?(ref: VmRef, ctx: DriverContext): Promise<Placement | null>;
  /**
   * The host-change apply: move the running VM from where it is (`current`, as read() found it
   * in this apply) to vm.host following vm.migration. The driver decides how (post-copy,
   * pre-copy fallback, recreate, or fail); a failure is a MoveFailed.
   */
  move(current: Placement, vm: Vm, ctx: DriverContext): Promise<{ placement: Placement; record: MoveRecord }>;
  /**
   * Optional, called at plan time for a host change: a one-paragraph human verdict of the move
   * checks (shown in the plan as `preflight`). Throw a LivevirtError to fail the plan.
   * Must be quick and side-effect free.
   */
  preflight?(ref: VmRef, vm: Vm, ctx: DriverContext): Promise<string>;
  /**
   * Optional, called at the start of planning a host change, before the plan's other host reads:
   * lets the driver start what preflight() will need about the two hosts, so that it runs alongside
   * them. Returns at once and never throws; whatever fails shows in preflight().
   */
  prepareMove?(fromHost: string, toHost: string, ctx: DriverContext): void;
  /**
   * Optional, called at plan time for a VM that the plan creates (or re-creates) on vm.host:
   * throws a LivevirtError when that host cannot take it (e.g. a network it lacks). Side-effect free.
   */
  placeCheck?(vm: Vm, ctx: DriverContext): Promise<void>;
  /**
   * Brings the VM's interfaces from `before` to `after` in place (hot-plug, live and persistent),
   * where it is now (`current`). Returns the interfaces it has afterwards. A failure part-way
   * throws an InterfaceUpdateFailed (src/placement/lifecycle.ts) carrying what it has then.
   */
  updateInterfaces(
    current: Placement,
    before: readonly NetworkInterface[],
    after: readonly NetworkInterface[],
    ctx: DriverContext,
  ): Promise<readonly NetworkInterface[]>;
  /**
   * Resizes the VM where it is now: "live" within the domain's maxima, or "restart" on the same
   * host with the new sizes (see planResize in src/model/resize.ts). Returns where it is after.
   */
  resize(current: Placement, to: Resize["to"], how: "live" | "restart", ctx: DriverContext): Promise<Placement>;
  /**
   * Optional: the devices of the VM's domain that livevirt's model does not describe (what a
   * re-create from the model would drop), e.g. ["graphics vnc", "rng virtio"].
   */
  unmodeled?(ref: VmRef, ctx: DriverContext): Promise<string[]>;
  /**
   * Optional: what a host has now, for the capacity check across a plan: memory and vCPUs of the
   * domains defined there (running or not) and its free memory. A figure that cannot be read is left out.
   */
  hostUsage?(host: string, what: { used: boolean }, ctx: DriverContext): Promise<{ usedMib?: number; usedVcpus?: number; freeMib?: number }>;
  /**
   * Removes the definitions a move left on other hosts (Placement.leftovers, as read() found
   * them), each only while it still is one; the VM itself is never touched.
   */
  removeLeftovers(ref: VmRef, hosts: readonly string[], ctx: DriverContext): Promise<void>;
  /** Stop and undefine; a VM that is already gone is success. */
  delete(ref: VmRef, ctx: DriverContext): Promise<void>;
  /** `terraform import livevirt_vm.x <id>`: id as the user typed it (driver defines the format). */
  import(id: string, ctx: DriverContext): Promise<{ placement: Placement; vm: Vm }>;
}

/** What data "livevirt_host" reports about a host (plain strings; not the preflight's tri-state facts). */
export interface HostInfo {
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
  info(host: string, ctx: DriverContext): Promise<HostInfo>;
}

export interface Drivers {
  vm: VmDriver;
  hostInfo: HostInfoDriver;
}

/**
 * Called once per provider process at ConfigureProvider, with the validated host list (the same
 * object the provider resolves `host` names with). May be async: main.ts loads the libvirt layer
 * only then, so processes Terraform starts for schema and validation never load it.
 */
export type DriverFactory = (hosts: HostList, log: Logger) => Drivers | Promise<Drivers>;
