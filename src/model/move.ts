/** Where a VM is, and what a move did: the records every layer passes on unchanged. */
import { LivevirtError } from "../errors.js";
import type { NetworkInterface } from "./nic.js";
import type { ResolvedDomainType } from "./vm.js";

/** Where a VM really is, as libvirt reports it. */
export interface Placement {
  /** libvirt domain UUID (the provider's `id`). */
  readonly uuid: string;
  readonly name: string;
  /** Declared short name of the host the domain was found on. */
  readonly host: string;
  readonly domainType: ResolvedDomainType;
  /** libvirt's state word: running, paused, shut off, … */
  readonly state: string;
  /** libvirt's reason, e.g. "migrated", "post-copy failed". */
  readonly reason: string;
  /**
   * The domain's interfaces on a libvirt network or a host bridge, with the MACs libvirt
   * assigned; absent when not read (a copy in the middle of a move is located by state only).
   */
  readonly networkInterfaces?: readonly NetworkInterface[];
  /**
   * Other hosts that still define this domain "shut off (migrated)": the source of a move libvirt
   * completed on its own (a post-copy that outlived the move's timeout and finished when the link
   * came back) keeps the definition --undefinesource would have removed. Absent when not looked for.
   */
  readonly leftovers?: readonly string[];
}

/** One completed move (the provider stores it as `last_move`). */
export interface MoveRecord {
  readonly from: string;
  readonly to: string;
  /** How it actually moved. A post-copy-enabled move that converged before the switch is "precopy". */
  readonly mode: "postcopy" | "precopy" | "recreate";
  readonly switchedAtIteration: number | null;
  readonly totalMs: number;
  readonly downtimeMs: number | null;
  readonly bytes: number | null;
  readonly postcopyRequests: number | null;
  /** When the move got its move slot and when it was done (RFC 3339 UTC). */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** How long it waited for a move slot (the per-host limit on concurrent moves). */
  readonly queuedMs: number;
  /**
   * A post-copy move that lost its connection and was completed anyway: by a --postcopy-resume
   * ("resume") or by QEMU's own stream coming back ("stream"); null when nothing was lost.
   */
  readonly recoveredBy: "resume" | "stream" | null;
  /** From libvirt reporting the lost connection to the move's completion; null when none. */
  readonly recoveryMs: number | null;
  /** Verdict of the checks run right before moving. */
  readonly preflight: string;
}

/** A move that did not complete, with where the VM really is now (null: on no declared host). */
export class MoveFailed extends LivevirtError {
  constructor(
    readonly reason: unknown,
    readonly placement: Placement | null,
    /** The reason's message already says where the VM is (the move engine's errors do). */
    saysWhere = false,
  ) {
    const base = reason instanceof Error ? reason.message : String(reason);
    const where = placement ? ` The VM is ${placement.state} on host ${placement.host}.` : " The VM was not found on any declared host.";
    super(saysWhere ? base : `${base}${where}`, reason instanceof LivevirtError ? reason.detail : {}, { cause: reason });
  }
}
