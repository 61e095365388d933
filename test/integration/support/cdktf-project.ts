/**
 * A user's cdktf project in a temporary folder: the project's sources copied (node_modules shared),
 * and commands run with the environment a user has (ours minus test knobs, plus the documented
 * offline switches). Each command's wall time is kept for the test's figures.
 */
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

export const ROOT = join(import.meta.dirname, "../../..");

/** The environment a user has: theirs, minus our test knobs, plus the documented offline switches. */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(TF_|LIVEVIRT_DEMO_|CDKTF_)/.test(k) || k === "CI") continue;
    env[k] = v;
  }
  return { ...env, CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "true", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true", ...extra };
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes (ESC [ … m) are what it removes
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

export interface RunResult {
  exitCode: number | undefined;
  stdout: string;
  out: string;
  ms: number;
}

export class CdktfProject {
  readonly dir: string;
  readonly figures: string[] = [];

  /**
   * `prebuilt`: link this checkout's provider mirror (.mirror) and bindings (.gen) instead of
   * building them again — for tests that are about what the provider does, not how it installs.
   */
  constructor(
    private readonly label: string,
    opts: { prebuilt?: boolean } = {},
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "livevirt-proj-"));
    for (const f of ["package.json", "package-lock.json", "cdktf.json", "tsconfig.json"]) cpSync(join(ROOT, f), join(this.dir, f));
    for (const d of ["modules", "stacks", "src", "provider", "scripts"]) cpSync(join(ROOT, d), join(this.dir, d), { recursive: true });
    symlinkSync(join(ROOT, "node_modules"), join(this.dir, "node_modules"), "dir");
    if (opts.prebuilt) for (const d of [".mirror", ".gen"]) symlinkSync(join(ROOT, d), join(this.dir, d), "dir");
  }

  stackDir(stack: string): string {
    return join(this.dir, "cdktf.out/stacks", stack);
  }

  async run(label: string, file: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; expectFail?: boolean } = {}): Promise<RunResult> {
    const started = Date.now();
    const r = await execa(file, args, { cwd: opts.cwd ?? this.dir, env: opts.env ?? userEnv(), extendEnv: false, reject: false, all: true });
    const ms = Date.now() - started;
    this.figures.push(`${label}: ${ms} ms`);
    process.stdout.write(`[${this.label}] ${label}: ${ms} ms (exit ${r.exitCode})\n`);
    const out = strip(r.all ?? "");
    if (!opts.expectFail && r.exitCode !== 0) throw new Error(`${label} failed (exit ${r.exitCode}):\n${out}`);
    return { exitCode: r.exitCode, stdout: String(r.stdout ?? ""), out, ms };
  }

  remove(): void {
    process.stdout.write(`[${this.label}] figures:\n  ${this.figures.join("\n  ")}\n`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
