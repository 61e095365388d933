/** Small statistics helpers for the benchmarks (no timing assertions anywhere). */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
export const min = (xs: number[]) => (xs.length ? Math.min(...xs) : NaN);
export const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);

/** Least-squares line y = a + b·x. */
export function leastSquares(pts: { x: number; y: number }[]): { intercept: number; slope: number } {
  const n = pts.length;
  if (n < 2) return { intercept: pts[0]?.y ?? NaN, slope: NaN };
  const mx = pts.reduce((s, p) => s + p.x, 0) / n;
  const my = pts.reduce((s, p) => s + p.y, 0) / n;
  const sxx = pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const slope = sxx === 0 ? NaN : sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

export function fmtNum(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return n.toFixed(digits);
}
export const medRange = (xs: number[], digits = 2) =>
  xs.length ? `${fmtNum(median(xs), digits)} (${fmtNum(min(xs), digits)}–${fmtNum(max(xs), digits)})` : "–";
