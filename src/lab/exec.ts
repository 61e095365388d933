import { execa } from "execa";
import { LabError } from "../errors.js";

/**
 * Runs one system command for the lab (ip, mount, nsenter, sysctl …): argv only, never a shell.
 * virsh is not run here: that goes through src/libvirt.
 */
export async function sh(cmd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await execa(cmd, args, { reject: false, timeout: opts.timeoutMs ?? 60_000, env: { LC_ALL: "C" } });
  if (r.exitCode !== 0 || r.failed) {
    const msg = (r.stderr || r.stdout || r.shortMessage || "").toString().trim();
    throw new LabError(`${cmd} ${args.join(" ")} failed: ${msg}`);
  }
  return r.stdout.toString();
}

/** Like sh() but reports success instead of throwing: for idempotent steps ("already exists"). */
export async function trySh(cmd: string, args: readonly string[]): Promise<boolean> {
  const r = await execa(cmd, args, { reject: false, timeout: 60_000, env: { LC_ALL: "C" } });
  return r.exitCode === 0;
}
