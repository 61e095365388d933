/** scripts/review.ts: files in, files out, and the binary-plan path's error when it cannot work. */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { LivevirtError } from "../../../src/errors.js";
import { loadPlan, writeReview } from "../../../scripts/review.js";

const FIXTURE = fileURLToPath(new URL("fixtures/plan-moves.json", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "livevirt-review-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("review CLI", () => {
  it("writes review.md, review.html and the placement picture the Markdown links, from plan JSON", async () => {
    const paths = await writeReview(FIXTURE, join(tmp, "out"));
    expect(paths).toEqual({ markdown: join(tmp, "out", "review.md"), html: join(tmp, "out", "review.html"), svg: join(tmp, "out", "review-placement.svg") });
    expect(readFileSync(paths.markdown, "utf8")).toContain("### rv-web: a → b, post-copy");
    expect(readFileSync(paths.markdown, "utf8")).toContain("![placement before and after the plan](review-placement.svg)");
    expect(readFileSync(paths.svg!, "utf8")).toMatch(/^<svg [^>]*role="img"/);
    // The header says which plan this is: its hash (and the commit, when the fixture lies in a git checkout).
    const sha = createHash("sha256").update(readFileSync(FIXTURE)).digest("hex").slice(0, 12);
    expect(readFileSync(paths.markdown, "utf8")).toMatch(new RegExp(`<sub>(commit [0-9a-f]{7,} · )?plan sha256 ${sha}</sub>`));
    expect(readFileSync(paths.html, "utf8")).toContain('<section class="move" data-vm="rv-web"');
  });

  it("npm run review -- <plan> --out DIR prints the Markdown path", async () => {
    const out = join(tmp, "npm");
    const r = await execa("npm", ["run", "-s", "review", "--", FIXTURE, "--out", out], { cwd: ROOT });
    expect(r.stdout.trim()).toBe(join(out, "review.md"));
  });

  it("usage error without a plan", async () => {
    const r = await execa("npx", ["tsx", "scripts/review.ts"], { cwd: ROOT, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("usage: npm run review");
  });

  it("a file that is not JSON goes through terraform show -json; its failure is explained", async () => {
    const bogus = join(tmp, "plan.bin");
    writeFileSync(bogus, "PK not really a plan");
    const err = await loadPlan(bogus).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LivevirtError);
    expect((err as LivevirtError).message).toMatch(/terraform show -json .*plan\.bin failed/);
  });

  it("broken JSON is reported as such", async () => {
    const broken = join(tmp, "broken.json");
    writeFileSync(broken, '{"format_version": ');
    await expect(loadPlan(broken)).rejects.toThrow(/looks like JSON but does not parse/);
  });
});
