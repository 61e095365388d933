/**
 * `npm test`: the whole suite — types, lint and format, unit tests and integration tests against
 * the real two-host lab.
 * Brings the lab up when it is not (and takes it down again afterwards if it started it).
 * Integration files run in three groups (scripts/test-groups.ts): the exclusive files one after
 * another with nothing else on the lab (lint and the unit tests run meanwhile: they need no lab),
 * then the concurrent group side by side on a few workers, then the stock files with the lab switched to Debian 12's own libvirt/QEMU (and switched back
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

/**
 * Runs vitest with its usual output, and also reads its JSON report to add up the counts. With
 * `held`, the output is kept and printed in one piece when vitest ends (it runs beside another group).
 */
async function vitest(args: string[], env: Record<string, string> = {}, held = false): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "livevirt-test-"));
  const report = join(dir, "report.json");
  try {
    const r = await execa("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args], {
      ...(held ? { all: true, stdin: "ignore" as const } : { stdio: "inherit" as const }),
      reject: false,
      // The moves the tests make write their progress files here, not into the user's ~/.local/state.
      env: { LIVEVIRT_PROGRESS_DIR: process.env.LIVEVIRT_PROGRESS_DIR ?? join(dir, "moves"), ...env },
    });
    if (held) process.stdout.write(`${r.all ?? ""}\n`);
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

/**
 * Lint and the unit tests: the part of the suite that needs no lab. Held: its output is printed
 * in one piece when it ends, because it runs beside the exclusive group.
 */
async function lintAndUnit(extra: string[], held: boolean): Promise<number> {
  // Lint and format (ESLint, Prettier): what a reviewer would otherwise point out by hand.
  const lint = await execa("npm", ["run", "--silent", "lint"], held ? { all: true, stdin: "ignore", reject: false } : { stdio: "inherit", reject: false });
  if (held) process.stdout.write(`${lint.all ?? ""}\n`);
  if (lint.exitCode !== 0) {
    log("lint failed (npm run lint; `npm run format` rewrites the formatting)");
    totals.failed += 1;
    return 1;
  }
  return vitest(["test/unit", ...extra], {}, held);
}

/**
 * The exclusive files run first, one at a time, beside lint and the unit tests: they leave about
 * half of the two cores idle (56 % idle over the group, vmstat every 5 s) while they wait on
 * daemons and moves, and lint and the unit tests need no lab. Then the concurrent group, then the
 * stock group. A failure of lint or a unit test stops the run after the exclusive group (as it
 * stopped it before any integration test when they ran first); each integration group runs even
 * when an earlier group failed, so one run reports every failure.
 */
async function integration(extra: string[], startedLab: boolean): Promise<number> {
  const groups = integrationGroups();
  if (!groups) {
    totals.failed += 1;
    return 1;
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const t0 = Date.now();
  log(`integration, exclusive group (${groups.exclusive.length} files, one at a time), beside lint and the unit tests (their output follows when they end)`);
  let checksDone = 0;
  const [checks, exclusive] = await Promise.all([
    lintAndUnit(extra, true).finally(() => (checksDone = Date.now())),
    vitest([...groups.exclusive, "--no-file-parallelism", ...extra]),
  ]);
  const t1 = Date.now();
  log(`lint and unit tests ${s(checksDone - t0)}, exclusive group ${s(t1 - t0)}`);
  if (checks !== 0) {
    log("lint or a unit test failed: the concurrent and stock groups were not run");
    return checks;
  }
  log(`integration, concurrent group (${groups.concurrent.length} files, ${CONCURRENT_WORKERS} workers)`);
  const concurrent = await vitest([...groups.concurrent, "--fileParallelism", `--maxWorkers=${CONCURRENT_WORKERS}`, "--minWorkers=1", ...extra]);
  const t2 = Date.now();
  const stock = await stockGroup(groups.stock, extra, startedLab);
  log(`integration: exclusive group ${s(t1 - t0)}, concurrent group ${s(t2 - t1)}, stock group ${s(Date.now() - t2)} (incl. switching packages)`);
  return [exclusive, concurrent, stock].find((c) => c !== 0) ?? 0;
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
    const code = await lintAndUnit(extra, false);
    const bar = "!".repeat(78);
    log(`\n${bar}\n  INTEGRATION TESTS NOT RUN: the lab could not start.\n  ${why}\n  Only unit tests ran. Run as root on Linux for the real suite.\n${bar}`);
    return code;
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
