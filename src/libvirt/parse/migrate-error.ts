/**
 * `virsh migrate` failure messages → a cause code can branch on. Wordings are libvirt's and
 * QEMU's as captured in the lab (QEMU 7.2 says only "Postcopy is not supported"; QEMU 10.0 adds
 * "Userfaultfd not available: <errno text>").
 */
import { isDomainNotFound } from "./virsh-error.js";

export type MigrateFailureKind =
  /** A QEMU (usually the destination's) cannot do post-copy, typically userfaultfd. */
  | "postcopy-unsupported"
  /** libvirt refuses post-copy over a tunnelled (libvirtd-carried) stream. */
  | "postcopy-tunnelled"
  /** The job was cancelled (virsh got SIGINT, domjobabort, or a timeout on our side). */
  | "aborted-by-client"
  /** The source and destination host UUIDs (or hostnames) are equal. */
  | "same-host"
  /** An abort was asked while the migration was already in post-copy. */
  | "postcopy-abort-refused"
  | "domain-not-found"
  /** Could not reach the destination (or source) libvirt. */
  | "connection-failed"
  | "unknown";

export interface MigrateFailure {
  kind: MigrateFailureKind;
  /** libvirt's message(s), verbatim. */
  message: string;
  /** For postcopy-unsupported: whether QEMU named userfaultfd, and its errno text. */
  userfaultfd?: { available: false; errno?: string };
  /** For same-host: the host UUID or hostname libvirt printed. */
  host?: string;
}

const RULES: ReadonlyArray<[MigrateFailureKind, RegExp]> = [
  ["postcopy-tunnelled", /post-copy is not supported with tunnelled migration/i],
  ["postcopy-unsupported", /Postcopy is not supported|post-copy migration is not supported|Userfaultfd not available/i],
  ["postcopy-abort-refused", /cannot abort migration in post-copy mode/i],
  ["same-host", /Attempt to migrate guest to the same host/i],
  ["aborted-by-client", /operation aborted: .*cancel+ed by client|migration job: canceled by client/i],
  ["connection-failed", /failed to connect to the hypervisor|unable to connect to server|Cannot recv data|End of file while reading data/i],
];

export function classifyMigrateError(messages: readonly string[] | string): MigrateFailure {
  const message = typeof messages === "string" ? messages : messages.join("; ");
  if (isDomainNotFound(message)) return { kind: "domain-not-found", message };
  for (const [kind, re] of RULES) {
    if (!re.test(message)) continue;
    const failure: MigrateFailure = { kind, message };
    if (kind === "postcopy-unsupported") {
      const uffd = /Userfaultfd not available(?::\s*([^;'"\n]+))?/i.exec(message);
      if (uffd) failure.userfaultfd = { available: false, errno: uffd[1]?.trim() };
    }
    if (kind === "same-host") {
      const host = /same host\s+(\S+)/i.exec(message);
      if (host) failure.host = host[1];
    }
    return failure;
  }
  return { kind: "unknown", message };
}
