/**
 * A move the destination refused before any memory was sent, told apart from a move that failed
 * on the way: the message must name the host that refused (the one to fix), not the source the
 * VM stays on.
 */
import { assign, type Host } from "../model/index.js";
import { MigrationError } from "../libvirt/errors.js";
import { peerConnectionProblem } from "../libvirt/parse/transport-error.js";

export interface PrepareRefusal {
  /** What happened, for the MoveError's message (libvirt's own words are appended there). */
  why: string;
  /** The host to fix. */
  host: string;
  fix: string;
}

/**
 * "Postcopy is not supported" comes from QEMU's migrate-set-capabilities, which checks
 * userfaultfd only in the incoming (INMIGRATE) QEMU — "it's only the destination that needs
 * special support" (QEMU migration/options.c). libvirt enables the capability while preparing
 * the destination, so this failure is always the destination refusing at prepare, whoever
 * relayed it (with --p2p the source daemon does).
 */
export function prepareRefusal(cause: unknown, destination: string): PrepareRefusal | null {
  if (!(cause instanceof MigrationError) || cause.failure.kind !== "postcopy-unsupported") return null;
  const uffd = cause.failure.userfaultfd;
  const because = uffd ? `its QEMU cannot use userfaultfd${uffd.errno ? ` (${uffd.errno})` : ""}` : "its QEMU cannot do post-copy";
  return {
    why: `host ${destination} refused the move at prepare: ${because}, so it cannot receive a post-copy move; nothing was sent`,
    host: destination,
    fix:
      `on host ${destination}: let QEMU use userfaultfd (vm.unprivileged_userfaultfd=1, or read-write access to /dev/userfaultfd ` +
      `for the QEMU user with QEMU ≥ 8.1, or QEMU as root; see docs/operators.md), or move this VM without post-copy ` +
      `(${assign("migration.onUnsupported", "precopy")}, or ${assign("migration.mode", "precopy")})`,
  };
}

/**
 * A peer-to-peer move the source's libvirtd could not start because the TLS connection to the
 * destination's daemon was refused (a client certificate the destination does not admit, one
 * from another CA, an expired certificate on either side): nothing was sent. libvirt says only
 * "Unable to read TLS confirmation" or "Failed to verify peer's certificate"; this names both
 * hosts, the URI the source dialled, the reason and the host to fix.
 */
export function peerRefusal(cause: unknown, from: Pick<Host, "name">, to: Pick<Host, "name" | "uri" | "migrationUri">): PrepareRefusal | null {
  // Without a migration uri the move is not peer-to-peer: this machine dialled, and its own
  // connection errors are worded where virsh errors are made (run-virsh.ts).
  if (!(cause instanceof MigrationError) || to.migrationUri === undefined) return null;
  const p = peerConnectionProblem(`${cause.failure.message}\n${cause.stderr}`, from.name, to.name, to.migrationUri);
  return p ? { ...p, why: `${p.why}; nothing was sent` } : null;
}
