/**
 * Which end of a running migration a host is, from `virsh domjobinfo` on it.
 *
 * libvirt keeps migration statistics on the source only. Measured on libvirt 11.3: on the
 * destination of a running p2p move, in pre-copy ("paused (migrating)") and after the post-copy
 * switch ("running (post-copy)") alike, domjobinfo fails with
 * "Operation not supported: migration statistics are available only on the source host";
 * on the source it answers with an active job whose operation is "Outgoing migration".
 */
import type { DomJobInfo } from "./domjobinfo.js";

export type MigrationSide = "outgoing" | "incoming" | "none";

const ACTIVE = new Set(["Bounded", "Unbounded"]);

/** The side a successful domjobinfo answer shows: an active outgoing migration, or none. */
export function migrationSideOfJob(info: DomJobInfo): MigrationSide {
  if (!ACTIVE.has(info.type)) return "none";
  if (info.operation === "Outgoing migration") return "outgoing";
  if (info.operation === "Incoming migration") return "incoming";
  return "none";
}

/** True for libvirt's refusal to give statistics on the destination of a running migration. */
export function isIncomingMigrationStatsRefusal(message: string): boolean {
  return /migration statistics are available only on the source host/i.test(message);
}
