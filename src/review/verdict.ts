/**
 * Typed parser for the plan's `preflight` text, exactly as src/preflight/format.ts `formatVerdict`
 * writes it:
 *   a → b: live-migrates with post-copy (post-copy: yes)
 *     [pass] a libvirt.version — libvirt supports post-copy
 *     [FAIL] b kernel.userfaultfd — title; required: …; fix: …
 *     [unknown, advisory] … / [FAIL, overridden by migration.postcopy-probe] …
 * The strategy phrases are taken from formatVerdict itself at load time, so a reworded phrase
 * changes the parser with it instead of silently breaking it (a test round-trips every strategy).
 */
import { ParseError } from "../errors.js";
import { formatVerdict } from "../preflight/format.js";
import type { CheckStatus, Strategy, Tri } from "../preflight/types.js";

export interface ParsedCheck {
  status: CheckStatus;
  advisory: boolean;
  /** The authoritative check that superseded this inferred one (the probe move). */
  overriddenBy?: string;
  host: string;
  id: string;
  title: string;
  /** Present for checks that did not pass (the text leaves it out for passes). */
  required?: string;
  fix?: string;
  /** The line as the plan shows it. */
  line: string;
}

export interface ParsedVerdict {
  from: string;
  to: string;
  strategy: Strategy;
  /** The provider's own phrase, e.g. "live-migrates with post-copy". */
  strategyText: string;
  postcopy: Tri;
  /** Whether the move's data is encrypted (QEMU TLS); absent in verdicts from before the setting, and for moves that are not live. */
  encrypted?: boolean;
  checks: ParsedCheck[];
  /** Lines that are not checks (a newer provider's additions): shown verbatim, never dropped. */
  unparsed: string[];
}

const STRATEGIES: readonly Strategy[] = ["postcopy", "precopy", "recreate", "fail"];

/** "a → b: live-migrates with post-copy (post-copy: yes; encrypted with TLS)"; verdicts before TLS lack the "; …" part. */
const HEAD = /^(\S+) → (\S+): (.+) \(post-copy: (yes|no|unknown)(?:; (encrypted with TLS|in clear))?\)$/;

/** Phrase → strategy, read off the producer: the first line of an empty verdict per strategy. */
const PHRASES: ReadonlyMap<string, Strategy> = new Map(
  STRATEGIES.map((s) => {
    const first = formatVerdict({
      vm: "v",
      from: "f",
      to: "t",
      checks: [],
      postcopy: "yes",
      strategy: s,
      tls: false,
      summary: "",
      timing: { totalMs: 0, cached: { from: false, to: false } },
    });
    const phrase = HEAD.exec(first)?.[3];
    if (phrase === undefined) throw new Error(`formatVerdict's first line changed shape: ${first}`);
    return [phrase, s] as const;
  }),
);

const LINE = /^ {2}\[([^\]]+)\] (\S+) (\S+) — (.*)$/;
const TAG = /^(pass|FAIL|unknown)(?:, (advisory|overridden by (\S+)))?$/;
const STATUS: Record<string, CheckStatus> = { pass: "pass", FAIL: "fail", unknown: "unknown" };

function parseCheck(line: string): ParsedCheck | undefined {
  const m = LINE.exec(line);
  const tag = m && TAG.exec(m[1]!);
  if (!m || !tag) return undefined;
  const rest = m[4]!;
  // Titles and requirements hold no "; required: " / "; fix: "; fixes may hold anything
  // (e.g. "…MODE="0660"; needs QEMU ≥ 8.1…"), so split on the FIRST markers only.
  const r = rest.indexOf("; required: ");
  let title = rest;
  let required: string | undefined;
  let fix: string | undefined;
  if (r >= 0) {
    title = rest.slice(0, r);
    const after = rest.slice(r + "; required: ".length);
    const f = after.indexOf("; fix: ");
    required = f >= 0 ? after.slice(0, f) : after;
    if (f >= 0) fix = after.slice(f + "; fix: ".length);
  }
  return {
    status: STATUS[tag[1]!]!,
    advisory: tag[2] === "advisory",
    ...(tag[3] !== undefined ? { overriddenBy: tag[3] } : {}),
    host: m[2]!,
    id: m[3]!,
    title,
    ...(required !== undefined ? { required } : {}),
    ...(fix !== undefined ? { fix } : {}),
    line,
  };
}

export function parseVerdict(text: string): ParsedVerdict {
  const [first = "", ...lines] = text.replace(/\r\n/g, "\n").replace(/\n+$/, "").split("\n");
  const head = HEAD.exec(first);
  const strategy = head && PHRASES.get(head[3]!);
  if (!head || !strategy) {
    throw new ParseError(`preflight text: first line is not "<from> → <to>: <strategy> (post-copy: …)"`, "the plan's preflight attribute", first.slice(0, 200));
  }
  const checks: ParsedCheck[] = [];
  const unparsed: string[] = [];
  for (const line of lines) {
    const c = parseCheck(line);
    if (c) checks.push(c);
    else if (line.trim() !== "") unparsed.push(line);
  }
  const encrypted = head[5] === undefined ? {} : { encrypted: head[5] === "encrypted with TLS" };
  return { from: head[1]!, to: head[2]!, strategy, strategyText: head[3]!, postcopy: head[4] as Tri, ...encrypted, checks, unparsed };
}
