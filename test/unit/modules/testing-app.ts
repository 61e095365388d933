/**
 * cdktf's Testing.app() without the litter: called without an outdir it makes a fresh
 * /tmp/cdktf.outdir.* per app and never removes it (one unit run left ~100). testApp() gives it an
 * outdir of ours and removes every one after the test file that made it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, type App } from "cdktf";
import { afterAll } from "vitest";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function testApp(): App {
  const outdir = mkdtempSync(join(tmpdir(), "cdktf.outdir."));
  made.push(outdir);
  return Testing.app({ outdir });
}
