/** The report as Markdown for a pull-request comment (GitHub-flavoured: tables, <details>). */
import { escapeMd as md, mdFence } from "./escape.js";
import { UNLIMITED_TEXT, estimateShort, humanSeconds, type Estimate } from "./estimate.js";
import { POSTCOPY_LABEL, STATUS_LABEL, STRATEGY_LABEL, VERDICT_AFTER_APPLY, checkCounts, foldChecks, qualifier, strategyPhrase, totals } from "./labels.js";
import type { Move, ReviewReport, VmRef } from "./model.js";
import type { ParsedCheck } from "./verdict.js";
import { PLACEMENT_HEAD, hostsLine, placementRows, showsPlacement, sourceLine } from "./placement.js";
import { ORDER_HEAD, orderRows, scheduleSummary, type Schedule } from "./schedule.js";

/** When the moves run: one sentence, then the order (only when there is more than one move). */
function orderSection(s: Schedule): string[] {
  if (s.moves.length < 2) return [];
  const row = (cells: readonly string[]) => `| ${cells.map(md).join(" | ")} |`;
  return ["### Move order", "", md(scheduleSummary(s)), "", row(ORDER_HEAD), `|${ORDER_HEAD.map(() => "---").join("|")}|`, ...orderRows(s).map(row), ""];
}

const ICON = { pass: "✅", fail: "❌", unknown: "❔" } as const;

export function estimateText(e: Estimate): string {
  if (e.kind === "none") return e.text;
  if (e.kind === "unlimited") return `${UNLIMITED_TEXT} (${e.memoryMib} MiB of RAM; no bandwidth_mib set). ${e.note}.`;
  const timeout = e.overTimeout !== undefined ? ` **This exceeds timeout_s = ${e.overTimeout} s: the move would be aborted.**` : "";
  return `${e.atLeast ? "≥" : "≈"} ${humanSeconds(e.seconds)}: ${e.formula}. ${e.note}.${timeout}`;
}

function checkRow(c: ParsedCheck): string {
  const q = qualifier(c);
  const verdict = `${ICON[c.status]} ${STATUS_LABEL[c.status]}${q ? ` (${q})` : ""}`;
  return `| ${md(verdict)} | ${md(c.host)} | \`${c.id.replace(/`/g, "")}\` | ${md(c.title)} | ${md(c.required ?? "")} | ${md(c.fix ?? "")} |`;
}

function verdictSection(m: Move): string[] {
  const v = m.verdict;
  if (v.kind === "after-apply") {
    return [
      `**Preflight: ${VERDICT_AFTER_APPLY}.** The provider could not run the checks at plan time; ` +
        `they run at apply, before anything moves, and a failing one stops the move.`,
    ];
  }
  if (v.kind === "absent") return ["**Preflight: no verdict in the plan** (this provider reported none)."];
  if (v.kind === "unreadable") return [`**Preflight text not understood** (${md(v.error)}); as planned:`, "", mdFence(v.text)];
  const p = v.parsed;
  const head = ["| verdict | host | check | what it checks | required | fix |", "|---|---|---|---|---|---|"];
  const { open, passing, summary } = foldChecks(p.checks);
  const out = [
    `Preflight: ${md(p.from)} → ${md(p.to)} ${md(p.strategyText)}; ${POSTCOPY_LABEL[p.postcopy]} (post-copy: ${p.postcopy}). Checks: ${checkCounts(p.checks)}.`,
  ];
  if (open.length) out.push("", ...head, ...open.map(checkRow));
  if (passing.length) out.push("", `<details><summary>${summary}</summary>`, "", ...head, ...passing.map(checkRow), "", "</details>");
  if (p.unparsed.length) out.push("", "Other lines of the verdict:", "", mdFence(p.unparsed.join("\n")));
  out.push("", "<details><summary>preflight as planned</summary>", "", mdFence(v.text), "", "</details>");
  return out;
}

