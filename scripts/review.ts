/**
 * `npm run review -- <plan> [--out DIR]`: a saved plan → DIR/review.md (for a pull-request
 * comment) and DIR/review.html (self-contained page). <plan> is `terraform show -json` output,
 * or a binary plan file (`terraform plan -out=…`), which is shown with `terraform show -json`
 * in its own directory — the one holding its .terraform (providers, modules) — as Terraform
 * needs the provider schemas to decode it. Prints the Markdown path.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { LivevirtError } from "../src/errors.js";
import { createHash } from "node:crypto";
import { PLACEMENT_SVG, review, type PlanSource } from "../src/review/index.js";

const USAGE = "usage: npm run review -- <plan.json | plan file> [--out DIR]   (default DIR: review/)";

/** Paths are the user's: under `npm run`, cwd is the package root and INIT_CWD where they typed. */
function userPath(p: string): string {
  const base = process.env.npm_lifecycle_event === "review" && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  return resolve(base, p);
}

export async function loadPlan(path: string): Promise<unknown> {
  const bytes = readFileSync(path);
  // A saved binary plan is a zip archive ("PK"); JSON starts with "{" after optional whitespace.
  const text = bytes.toString("utf8");
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new LivevirtError(`${path} looks like JSON but does not parse: ${(e as Error).message}`, {
        fix: "pass the output of `terraform show -json <plan file>`, saved whole",
      });
    }
  }
  const r = await execa("terraform", ["show", "-json", "-no-color", basename(path)], { cwd: dirname(path), reject: false, env: { CHECKPOINT_DISABLE: "1" } });
  if (r.exitCode !== 0) {
    throw new LivevirtError(`terraform show -json ${path} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim().slice(0, 2000)}`, {
      fix: "run it where the plan was made (terraform init done there), or pass `terraform show -json <plan file>` output instead",
    });
  }
  return JSON.parse(r.stdout);
}

/** The plan's provenance for the header: its hash, the cdktf stack its path names, the commit where it lies. */
export async function planSource(planPath: string): Promise<PlanSource> {
  const planSha256 = createHash("sha256").update(readFileSync(planPath)).digest("hex");
  const stack = /[\\/]stacks[\\/]([^\\/]+)[\\/][^\\/]+$/.exec(planPath)?.[1];
  const git = await execa("git", ["-C", dirname(planPath), "rev-parse", "--short", "HEAD"], { reject: false });
  const commit = git.exitCode === 0 ? String(git.stdout).trim() : undefined;
  return { planSha256, ...(stack ? { stack } : {}), ...(commit ? { commit } : {}) };
}

export async function writeReview(planPath: string, outDir: string): Promise<{ markdown: string; html: string; svg?: string }> {
  const { markdown, html, svg } = review(await loadPlan(planPath), await planSource(planPath));
  mkdirSync(outDir, { recursive: true });
  const paths = { markdown: resolve(outDir, "review.md"), html: resolve(outDir, "review.html") };
  writeFileSync(paths.markdown, markdown);
  writeFileSync(paths.html, html);
  if (svg === null) return paths;
  const svgPath = resolve(outDir, PLACEMENT_SVG);
  writeFileSync(svgPath, svg);
  return { ...paths, svg: svgPath };
}

function parseArgs(argv: string[]): { plan: string; out: string } | undefined {
  let plan: string | undefined;
  let out = "review";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out") {
      const v = argv[++i];
      if (v === undefined) return undefined;
      out = v;
    } else if (a.startsWith("--out=")) out = a.slice(6);
    else if (a.startsWith("-") || plan !== undefined) return undefined;
    else plan = a;
  }
  return plan === undefined ? undefined : { plan, out };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const paths = await writeReview(userPath(args.plan), userPath(args.out));
    process.stdout.write(`${paths.markdown}\n`);
    return 0;
  } catch (e) {
    const fix = e instanceof LivevirtError && e.detail.fix ? `\nfix: ${e.detail.fix}` : "";
    process.stderr.write(`review: ${e instanceof Error ? e.message : String(e)}${fix}\n`);
    return 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code));
}
