/**
 * A move's timeline as an SVG (pure): remaining memory against time from its progress file
 * (src/migration/progress-log.ts), the pre-copy passes marked where each begins, the switch to
 * post-copy as a vertical line, and the end. Self-contained SVG, no script, text escaped.
 */
import type { ProgressRecord, ProgressSample, ProgressStart, ProgressSwitch, ProgressEnd } from "../migration/progress-log.js";
import { escapeHtml as esc } from "./escape.js";

const W = 720;
const H = 320;
const PAD = { l: 64, r: 20, t: 40, b: 48 };

export function timelineSvg(records: readonly ProgressRecord[]): string {
  const start = records.find((r): r is ProgressStart => r.kind === "start");
  const samples = records.filter((r): r is ProgressSample => r.kind === "sample" && r.remainingBytes !== undefined);
  const sw = records.find((r): r is ProgressSwitch => r.kind === "switch");
  const end = records.find((r): r is ProgressEnd => r.kind === "end");
  const title = start
    ? `${start.vm}: ${start.from} → ${start.to}, ${(start.ramBytes / 1048576).toFixed(0)} MiB RAM, ${start.tls ? "TLS" : "in clear"}`
    : "move";
  const endS = Math.max(end ? end.elapsedMs / 1000 : 0, ...samples.map((s) => s.elapsedMs / 1000), 1);
  const maxMiB = Math.max(start ? start.ramBytes / 1048576 : 0, ...samples.map((s) => s.remainingBytes! / 1048576), 1);
  const x = (s: number) => PAD.l + (s / endS) * (W - PAD.l - PAD.r);
  const y = (mib: number) => H - PAD.b - (mib / maxMiB) * (H - PAD.t - PAD.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.l}" y="20" font-weight="bold">${esc(title)}</text>`,
    `<line x1="${PAD.l}" y1="${H - PAD.b}" x2="${W - PAD.r}" y2="${H - PAD.b}" stroke="#333"/>`,
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${H - PAD.b}" stroke="#333"/>`,
    `<text x="${(W + PAD.l) / 2}" y="${H - 12}" text-anchor="middle">seconds since the move started</text>`,
    `<text x="14" y="${(H + PAD.t) / 2}" transform="rotate(-90 14 ${(H + PAD.t) / 2})" text-anchor="middle">remaining MiB</text>`,
  ];
  for (const f of [0, 0.5, 1]) {
    parts.push(`<text x="${PAD.l - 6}" y="${y(maxMiB * f) + 4}" text-anchor="end">${(maxMiB * f).toFixed(0)}</text>`);
    parts.push(`<text x="${x(endS * f)}" y="${H - PAD.b + 16}" text-anchor="middle">${(endS * f).toFixed(1)}</text>`);
  }
  // Pass boundaries: where the iteration number first changes.
  let pass: number | undefined;
  for (const s of samples) {
    if (s.phase === "precopy" && s.iteration !== undefined && s.iteration !== pass) {
      pass = s.iteration;
      const px = x(s.elapsedMs / 1000);
      parts.push(
        `<line x1="${px}" y1="${PAD.t}" x2="${px}" y2="${H - PAD.b}" stroke="#bbb" stroke-dasharray="3 3"/>`,
        `<text x="${px + 3}" y="${PAD.t + 12}" fill="#666">pass ${s.iteration}</text>`,
      );
    }
  }
  if (sw) {
    const px = x(sw.elapsedMs / 1000);
    parts.push(
      `<line x1="${px}" y1="${PAD.t}" x2="${px}" y2="${H - PAD.b}" stroke="#c0392b" stroke-width="2"/>`,
      `<text x="${px + 4}" y="${PAD.t + 28}" fill="#c0392b">switch to post-copy</text>`,
    );
  }
  if (samples.length > 0) {
    const pts = samples.map((s) => `${x(s.elapsedMs / 1000).toFixed(1)},${y(s.remainingBytes! / 1048576).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="#2c6fbb" stroke-width="2" points="${pts.join(" ")}"/>`);
  } else {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#666">no job samples recorded</text>`);
  }
  if (end) {
    const label =
      end.result === "failed"
        ? `failed: ${end.message ?? ""}`
        : `arrived (${end.result === "postcopy" ? "post-copy" : "pre-copy"}) at ${(end.elapsedMs / 1000).toFixed(1)} s`;
    parts.push(
      `<text x="${W - PAD.r}" y="${PAD.t - 8}" text-anchor="end" fill="${end.result === "failed" ? "#c0392b" : "#27ae60"}">${esc(label.slice(0, 90))}</text>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
