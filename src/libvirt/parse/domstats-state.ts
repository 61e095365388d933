/**
 * `virsh domstats --state`: the state of every domain of a host, running or not, in one call
 * (libvirt 11.3; the order is libvirt's, not by name):
 *
 *   Domain: 'rfr-cap-run'
 *     state.state=1
 *     state.reason=1
 *
 *   Domain: 'rfr-cap-moved'
 *     state.state=5
 *     state.reason=4
 *
 * The numbers are libvirt's enums (virDomainState and the per-state reason enums). The state
 * words are virsh's own (the ones `domstate` prints, DOMAIN_STATES); a reason gets virsh's word
 * only where it is known here (checked against `domstate --reason` of the same domains, see the
 * fixtures) — any other reason stays a number with `reason: null`, so a caller that needs the word
 * asks `domstate --reason` instead of trusting a guess.
 */
import { ParseError } from "../../errors.js";
import { DOMAIN_STATES, type DomainStateName } from "./domstate.js";

export interface DomainStatsState {
  name: string;
  state: DomainStateName;
  /** libvirt's reason number for this state (e.g. running 1 = booted). */
  reasonCode: number;
  /** virsh's reason word (as `domstate --reason` prints it), or null where this parser does not know it. */
  reason: string | null;
}

/** virDomainRunningReason → virsh's words (virshDomainRunningReason). */
const RUNNING_REASONS = [
  "unknown",
  "booted",
  "migrated",
  "restored",
  "from snapshot",
  "unpaused",
  "migration canceled",
  "save canceled",
  "event wakeup",
  "crashed",
  "post-copy",
  "post-copy failed",
] as const;

/** The reason words known per state (index = libvirt's reason number). */
const REASONS: Partial<Record<DomainStateName, Record<number, string>>> = {
  running: { ...RUNNING_REASONS },
  paused: { 0: "unknown", 1: "user" },
  "shut off": { 0: "unknown", 4: "migrated" },
};

function fail(msg: string, text: string): never {
  throw new ParseError(`virsh domstats --state: ${msg}`, "virsh domstats --state", text.slice(0, 300));
}

export function parseDomStatsState(text: string): DomainStatsState[] {
  const blocks: { name: string; fields: Map<string, string> }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const head = /^Domain: '(.*)'$/.exec(line);
    if (head) {
      blocks.push({ name: head[1]!, fields: new Map() });
      continue;
    }
    const kv = /^\s+([\w.]+)=(.*)$/.exec(line);
    const cur = blocks.at(-1);
    if (!kv || !cur) fail(`cannot read line "${line}"`, text);
    cur.fields.set(kv[1]!, kv[2]!.trim());
  }
  return blocks.map(({ name, fields }) => {
    const s = fields.get("state.state");
    const r = fields.get("state.reason");
    if (s === undefined || r === undefined) fail(`domain "${name}" has no state.state/state.reason`, text);
    if (!/^\d+$/.test(s) || !/^\d+$/.test(r)) fail(`domain "${name}": state ${s}, reason ${r} are not whole numbers`, text);
    const state = DOMAIN_STATES[Number(s)];
    if (state === undefined) fail(`domain "${name}": unknown state number ${s}`, text);
    const reasonCode = Number(r);
    return { name, state, reasonCode, reason: REASONS[state]?.[reasonCode] ?? null };
  });
}
