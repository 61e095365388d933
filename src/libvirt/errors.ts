/**
 * Error classes specific to running virsh. They extend the project's LibvirtError so callers that
 * only care about "libvirt failed" need not know them.
 */
import { LibvirtError, type ErrorDetail } from "../errors.js";
import type { MigrateFailure } from "./parse/migrate-error.js";

/** virsh did not finish within its time budget and was killed. */
export class VirshTimeoutError extends LibvirtError {}

/** The caller aborted the call (AbortSignal) before virsh finished. */
export class VirshAbortedError extends LibvirtError {}

/** A `virsh migrate` failed; `failure` says why in a form code can branch on. */
export class MigrationError extends LibvirtError {
  constructor(
    message: string,
    command: readonly string[],
    stderr: string,
    readonly failure: MigrateFailure,
    detail: ErrorDetail = {},
  ) {
    super(message, command, stderr, detail);
  }
}
