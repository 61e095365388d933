/**
 * A terraform command running in the background, for fault tests that must act on it mid-apply:
 * interrupt it the way a terminal's Ctrl-C does, or SIGKILL the provider process it started.
 *
 * terraform runs in a process group of its own (detached), so that "Ctrl-C" can be delivered
 * like a terminal does — SIGINT to every process of the foreground group — without touching the
 * test runner, which would otherwise share the group.
 */
import { readdirSync, readFileSync } from "node:fs";
import { execa } from "execa";
import type { TerraformDir } from "./terraform.js";

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** argv joined by spaces. */
  cmdline: string;
}

/** Every live process, from /proc (zombies excluded: PID 1 here does not reap orphans). */
export function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "PID (comm) S PPID PGRP …": comm may contain spaces and parentheses; fields follow the last ")".
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] === "Z" || rest[0] === "X") continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      out.push({ pid: Number(name), ppid: Number(rest[1]), pgrp: Number(rest[2]), cmdline });
    } catch {
      // Exited while we looked.
    }
  }
  return out;
}

/** Processes descending from `pid` (children, grandchildren, …). */
export function descendants(pid: number, all = processes()): ProcInfo[] {
  const found: ProcInfo[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const kids = all.filter((p) => frontier.includes(p.ppid));
    found.push(...kids);
    frontier = kids.map((k) => k.pid);
  }
  return found;
}

/**
 * The livevirt provider's process: terraform's child running the bundled provider
 * (livevirt-provider.mjs, the default build) or provider/main.ts (the tsx build mode).
 */
export function isProviderProcess(p: ProcInfo): boolean {
  return /livevirt-provider\.mjs|provider\/main\.(js|ts)/.test(p.cmdline);
}

function spawnTerraform(tf: TerraformDir, args: string[]) {
  return execa("terraform", args, { cwd: tf.dir, env: tf.env, extendEnv: false, reject: false, detached: true, stdin: "ignore" });
}

export class BackgroundTerraform {
  private constructor(
    readonly child: ReturnType<typeof spawnTerraform>,
    readonly args: string[],
  ) {}

  static start(tf: TerraformDir, args: string[]): BackgroundTerraform {
    return new BackgroundTerraform(spawnTerraform(tf, args), args);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`terraform ${this.args.join(" ")} did not start`);
    return this.child.pid;
  }

  /** The provider processes terraform has running now. */
  providers(): ProcInfo[] {
    return descendants(this.pid).filter(isProviderProcess);
  }

  /** What a terminal's Ctrl-C does: SIGINT to the whole foreground process group. */
  ctrlC(): void {
    process.kill(-this.pid, "SIGINT");
  }

  async result(): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const r = await this.child;
    return { stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: r.exitCode ?? -1 };
  }

  /** Ends terraform and everything in its group (test clean-up after a failure). */
  killGroup(): void {
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
