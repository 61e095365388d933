/** Plan review: `terraform show -json` of a plan → report model → Markdown and HTML (pure). */
export { readPlan, type PlanSummary, type VmChange, type VmAction } from "./plan-json.js";
export { parseVerdict, type ParsedCheck, type ParsedVerdict } from "./verdict.js";
export { estimateMove, humanSeconds, type Estimate } from "./estimate.js";
export { buildReport, type Move, type ReviewReport } from "./model.js";
export { renderMarkdown } from "./markdown.js";
export { renderHtml } from "./html.js";
export { escapeHtml, escapeMd } from "./escape.js";

import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReport } from "./model.js";
import { readPlan } from "./plan-json.js";

/** The whole pipeline on parsed `terraform show -json` output. */
export function review(planJson: unknown): { markdown: string; html: string } {
  const report = buildReport(readPlan(planJson));
  return { markdown: renderMarkdown(report), html: renderHtml(report) };
}
