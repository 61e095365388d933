/**
 * Typed errors of the livevirt domain. Every failure that a user can act on is one of these:
 * it names what was wrong (field/value, host, check) and how to fix it. The provider turns them
 * into Terraform diagnostics in one place (provider/diagnostics.ts); nothing else formats them.
 */
export interface ErrorDetail {
  /** The setting the error is about, as a model field id ("memoryMib", "disks.0.path"; src/model/problem.ts). The provider spells it in HCL. */
  field?: string;
  /** The offending value, as the user wrote it (never a secret). */
  value?: string;
  /** What the user should do. May name settings through the model's markers (‹id›), rendered by the layer that shows it. */
  fix?: string;
  /** The host the error happened on, by its declared short name. */
  host?: string;
  /** What the one-line message leaves out, a line each (e.g. every failed check: found, required, fix). */
  explain?: readonly string[];
}

export class LivevirtError extends Error {
  readonly detail: ErrorDetail;
  constructor(message: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.detail = detail;
  }
}

/** Input that can never work (bad name, unknown host, absurd memory). Caught at synth/plan time. */
export class ValidationError extends LivevirtError {}

/** A virsh/libvirt call failed; carries the command and libvirt's own message. */
export class LibvirtError extends LivevirtError {
  constructor(
    message: string,
    readonly command: readonly string[],
    readonly stderr: string,
    detail: ErrorDetail = {},
  ) {
    super(message, detail);
  }
}

/** The domain does not exist on the host asked. Callers often treat this as "already gone". */
export class DomainNotFoundError extends LibvirtError {}

/** A tool's output did not have the shape its parser expects (version skew, locale). */
export class ParseError extends LivevirtError {
  constructor(
    message: string,
    readonly what: string,
    readonly excerpt: string,
  ) {
    super(message, { fix: `report this output of ${what}; livevirt could not read it` });
  }
}

/** The lab cannot be started or used here (not root, no namespaces, packages missing). */
export class LabError extends LivevirtError {}
