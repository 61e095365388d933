/** Dotted version comparison for libvirt/QEMU versions ("11.3.0" vs "8.5.0"). */
import { ValidationError } from "../errors.js";

function parts(v: string): number[] {
  if (!/^\d+(\.\d+)*$/.test(v.trim())) {
    throw new ValidationError(`not a dotted version: "${v}"`, { value: v, fix: 'use a version like "8.5.0"' });
  }
  return v.trim().split(".").map(Number);
}

/** -1, 0 or 1; missing components count as 0 ("8.5" == "8.5.0"). */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** True when `version` ≥ `minimum`, e.g. atLeast("11.3.0", "8.5.0"). */
export function atLeast(version: string, minimum: string): boolean {
  return compareVersions(version, minimum) >= 0;
}
