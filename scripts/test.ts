/**
 * `npm test`: the whole suite — types, lint and format, unit tests, then integration tests against
 * the real two-host lab.
 * Brings the lab up when it is not (and takes it down again afterwards if it started it).
 * Integration files run in three groups (scripts/test-groups.ts): the concurrent group side by
 * side on a few workers, then the exclusive files one after another with nothing else on the lab,
 * then the stock files with the lab switched to Debian 12's own libvirt/QEMU (and switched back
 * afterwards when the lab was up before the run; a lab this run started just goes down).
 * Without root the lab cannot exist: outside CI that runs the unit tests only, loudly; in CI
 * (CI=true) it is a failure, so integration tests can never be skipped silently there.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { LivevirtError } from "../src/errors.js";
import { labDown, labStatus, labUp } from "../src/lab/lab.js";
import { currentPackageSet, ensureDebianPackages } from "../src/lab/packages.js";
import { CONCURRENT, CONCURRENT_WORKERS, EXCLUSIVE, STOCK } from "./test-groups.js";

const inCi = process.env.CI === "true";
const log = (m: string) => process.stderr.write(`test: ${m}\n`);

const totals = { passed: 0, failed: 0 };

/** Runs vitest with its usual output, and also reads its JSON report to add up the counts. */
async function vitest(args: string[], env: Record<string, string> = {}): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "livevirt-test-"));
  const report = join(dir, "report.json");
  try {
    const r = await execa("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args], {
      stdio: "inherit",
      reject: false,
      // The moves the tests make write their progress files here, not into the user's ~/.local/state.
      env: { LIVEVIRT_PROGRESS_DIR: process.env.LIVEVIRT_PROGRESS_DIR ?? join(dir, "moves"), ...env },
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

const INTEGRATION_DIR = "test/integration";

/**
 * The integration files by group. A file in neither group, or a listed file that does not exist,
 * is a failure before anything runs: a new file must be placed deliberately.
 */
function integrationGroups(): { concurrent: string[]; exclusive: string[]; stock: string[] } | undefined {
  const onDisk = readdirSync(INTEGRATION_DIR)
    .filter((f) => f.endsWith(".test.ts"))
    .sort();
  const listed = [...CONCURRENT, ...Object.keys(EXCLUSIVE), ...Object.keys(STOCK)];
  const unplaced = onDisk.filter((f) => !listed.includes(f));
  const missing = listed.filter((f) => !onDisk.includes(f));
  if (unplaced.length > 0 || missing.length > 0) {
    if (unplaced.length > 0)
      log(`integration files in no group: ${unplaced.join(", ")} (fix: add each to CONCURRENT, EXCLUSIVE or STOCK in scripts/test-groups.ts)`);
    if (missing.length > 0) log(`scripts/test-groups.ts lists files that do not exist: ${missing.join(", ")}`);
    return undefined;
  }
  const path = (f: string) => `${INTEGRATION_DIR}/${f}`;
  return { concurrent: CONCURRENT.map(path), exclusive: Object.keys(EXCLUSIVE).map(path), stock: Object.keys(STOCK).map(path) };
}

/** Every group runs even when an earlier one fails, so one run reports every failure. */
async function integration(extra: string[], startedLab: boolean): Promise<number> {
  const groups = integrationGroups();
  if (!groups) {
    totals.failed += 1;
    return 1;
  }
  const t0 = Date.now();
  log(`integration, concurrent group (${groups.concurrent.length} files, ${CONCURRENT_WORKERS} workers)`);
  const concurrent = await vitest([...groups.concurrent, "--fileParallelism", `--maxWorkers=${CONCURRENT_WORKERS}`, "--minWorkers=1", ...extra]);
  const t1 = Date.now();
  log(`integration, exclusive group (${groups.exclusive.length} files, one at a time)`);
  const exclusive = await vitest([...groups.exclusive, "--no-file-parallelism", ...extra]);
  const t2 = Date.now();
  const stock = await stockGroup(groups.stock, extra, startedLab);
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  log(`integration: concurrent group ${s(t1 - t0)}, exclusive group ${s(t2 - t1)}, stock group ${s(Date.now() - t2)} (incl. switching packages)`);
  return [concurrent, exclusive, stock].find((c) => c !== 0) ?? 0;
}

/**
 * The stock files, with the lab on Debian 12's libvirt 9.0 / QEMU 7.2 (about 30 s to switch when
 * the .debs are cached). LIVEVIRT_EXPECT_RESUME=1 tells them the resume path must run. A lab that
 * was up before `npm test` gets its package set back (not in CI, which takes the lab down next);
 * one this run started is left to go down (the next lab:up installs the set it asks for).
 */
async function stockGroup(files: string[], extra: string[], startedLab: boolean): Promise<number> {
  if (files.length === 0) return 0;
  const before = await currentPackageSet();
  log(`integration, stock group (${files.length} files, one at a time): the lab on Debian 12's own libvirt/QEMU`);
  try {
    if (before !== "stock") {
      await labDown({ log });
      await labUp({ packages: "stock", log });
    }
    return await vitest([...files, "--no-file-parallelism", ...extra], { LIVEVIRT_EXPECT_RESUME: "1" });
  } catch (e) {
    log(`the stock group could not run: ${String(e instanceof Error ? e.message : e)}`);
    totals.failed += 1;
    return 1;
  } finally {
    // CI (.ci/run) takes the lab down right after: switching back would only cost time there.
    if (!startedLab && !inCi && before !== "stock" && before !== undefined && before !== "mixed") {
      await labDown({ log });
      await labUp({ packages: before, log });
    }
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
  // Lint and format (ESLint, Prettier): what a reviewer would otherwise point out by hand.
  const lint = await execa("npm", ["run", "--silent", "lint"], { stdio: "inherit", reject: false });
  if (lint.exitCode !== 0) {
    log("lint failed (npm run lint; `npm run format` rewrites the formatting)");
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
    return await integration(extra, startedLab);
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
