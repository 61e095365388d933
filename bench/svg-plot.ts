/** A tiny dependency-free SVG line plot: axes, ticks, labels, one polyline + markers per series. */
export interface Point {
  x: number;
  y: number;
  /** Spread of the samples behind y (e.g. min and max): drawn as a whisker. */
  lo?: number;
  hi?: number;
  /** Not a measurement of y (e.g. an aborted move plotted at its timeout): an open marker. */
  open?: boolean;
  /** A few characters beside the point (e.g. "n=5"). */
  label?: string;
}
export interface Series {
  name: string;
  points: Point[];
}
export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** One line under the legend, e.g. what open markers mean. */
  note?: string;
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** "Nice" tick values covering [lo, hi] (about `count` of them). */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  if (out[out.length - 1]! < hi) out.push(+(out[out.length - 1]! + step).toPrecision(12));
  return out;
}

const fmt = (n: number) => (Math.abs(n) >= 1000 || Number.isInteger(n) ? String(Math.round(n)) : String(+n.toPrecision(3)));

export function linePlot(series: Series[], o: PlotOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 70, r: 56, t: 40, b: 60 + 18 * Math.ceil(series.length / 3) + (o.note ? 18 : 0) };
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => [p.y, ...(Number.isFinite(p.hi) ? [p.hi!] : []), ...(Number.isFinite(p.lo) ? [p.lo!] : [])]);
  const xt = ticks(Math.min(0, ...xs), xs.length ? Math.max(...xs) : 1);
  const yt = ticks(Math.min(0, ...ys), ys.length ? Math.max(...ys) : 1);
  const [x0, x1] = [xt[0]!, xt[xt.length - 1]!];
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const r = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);
  for (const t of xt) {
    out.push(`<line x1="${r(px(t))}" y1="${m.t}" x2="${r(px(t))}" y2="${H - m.b}" stroke="#eee"/>`);
    out.push(`<text x="${r(px(t))}" y="${H - m.b + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yt) {
    out.push(`<line x1="${m.l}" y1="${r(py(t))}" x2="${W - m.r}" y2="${r(py(t))}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 6}" y="${r(py(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 36}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length]!;
    const sp = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (sp.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${sp.map((p) => `${r(px(p.x))},${r(py(p.y))}`).join(" ")}"/>`);
    for (const p of sp) {
      if (Number.isFinite(p.lo) && Number.isFinite(p.hi))
        out.push(`<line class="spread" x1="${r(px(p.x))}" y1="${r(py(p.lo!))}" x2="${r(px(p.x))}" y2="${r(py(p.hi!))}" stroke="${c}" stroke-width="1.5"/>`);
      out.push(
        p.open
          ? `<rect class="open" x="${r(px(p.x) - 4)}" y="${r(py(p.y) - 4)}" width="8" height="8" fill="white" stroke="${c}" stroke-width="2"/>`
          : `<circle cx="${r(px(p.x))}" cy="${r(py(p.y))}" r="3.5" fill="${c}"/>`,
      );
      if (p.label) out.push(`<text x="${r(px(p.x) + 6)}" y="${r(py(p.y) - 6)}" font-size="10" fill="${c}">${escapeXml(p.label)}</text>`);
    }
    const lx = m.l + (i % 3) * 190;
    const ly = H - m.b + 52 + 18 * Math.floor(i / 3);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${c}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly + 1}">${escapeXml(s.name)}</text>`);
  });
  if (o.note) out.push(`<text x="${m.l}" y="${H - 10}" font-size="11" fill="#555">${escapeXml(o.note)}</text>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

export interface BarGroup {
  /** x-axis label of the group, e.g. "round 1". */
  label: string;
  /** One bar per series, in series order; NaN/null leaves a gap (e.g. a failed run). */
  values: (number | null)[];
}

/**
 * Grouped bar plot (one group per x label, one coloured bar per series), each bar labelled with
 * its value, so a bar too short to see on a shared linear axis still shows its figure.
 */
export function barPlot(seriesNames: string[], groups: BarGroup[], o: PlotOptions & { valueDigits?: number }): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 70, r: 20, t: 40, b: 60 + 18 * Math.ceil(seriesNames.length / 3) };
  const vals = groups.flatMap((g) => g.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const yt = ticks(Math.min(0, ...vals), vals.length ? Math.max(...vals) : 1);
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const py = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const groupW = (W - m.l - m.r) / Math.max(1, groups.length);
  const barW = (groupW * 0.8) / Math.max(1, seriesNames.length);
  const r = (n: number) => n.toFixed(1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);
  for (const t of yt) {
    out.push(`<line x1="${m.l}" y1="${r(py(t))}" x2="${W - m.r}" y2="${r(py(t))}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 6}" y="${r(py(t) + 4)}" text-anchor="end">${fmt(t)}</text>`);
  }
  groups.forEach((g, gi) => {
    const gx = m.l + gi * groupW + groupW * 0.1;
    g.values.forEach((v, si) => {
      if (v === null || !Number.isFinite(v)) return;
      const x = gx + si * barW;
      const top = py(Math.max(v, y0));
      const base = py(Math.max(0, y0));
      out.push(
        `<rect x="${r(x)}" y="${r(Math.min(top, base))}" width="${r(barW * 0.9)}" height="${r(Math.abs(base - top))}" fill="${COLOURS[si % COLOURS.length]}"/>`,
      );
      out.push(
        `<text x="${r(x + barW * 0.45)}" y="${r(Math.min(top, base) - 3)}" text-anchor="middle" ` +
          `font-size="10">${escapeXml(v.toFixed(o.valueDigits ?? 0))}</text>`,
      );
    });
    out.push(`<text x="${r(m.l + gi * groupW + groupW / 2)}" y="${H - m.b + 16}" text-anchor="middle">${escapeXml(g.label)}</text>`);
  });
  out.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 36}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  seriesNames.forEach((s, i) => {
    const lx = m.l + (i % 3) * 190;
    const ly = H - m.b + 52 + 18 * Math.floor(i / 3);
    out.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly + 1}">${escapeXml(s)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
