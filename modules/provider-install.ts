/**
 * Makes a synthesized stack directory (cdktf.out/stacks/<name>) usable by Terraform offline, so
 * `npx cdktf diff|deploy` work as users type them — no env vars, no --skip-provider-lock:
 *
 * 1. Discovery: `terraform.d/plugins` → <project>/.mirror (symlink). Terraform searches
 *    `terraform.d/plugins` in its working directory as an *implied* filesystem mirror whenever the
 *    CLI config has no provider_installation block (the usual case), and cdktf runs `terraform
 *    init` in the stack dir. Chosen over ~/.terraform.d/plugins because it stays inside the
 *    project: two checkouts (or a moved one) never fight over one user-wide package, and nothing
 *    outside the repo is written. A user whose own CLI config has provider_installation can use
 *    `export TF_CLI_CONFIG_FILE=$PWD/.mirror/terraformrc` (explicit mirror) instead.
 * 2. Lock file: cdktf-cli runs `terraform providers lock -platform=linux_amd64` — which ignores
 *    mirrors and asks registry.terraform.io, unreachable offline — only when the stack dir lacks
 *    `.terraform.lock.hcl` or it lacks a required provider. So we write that lock file first, with
 *    `terraform providers lock -fs-mirror=<.mirror>`, whenever it is missing, lacks livevirt, or
 *    its h1: hashes do not include the package now in the mirror. The last case is the
 *    rebuild pitfall (the package is reproducible across checkouts, but changes when the provider's
 *    sources do, or with --mode tsx): Terraform would fail with "does not match"; we drop the stale
 *    livevirt entry and lock afresh.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execaSync } from "execa";

/** The repository root (modules/ lives directly under it). */
export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
/** Written by scripts/build-provider.ts (its MIRROR; a unit test keeps the two in step). */
export const MIRROR_DIR = join(PROJECT_ROOT, ".mirror");
export const PROVIDER_SOURCE = "registry.terraform.io/livevirt/livevirt";
export const PLATFORM = "linux_amd64";
export const LOCK_FILE = ".terraform.lock.hcl";

/**
 * Environment for every Terraform/cdktf we start. CHECKPOINT_DISABLE (any non-empty value): no
 * checkpoint-api.hashicorp.com call from Terraform nor cdktf-cli's telemetry; DISABLE_VERSION_CHECK:
 * no newer-cdktf check via npm; CDKTF_DISABLE_PLUGIN_CACHE_ENV: cdktf sets no TF_PLUGIN_CACHE_DIR.
 */
export const OFFLINE_ENV = { CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "true", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true" } as const;

export class ProviderNotBuiltError extends Error {}

/** The versions of livevirt present in the mirror, newest last (semver order). */
export function mirrorVersions(mirror = MIRROR_DIR): string[] {
  const dir = join(mirror, PROVIDER_SOURCE);
  if (!existsSync(dir)) return [];
  const key = (v: string) =>
    v
      .split(/[.-]/)
      .map((p) => p.padStart(8, "0"))
      .join(".");
  return readdirSync(dir)
    .filter((v) => existsSync(join(dir, v, PLATFORM)))
    .sort((x, y) => key(x).localeCompare(key(y)));
}

/**
 * Terraform's "h1:" package hash (Go dirhash.Hash1): sha256 over the sorted lines
 * "<sha256 hex of file>  <relative path>\n" of every file in the package directory.
 */
export function packageHashH1(packageDir: string): string {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(packageDir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else files.push(r);
    }
  };
  walk("");
  files.sort();
  const summary = createHash("sha256");
  for (const f of files)
    summary.update(
      `${createHash("sha256")
        .update(readFileSync(join(packageDir, f)))
        .digest("hex")}  ${f}\n`,
    );
  return `h1:${summary.digest("base64")}`;
}

const LIVEVIRT_BLOCK = /provider "registry\.terraform\.io\/livevirt\/livevirt" \{[\s\S]*?\n\}\n*/;

/** Why the lock file needs (re)writing, or null when it already matches the mirror. */
export function lockProblem(stackDir: string, version: string, h1: string, constraint?: string): string | null {
  const lockPath = join(stackDir, LOCK_FILE);
  if (!existsSync(lockPath)) return "no lock file";
  const block = LIVEVIRT_BLOCK.exec(readFileSync(lockPath, "utf8"))?.[0];
  if (!block) return "lock file lacks livevirt";
  const field = (name: string) => new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, "m").exec(block)?.[1];
  if (field("version") !== version) return `lock file pins livevirt ${field("version")}, the mirror has ${version}`;
  // cdktf compares this line with the stack's constraint and re-locks (online) when they differ.
  if (constraint !== undefined && field("constraints") !== constraint) return "lock file constraint differs from the stack's";
  if (!block.includes(`"${h1}"`)) return "lock file hash differs from the provider package now in the mirror (rebuilt)";
  return null;
}

/** The stack's version constraint for livevirt, as cdktf synthesized it. */
function requiredConstraint(stackDir: string): string | undefined {
  try {
    const tf = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as {
      terraform?: { required_providers?: Record<string, { source?: string; version?: string }> };
    };
    return Object.values(tf.terraform?.required_providers ?? {}).find((p) => p.source?.endsWith("livevirt/livevirt"))?.version;
  } catch {
    return undefined;
  }
}

function ensureSymlink(link: string, target: string): void {
  let current: string | null = null;
  try {
    if (lstatSync(link).isSymbolicLink()) current = readlinkSync(link);
    else rmSync(link, { recursive: true, force: true }); // a real dir left by hand: replace it
  } catch {
    /* absent */
  }
  if (current === target) return;
  if (current !== null) rmSync(link, { force: true });
  mkdirSync(join(link, ".."), { recursive: true });
  symlinkSync(target, link, "dir");
}

export interface SetupResult {
  /** What was done to the lock file, or null when it was already right. */
  locked: string | null;
  ms: number;
}

/** Prepares one synthesized stack dir for offline Terraform (see the header). Synchronous: App.synth is. */
export function prepareStackDir(stackDir: string, mirror = MIRROR_DIR): SetupResult {
  const started = Date.now();
  const version = mirrorVersions(mirror).at(-1);
  if (!version) {
    throw new ProviderNotBuiltError(
      `livevirt: the livevirt Terraform provider is not built (no package under ${join(mirror, PROVIDER_SOURCE)}). ` +
        `Fix: run \`npm run build\` in ${PROJECT_ROOT}.`,
    );
  }
  ensureSymlink(join(stackDir, "terraform.d", "plugins"), mirror);
  const h1 = packageHashH1(join(mirror, PROVIDER_SOURCE, version, PLATFORM));
  const why = lockProblem(stackDir, version, h1, requiredConstraint(stackDir));
  if (why) {
    const lockPath = join(stackDir, LOCK_FILE);
    if (existsSync(lockPath)) writeFileSync(lockPath, readFileSync(lockPath, "utf8").replace(LIVEVIRT_BLOCK, ""));
    // argv, no shell; only livevirt is locked here, other providers keep their entries.
    const r = execaSync("terraform", ["providers", "lock", `-fs-mirror=${mirror}`, `-platform=${PLATFORM}`, PROVIDER_SOURCE], {
      cwd: stackDir,
      env: { ...OFFLINE_ENV },
      reject: false,
      timeout: 120_000,
    });
    if (r.exitCode !== 0) {
      throw new Error(
        `livevirt: \`terraform providers lock\` failed in ${stackDir} (${why}):\n${r.stderr || r.stdout}\nFix: run \`npm run build\`, then synth again.`,
      );
    }
  }
  return { locked: why, ms: Date.now() - started };
}
