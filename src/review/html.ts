/**
 * The report as one self-contained HTML page: inline CSS, no scripts, no external resources,
 * and a Content-Security-Policy that forbids fetching anything, so opening a CI artifact never
 * reaches the network even if a string slipped through unescaped (none should: see escape.ts).
 */
import { escapeHtml as h } from "./escape.js";
import { UNLIMITED_TEXT, estimateShort, humanSeconds, type Estimate } from "./estimate.js";
import { POSTCOPY_LABEL, STATUS_LABEL, STRATEGY_LABEL, VERDICT_AFTER_APPLY, checkCounts, foldChecks, qualifier, strategyPhrase, totals } from "./labels.js";
import type { Move, ReviewReport, VmRef } from "./model.js";
import type { ParsedCheck } from "./verdict.js";
import { PLACEMENT_HEAD, hostsLine, placementRows, placementSvg, showsPlacement, sourceLine } from "./placement.js";
import { ORDER_HEAD, orderRows, scheduleSummary, type Schedule } from "./schedule.js";

function placementHtml(r: ReviewReport, svg: string | undefined): string {
  if (!showsPlacement(r)) return "";
  const cells = (tag: "td" | "th", row: readonly string[]) => row.map((c) => `<${tag}>${h(c)}</${tag}>`).join("");
  return [
    `<section class="placement"><h2>Placement</h2>`,
    `<table class="placement"><thead><tr>${cells("th", PLACEMENT_HEAD)}</tr></thead><tbody>`,
    ...placementRows(r.hostTotals).map((row) => `<tr>${cells("td", row)}</tr>`),
    `</tbody></table>`,
    svg ?? placementSvg(r.placement, r.hostTotals),
    `</section>`,
  ].join("\n");
}

function orderHtml(s: Schedule): string {
  if (s.moves.length < 2) return "";
  const cells = (tag: "td" | "th", row: readonly string[]) => row.map((c) => `<${tag}>${h(c)}</${tag}>`).join("");
  return [
    `<section class="order"><h2>Move order</h2><p class="schedule">${h(scheduleSummary(s))}</p>`,
    `<table class="order"><thead><tr>${cells("th", ORDER_HEAD)}</tr></thead><tbody>`,
    ...orderRows(s).map((r) => `<tr>${cells("td", r)}</tr>`),
    `</tbody></table></section>`,
  ].join("\n");
}

