/** Filesystem helpers the product shares (no Terraform, no virsh). */
import { mkdirSync } from "node:fs";
import { join, resolve, sep } from "node:path";

/**
 * mkdir -p, one level at a time (created levels get `mode`). Not mkdirSync's `recursive`: on
 * Node 20 it never returns for a path under /proc (measured: `mkdirSync("/proc/x",
 * { recursive: true })` spins), and a provider must not hang on a directory set to a wrong place.
 */
export function makeDirs(dir: string, mode?: number): void {
  let at: string = sep;
  for (const p of resolve(dir).split(sep).filter(Boolean)) {
    at = join(at, p);
    try {
      mkdirSync(at, mode === undefined ? undefined : { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}
