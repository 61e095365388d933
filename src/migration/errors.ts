/**
 * The one error a move throws. Its point is `location`: Terraform must record where the VM
 * really is after a failed move, so the engine queries both hosts before throwing and the
 * message says where the VM is, in which libvirt state, and what to do next.
 */
import { LivevirtError, type ErrorDetail } from "../errors.js";
import type { DomainState } from "../libvirt/parse/domstate.js";

export type VmLocation = "source" | "destination" | "unknown";

/** What one host said about the domain when the engine looked. */
export interface HostView {
  /** Declared host name ("a"). */
  host: string;
  /** true/false from libvirt; "unknown" when the host could not be asked. */
  present: boolean | "unknown";
  state?: DomainState;
  /** Persistent definition on that host (undefined when absent or not asked). */
  persistent?: boolean;
  /** Why the host could not be asked. */
  error?: string;
}

export interface HostViews {
  source: HostView;
  destination: HostView;
}

/** "running (migrated)", "absent", "unknown (connection refused)". */
export function describeView(v: HostView): string {
  if (v.present === "unknown") return `unknown (${v.error ?? "host did not answer"})`;
  if (!v.present) return "absent";
  const s = v.state ? `${v.state.state} (${v.state.reason})` : "present";
  return v.persistent === undefined ? s : `${s}, ${v.persistent ? "persistent" : "transient"}`;
}

export class MoveError extends LivevirtError {
  constructor(
    message: string,
    /** Where the VM is now: record this in the state. */
    readonly location: VmLocation,
    /** libvirt state + reason on the host it is on (or both hosts' views when unknown). */
    readonly state: string,
    readonly hosts: HostViews,
    /** The move's phase when it failed: nothing started, pre-copy, or after the post-copy switch. */
    readonly phase: "not-started" | "precopy" | "postcopy",
    detail: ErrorDetail = {},
    options?: { cause?: unknown },
  ) {
    super(message, detail, options);
  }
}