function moveSection(m: Move): string[] {
  const bw = m.migration?.bandwidthMib !== undefined ? `${m.migration.bandwidthMib} MiB/s` : "none (unlimited)";
  return [
    `### ${md(m.vm)}: ${md(m.from)} → ${md(m.to)}, ${strategyPhrase(m)}`,
    "",
    `- Strategy: **${STRATEGY_LABEL[m.strategy]}**${m.strategyKnown ? "" : ` (declared mode; ${VERDICT_AFTER_APPLY})`}`,
    `- Memory: ${m.memoryMib !== undefined ? `${m.memoryMib} MiB` : "known after apply"}; ` +
      `bandwidth cap (migration.bandwidth_mib): ${bw}${m.migration?.onUnsupported ? `; on_unsupported = "${md(m.migration.onUnsupported)}"` : ""}`,
    `- Estimated move time: ${estimateText(m.estimate)}`,
    "",
    ...verdictSection(m),
    "",
  ];
}

const refLine = (r: VmRef, extra = "") => `- ${md(r.vm)}${r.host !== undefined ? ` on host ${md(r.host)}` : ""}${extra} (\`${r.address.replace(/`/g, "")}\`)`;

function listSection(title: string, refs: string[]): string[] {
  return refs.length ? [`### ${title}`, "", ...refs, ""] : [];
}

/** `svg`: the file name of the placement picture written beside the Markdown (npm run review), to link it. */
function placementSection(r: ReviewReport, svg: string | undefined): string[] {
  if (!showsPlacement(r)) return [];
  const row = (c: readonly string[]) => `| ${c.map(md).join(" | ")} |`;
  return [
    "### Placement",
    "",
    row(PLACEMENT_HEAD),
    `|${PLACEMENT_HEAD.map(() => "---").join("|")}|`,
    ...placementRows(r.hostTotals).map(row),
    "",
    ...(svg ? [`![placement before and after the plan](${svg})`, ""] : []),
  ];
}

export function renderMarkdown(r: ReviewReport, o: { svg?: string } = {}): string {
  const out = ["## livevirt plan review", "", `**${totals(r)}**`, ""];
  const hostsNow = hostsLine(r.hostTotals);
  if (hostsNow) out.push(`Hosts: ${md(hostsNow)}`, "");
  if (r.source) out.push(`<sub>${md(sourceLine(r.source))}</sub>`, "");
  if (r.errored) out.push("> ⚠️ Terraform reported this plan as **errored**: it is incomplete and cannot be applied.", "");
  // What stops a guest comes first: replaced and restarted VMs reboot, destroyed ones are gone.
  out.push(
    ...listSection(
      "Replaced (destroyed and created again: the guest reboots, it does not move)",
      r.replaced.map((c) => refLine(c, c.because.length ? `, because ${c.because.map(md).join(", ")} changed` : "")),
    ),
    ...listSection(
      "Restarted on their host (the guest reboots; same host, same definition but its sizes)",
      r.restarted.map((c) => refLine(c, `: ${md(c.resize)}`)),
    ),
    ...listSection(
      "Destroyed",
      r.destroyed.map((c) => refLine(c)),
    ),
    ...placementSection(r, o.svg),
  );
  if (r.moves.length) {
    out.push("| VM | move | strategy | checks | estimated move time |", "|---|---|---|---|---|");
    for (const m of r.moves) {
      const checks = m.verdict.kind === "known" ? checkCounts(m.verdict.parsed.checks) : m.verdict.kind === "after-apply" ? VERDICT_AFTER_APPLY : "—";
      out.push(`| ${md(m.vm)} | ${md(m.from)} → ${md(m.to)} | ${md(strategyPhrase(m))} | ${md(checks)} | ${md(estimateShort(m.estimate))} |`);
    }
    out.push("", ...orderSection(r.schedule), ...r.moves.flatMap(moveSection));
  }
  out.push(
    ...listSection(
      "Created",
      r.created.map((c) => refLine(c)),
    ),
    ...listSection(
      "Updated in place (no move)",
      r.updated.map((c) => refLine(c, c.resize ? `: ${md(c.resize)}` : "")),
    ),
  );
  out.push(`Unchanged: ${r.unchanged} VM${r.unchanged === 1 ? "" : "s"}.`, "");
  if (r.terraformVersion) out.push(`<sub>From a Terraform ${md(r.terraformVersion)} plan, by \`npm run review\`.</sub>`, "");
  return out.join("\n");
}