const CSS = `
section.placement svg{display:block;max-width:100%;height:auto;margin-top:8px}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.totals{font-weight:600;margin:0 0 12px}.muted{color:#57606a}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap}
tr.status-pass td.status{background:#dafbe1;color:#116329}
tr.status-fail td{background:#ffebe9}tr.status-fail td.status{background:#ff8182;color:#4c0003;font-weight:700}
tr.status-unknown td{background:#fff8c5}tr.status-unknown td.status{background:#f2cc60;font-weight:600}
tr.deciding-no td{opacity:.7;font-style:italic}
.checks td:nth-child(3){white-space:nowrap}.checks td:nth-child(4){min-width:16em}
.strategy{display:inline-block;border-radius:10px;padding:0 8px;font-size:13px;font-weight:600;vertical-align:middle}
.s-postcopy{background:#dafbe1;color:#116329}.s-precopy{background:#ddf4ff;color:#0550ae}
.s-recreate{background:#fff8c5;color:#7d4e00}.s-fail{background:#ffebe9;color:#a40e26}
.warn{background:#ffebe9;border:1px solid #ff8182;padding:6px 10px;border-radius:6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dt{font-weight:600}dd{margin:0}
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function estimateHtml(e: Estimate): string {
  if (e.kind === "none") return h(e.text);
  if (e.kind === "unlimited")
    return `<strong>${h(UNLIMITED_TEXT)}</strong> (${e.memoryMib} MiB of RAM; no bandwidth_mib set). <span class="muted">${h(e.note)}.</span>`;
  const timeout = e.overTimeout !== undefined ? ` <span class="warn">exceeds timeout_s = ${e.overTimeout} s: the move would be aborted</span>` : "";
  return `<strong>${e.atLeast ? "≥" : "≈"} ${h(humanSeconds(e.seconds))}</strong>: ${h(e.formula)}. <span class="muted">${h(e.note)}.</span>${timeout}`;
}

function checkRow(c: ParsedCheck): string {
  const q = qualifier(c);
  const deciding = !c.advisory && !c.overriddenBy;
  return (
    `<tr class="check status-${c.status} deciding-${deciding ? "yes" : "no"}" data-status="${c.status}" data-host="${h(c.host)}" data-check="${h(c.id)}">` +
    `<td class="status">${STATUS_LABEL[c.status]}${q ? ` <small>(${h(q)})</small>` : ""}</td>` +
    `<td>${h(c.host)}</td><td><code>${h(c.id)}</code></td><td>${h(c.title)}</td><td>${h(c.required ?? "")}</td><td>${h(c.fix ?? "")}</td></tr>`
  );
}

function verdictHtml(m: Move): string {
  const v = m.verdict;
  if (v.kind === "after-apply")
    return (
      `<p class="verdict-unknown"><strong>Preflight: ${VERDICT_AFTER_APPLY}.</strong> The provider could not run the checks at plan time; ` +
      `they run at apply, before anything moves, and a failing one stops the move.</p>`
    );
  if (v.kind === "absent") return `<p><strong>Preflight: no verdict in the plan</strong> (this provider reported none).</p>`;
  if (v.kind === "unreadable") return `<p class="warn">Preflight text not understood (${h(v.error)}); as planned:</p><pre>${h(v.text)}</pre>`;
  const p = v.parsed;
  const table = (rows: readonly ParsedCheck[]) =>
    `<table class="checks"><thead><tr><th>verdict</th><th>host</th><th>check</th><th>what it checks</th><th>required</th><th>fix</th></tr></thead>` +
    `<tbody>\n${rows.map(checkRow).join("\n")}\n</tbody></table>`;
  const { open, passing, summary: fold } = foldChecks(p.checks);
  return [
    `<p>Preflight: ${h(p.from)} → ${h(p.to)} ${h(p.strategyText)}; ${h(POSTCOPY_LABEL[p.postcopy])} (post-copy: ${p.postcopy}). ` +
      `Checks: ${h(checkCounts(p.checks))}.</p>`,
    ...(open.length ? [table(open)] : []),
    ...(passing.length ? [`<details class="passing"><summary>${h(fold)}</summary>\n${table(passing)}\n</details>`] : []),
    ...(p.unparsed.length ? [`<p>Other lines of the verdict:</p><pre>${h(p.unparsed.join("\n"))}</pre>`] : []),
    `<details><summary>preflight as planned</summary><pre>${h(v.text)}</pre></details>`,
  ].join("\n");
}

function moveHtml(m: Move): string {
  const bw = m.migration?.bandwidthMib !== undefined ? `${m.migration.bandwidthMib} MiB/s` : "none (unlimited)";
  return [
    `<section class="move" data-vm="${h(m.vm)}" data-strategy="${m.strategy}">`,
    `<h2><span class="vm">${h(m.vm)}</span>: <span class="route">${h(m.from)} → ${h(m.to)}</span> ` +
      `<span class="strategy s-${m.strategy}">${h(strategyPhrase(m))}</span></h2>`,
    `<dl><dt>Strategy</dt><dd>${STRATEGY_LABEL[m.strategy]}${m.strategyKnown ? "" : ` (declared mode; ${VERDICT_AFTER_APPLY})`}</dd>`,
    `<dt>Memory</dt><dd>${m.memoryMib !== undefined ? `${m.memoryMib} MiB` : "known after apply"}</dd>`,
    `<dt>Bandwidth cap</dt><dd>${h(bw)}${m.migration?.onUnsupported ? `; on_unsupported = "${h(m.migration.onUnsupported)}"` : ""}</dd>`,
    `<dt>Estimated move time</dt><dd class="estimate">${estimateHtml(m.estimate)}</dd></dl>`,
    verdictHtml(m),
    `</section>`,
  ].join("\n");
}

const refItem = (r: VmRef, extra = "") =>
  `<li><span class="vm">${h(r.vm)}</span>${r.host !== undefined ? ` on host ${h(r.host)}` : ""}${h(extra)} <code class="muted">${h(r.address)}</code></li>`;

function listHtml(id: string, title: string, items: string[]): string {
  return items.length ? `<section class="${id}"><h2>${h(title)}</h2><ul>${items.join("")}</ul></section>` : "";
}

/** `svg`: the placement picture when the caller already drew it (it is inlined, not drawn again). */
export function renderHtml(r: ReviewReport, opts: { svg?: string } = {}): string {
  const summaryRows = r.moves.map((m) => {
    const checks = m.verdict.kind === "known" ? checkCounts(m.verdict.parsed.checks) : m.verdict.kind === "after-apply" ? VERDICT_AFTER_APPLY : "—";
    return (
      `<tr><td>${h(m.vm)}</td><td>${h(m.from)} → ${h(m.to)}</td><td><span class="strategy s-${m.strategy}">${h(strategyPhrase(m))}</span></td>` +
      `<td>${h(checks)}</td><td>${h(estimateShort(m.estimate))}</td></tr>`
    );
  });
  const hostsNow = hostsLine(r.hostTotals);
  const body = [
    `<header><h1>livevirt plan review</h1><p class="totals">${h(totals(r))}</p>`,
    hostsNow ? `<p class="hosts">Hosts: ${h(hostsNow)}</p>` : "",
    r.source ? `<p class="source muted"><small>${h(sourceLine(r.source))}</small></p>` : "",
    r.errored ? `<p class="warn">Terraform reported this plan as errored: it is incomplete and cannot be applied.</p>` : "",
    r.moves.length
      ? `<table class="summary"><thead><tr><th>VM</th><th>move</th><th>strategy</th><th>checks</th><th>estimated move time</th></tr></thead>` +
        `<tbody>${summaryRows.join("")}</tbody></table>`
      : "",
    `</header>`,
    // What stops a guest comes first: replaced and restarted VMs reboot, destroyed ones are gone.
    listHtml(
      "replaced",
      "Replaced (destroyed and created again: the guest reboots, it does not move)",
      r.replaced.map((c) => refItem(c, c.because.length ? `, because ${c.because.join(", ")} changed` : "")),
    ),
    listHtml(
      "restarted",
      "Restarted on their host (the guest reboots; same host, same definition but its sizes)",
      r.restarted.map((c) => refItem(c, `: ${c.resize}`)),
    ),
    listHtml(
      "destroyed",
      "Destroyed",
      r.destroyed.map((c) => refItem(c)),
    ),
    placementHtml(r, opts.svg),
    orderHtml(r.schedule),
    ...r.moves.map(moveHtml),
    listHtml(
      "created",
      "Created",
      r.created.map((c) => refItem(c)),
    ),
    listHtml(
      "updated",
      "Updated in place (no move)",
      r.updated.map((c) => refItem(c, c.resize ? `: ${c.resize}` : "")),
    ),
    `<p class="unchanged">Unchanged: ${r.unchanged} VM${r.unchanged === 1 ? "" : "s"}.</p>`,
    r.terraformVersion ? `<p class="muted"><small>From a Terraform ${h(r.terraformVersion)} plan, by npm run review.</small></p>` : "",
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${h(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>livevirt plan review</title><style>${CSS}</style></head>
<body>
${body.filter(Boolean).join("\n")}
</body></html>
`;
}
