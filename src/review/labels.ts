/** Words shared by the Markdown and HTML renderings, so both say the same thing. */
import type { CheckStatus, Strategy, Tri } from "../preflight/types.js";
import type { ParsedCheck } from "./verdict.js";
import type { Move } from "./model.js";

export const STRATEGY_LABEL: Record<Strategy, string> = {
  postcopy: "post-copy",
  precopy: "pre-copy",
  recreate: "recreate",
  fail: "refused",
};

export const STATUS_LABEL: Record<CheckStatus, string> = { pass: "pass", fail: "FAIL", unknown: "unknown" };

export const POSTCOPY_LABEL: Record<Tri, string> = {
  yes: "both hosts can post-copy",
  no: "post-copy is not possible",
  unknown: "post-copy could not be verified",
};

export const VERDICT_AFTER_APPLY = "verdict known after apply";

/** "(advisory)" / "(overridden by …)": why a non-pass row does not decide the move. */
export function qualifier(c: ParsedCheck): string {
  if (c.overriddenBy) return `overridden by ${c.overriddenBy}`;
  return c.advisory ? "advisory" : "";
}

/** "post-copy" or "post-copy (declared; verdict known after apply)". */
export function strategyPhrase(m: Move): string {
  if (m.strategyKnown) return STRATEGY_LABEL[m.strategy];
  return `${STRATEGY_LABEL[m.strategy]} (declared mode; ${VERDICT_AFTER_APPLY})`;
}

/** "16 pass", "12 pass, 2 FAIL, 1 unknown" (non-passing advisory and overridden rows count apart: they do not decide). */
export function checkCounts(checks: readonly ParsedCheck[]): string {
  const count = (f: (c: ParsedCheck) => boolean) => checks.filter(f).length;
  const deciding = (c: ParsedCheck) => !c.advisory && !c.overriddenBy;
  const parts = [
    [count((c) => c.status === "pass"), "pass"],
    [count((c) => deciding(c) && c.status === "fail"), "FAIL"],
    [count((c) => deciding(c) && c.status === "unknown"), "unknown"],
    [count((c) => !deciding(c) && c.status !== "pass"), "advisory/overridden not passing"],
  ] as const;
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, w]) => `${n} ${w}`)
      .join(", ") || "no checks"
  );
}

export function totals(r: {
  moves: unknown[];
  created: unknown[];
  destroyed: unknown[];
  replaced: unknown[];
  updated: unknown[];
  restarted?: unknown[];
  unchanged: number;
}): string {
  const vms = (n: number) => `${n} VM${n === 1 ? "" : "s"}`;
  return [
    ...(r.restarted?.length ? [`${vms(r.restarted.length)} ${r.restarted.length === 1 ? "restarts" : "restart"}`] : []),
    `${vms(r.moves.length)} ${r.moves.length === 1 ? "moves" : "move"}`,
    `${r.created.length} created`,
    `${r.destroyed.length} destroyed`,
    `${r.replaced.length} replaced`,
    ...(r.updated.length ? [`${r.updated.length} updated in place`] : []),
    `${r.unchanged} unchanged`,
  ].join(" · ");
}

/**
 * What needs a reviewer's eye (every check that does not pass: it stands in the table) and the
 * passing checks that fold away under `summary` — one rule for both renderings.
 */
export function foldChecks(checks: readonly ParsedCheck[]): { open: ParsedCheck[]; passing: ParsedCheck[]; summary: string } {
  const open = checks.filter((c) => c.status !== "pass");
  const passing = checks.filter((c) => c.status === "pass");
  const summary = open.length ? `${passing.length} passing ${passing.length === 1 ? "check" : "checks"}` : `all ${passing.length} checks pass`;
  return { open, passing, summary };
}
