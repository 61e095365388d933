/**
 * Which of a VM's copies is the VM, when libvirt shows it on more than one host. That happens
 * during any move (and after an interrupted one): both ends of a migration have a domain.
 * Measured on libvirt 11.3 for a p2p move a→b:
 *   pre-copy:          a "running (booted)",   b "paused (migrating)"   → the VM is on a
 *   after the switch:  a "paused (post-copy)", b "running (post-copy)"  → the VM is on b
 *   just after the end: a "shut off (migrated)" (undefined a moment later), b "running (migrated)"
 * After a failed post-copy both ends can be paused "post-copy failed"; the guest's vCPUs (and the
 * pages it wrote since the switch) are on the destination, told apart by which end of the
 * migration job each host is (MigrationSide, from domjobinfo).
 */
import type { MigrationSide } from "../libvirt/parse/migration-side.js";

export interface Copy {
  state: string;
  reason: string;
  /** Which end of a migration this copy is, when that was asked (only needed for ambiguities). */
  side?: MigrationSide | "unknown";
}

/** How much a copy looks like the VM; higher wins. */
export function copyRank(c: Copy): number {
  if (c.state === "running") return 100;
  if (c.reason === "post-copy failed") return c.side === "incoming" ? 90 : c.side === "outgoing" ? 10 : 50;
  if (c.state === "paused" && c.reason === "post-copy") return 20; // source after the switch
  if (c.state === "paused" && c.reason === "migrating") return 15; // incoming end of a pre-copy
  if (c.state === "shut off" && c.reason === "migrated") return 5; // source of a finished move
  return 60; // paused or shut off by someone: still the VM
}

/** The copy that is the VM (first of the best, so callers pass the last known host first). */
export function homeCopy<T extends Copy>(copies: readonly T[]): T | null {
  let best: T | null = null;
  for (const c of copies) if (best === null || copyRank(c) > copyRank(best)) best = c;
  return best;
}

/** True when the copies' states alone cannot say which is the VM: a failed post-copy's ends. */
export function needsSides(copies: readonly Copy[]): boolean {
  return copies.length > 1 && !copies.some((c) => c.state === "running") && copies.some((c) => c.reason === "post-copy failed");
}
