/**
 * `npm test`: the whole suite — unit tests, then integration tests against the real two-host lab.
 * Brings the lab up when it is not (and takes it down again afterwards if it started it).
 * Without root the lab cannot exist: outside CI that runs the unit tests only, loudly; in CI
 * (CI=true) it is a failure, so integration tests can never be skipped silently there.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { LivevirtError } from "../src/errors.js";
import { labDown, labStatus, labUp } from "../src/lab/lab.js";
import { ensureDebianPackages } from "../src/lab/packages.js";

const inCi = process.env.CI === "true";
const log = (m: string) => process.stderr.write(`test: ${m}\n`);

const totals = { passed: 0, failed: 0 };

/** Runs vitest with its usual output, and also reads its JSON report to add up the counts. */
async function vitest(args: string[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "livevirt-test-"));
  const report = join(dir, "report.json");
  try {
    const r = await execa("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args], {
      stdio: "inherit",
      reject: false,
    });
    if (existsSync(report)) {
      const j = JSON.parse(readFileSync(report, "utf8")) as { numPassedTests: number; numFailedTests: number };
      totals.passed += j.numPassedTests;
      totals.failed += j.numFailedTests;
    }
    return r.exitCode ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const extra = process.argv.slice(2);
  // Types first: vitest strips them without checking, so a type error would otherwise pass.
  const types = await execa("npx", ["tsc", "--noEmit"], { stdio: "inherit", reject: false });
  if (types.exitCode !== 0) {
    log("type check failed (npx tsc --noEmit)");
    totals.failed += 1;
    return 1;
  }
  const unit = await vitest(["test/unit", ...extra]);
  if (unit !== 0) return unit;

  let startedLab = false;
  try {
    // The review report is checked in a real headless browser (Debian's chromium).
    await ensureDebianPackages(["chromium", "fonts-liberation", "fonts-dejavu-core"], "/usr/bin/chromium", log);
    if (!(await labStatus()).up) {
      await labUp({ log });
      startedLab = true;
    }
  } catch (e) {
    const why = e instanceof LivevirtError ? `${e.message}${e.detail.fix ? ` (fix: ${e.detail.fix})` : ""}` : String(e);
    if (inCi) {
      log(`the lab could not start in CI: ${why}`);
      return 1;
    }
    const bar = "!".repeat(78);
    log(`\n${bar}\n  INTEGRATION TESTS NOT RUN: the lab could not start.\n  ${why}\n  Only unit tests ran. Run as root on Linux for the real suite.\n${bar}`);
    return 0;
  }
  try {
    return await vitest(["test/integration", ...extra]);
  } finally {
    if (startedLab) await labDown({ log });
  }
}

main().then(
  (code) => {
    // One plain closing line for whoever reads the log: unit and integration together.
    process.stdout.write(`${totals.passed} passed, ${totals.failed} failed\n`);
    process.exit(code);
  },
  (e: unknown) => {
    log(String(e instanceof Error ? (e.stack ?? e.message) : e));
    process.exit(1);
  },
);
