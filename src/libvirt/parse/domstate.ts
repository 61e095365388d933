/** `virsh domstate --reason` output, e.g. "running (booted)", "paused (post-copy failed)". */
import { ParseError } from "../../errors.js";

/** virsh's state words (virshDomainState); "no state" is VIR_DOMAIN_NOSTATE. */
export const DOMAIN_STATES = ["no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended"] as const;
export type DomainStateName = (typeof DOMAIN_STATES)[number];

export interface DomainState {
  state: DomainStateName;
  /** virsh's reason words, e.g. "booted", "migrated", "post-copy", "post-copy failed", "unknown". */
  reason: string;
}

export function parseDomState(text: string): DomainState {
  const line = text.trim().split(/\r?\n/)[0]?.trim() ?? "";
  const m = /^(.+?)(?:\s+\((.*)\))?$/.exec(line);
  const state = m?.[1] as DomainStateName | undefined;
  if (!m || !state || !(DOMAIN_STATES as readonly string[]).includes(state)) {
    throw new ParseError(`virsh domstate: unknown state "${line}"`, "virsh domstate --reason", text.slice(0, 200));
  }
  return { state, reason: m[2] ?? "unknown" };
}

/** True for the states in which post-copy lost its source: only a --postcopy-resume can save it. */
export function isPostcopyFailed(s: DomainState): boolean {
  return s.reason === "post-copy failed";
}
