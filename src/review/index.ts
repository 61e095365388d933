/** Plan review: `terraform show -json` of a plan → report model → Markdown and HTML (pure). */
export { readPlan, type PlanSummary, type VmChange, type VmAction } from "./plan-json.js";
export { parseVerdict, type ParsedCheck, type ParsedVerdict } from "./verdict.js";
export { estimateMove, humanSeconds, type Estimate } from "./estimate.js";
export { buildReport, type Move, type PlanSource, type ReviewReport } from "./model.js";
export { renderMarkdown } from "./markdown.js";
export { renderHtml } from "./html.js";
export { escapeHtml, escapeMd } from "./escape.js";
export { placementOf, hostTotals, placementSvg, type PlacedVm, type HostTotals } from "./placement.js";
export { timelineSvg } from "./timeline.js";

import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { buildReport, type PlanSource } from "./model.js";
import { readPlan } from "./plan-json.js";
import { placementSvg, showsPlacement } from "./placement.js";

/** The placement picture's file name beside review.md (npm run review writes both). */
export const PLACEMENT_SVG = "review-placement.svg";

/** The whole pipeline on parsed `terraform show -json` output; `svg` is null when the plan places nothing anew. */
export function review(planJson: unknown, source?: PlanSource): { markdown: string; html: string; svg: string | null } {
  const report = buildReport(readPlan(planJson));
  if (source) report.source = source;
  const svg = showsPlacement(report) ? placementSvg(report.placement, report.hostTotals) : null;
  return { markdown: renderMarkdown(report, svg ? { svg: PLACEMENT_SVG } : {}), html: renderHtml(report, svg ? { svg } : {}), svg };
}
