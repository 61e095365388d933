/**
 * The host shell: how livevirt runs a host-local command on a declared host. The one place such
 * commands are spawned; virsh itself runs only in src/libvirt.
 *
 * Runs a host-local command (cat a sysctl, stat a device, read qemu.conf, start a probe QEMU) on
 * a host through its `shell` prefix. argv only: locally and through nsenter the argv reaches
 * execve unchanged, but ssh joins its remaining arguments with spaces and hands the string to the
 * remote user's shell — so for an ssh prefix every element of the command is quoted for a POSIX
 * shell, otherwise a path with a space or a `$` would be re-split or expanded remotely.
 */
import { basename } from "node:path";
import { execa } from "execa";
import type { Host } from "../model/index.js";

export interface HostCommandResult {
  kind: "ran";
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The command could not be run at all: no shell known, prefix missing, ssh failed, timeout. */
export interface HostCommandUnavailable {
  kind: "unavailable";
  reason: string;
}

export type HostCommandOutcome = HostCommandResult | HostCommandUnavailable;

export interface HostCommandOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Single-quotes `s` for a POSIX shell: the only character needing care inside '…' is ' itself. */
export function quoteForShell(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Whether the prefix hands the command to a remote shell as one string (ssh does). */
export function isRemotePrefix(prefix: readonly string[]): boolean {
  return prefix.some((a) => basename(a) === "ssh");
}

/**
 * The full argv for running `command` on the host. `env LC_ALL=C` goes in front so that tools
 * answer in the English our parsers read — on the remote side too, where our env is not passed.
 */
export function hostArgv(prefix: readonly string[], command: readonly string[]): string[] {
  const cmd = ["env", "LC_ALL=C", ...command];
  return [...prefix, ...(isRemotePrefix(prefix) ? cmd.map(quoteForShell) : cmd)];
}

export async function runOnHost(target: Host, command: readonly string[], opts: HostCommandOptions = {}): Promise<HostCommandOutcome> {
  if (target.shell === undefined) {
    return { kind: "unavailable", reason: `no shell configured for host ${target.name} (set its shell prefix, e.g. ssh)` };
  }
  const argv = hostArgv(target.shell, command);
  const [file, ...args] = argv as [string, ...string[]];
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const r = await execa(file, args, {
    reject: false,
    timeout: timeoutMs,
    cancelSignal: opts.signal,
    env: { LC_ALL: "C" },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: "ignore" as const }),
    stripFinalNewline: false,
    forceKillAfterDelay: 1_000,
  });
  const shown = command.join(" ");
  if (r.timedOut) return { kind: "unavailable", reason: `\`${shown}\` on host ${target.name} timed out after ${timeoutMs} ms` };
  if (r.isCanceled) return { kind: "unavailable", reason: `\`${shown}\` on host ${target.name} was aborted` };
  if (r.exitCode === undefined) {
    return { kind: "unavailable", reason: `could not run \`${file}\` for host ${target.name}: ${r.shortMessage ?? "unknown failure"}` };
  }
  const stderr = String(r.stderr ?? "");
  // 255 is ssh's own failure (auth, unreachable), not the remote command's exit code.
  if (r.exitCode === 255 && isRemotePrefix(target.shell)) {
    return { kind: "unavailable", reason: `ssh to host ${target.name} failed: ${stderr.trim().split("\n").pop() ?? ""}` };
  }
  // `env` exits 127 when the command does not exist on the host, 126 when it cannot be executed.
  if (r.exitCode === 127 || r.exitCode === 126) {
    return { kind: "unavailable", reason: `\`${command[0] ?? ""}\` is not available on host ${target.name}: ${stderr.trim()}` };
  }
  return { kind: "ran", stdout: String(r.stdout ?? ""), stderr, exitCode: r.exitCode };
}

/**
 * How to run a command on a host when the user did not say: this machine for local URIs, ssh
 * for qemu+ssh URIs (same user, host and port as libvirt uses), and "unknown" otherwise — a
 * qemu+tcp/tls host may be anywhere, and guessing would read another machine's facts.
 */
export function defaultShell(uri: string): string[] | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  const scheme = u.protocol.replace(/:$/, "");
  const transport = scheme.split("+")[1];
  if (transport === undefined || transport === "unix") return u.hostname === "" ? [] : undefined;
  if (transport === "ssh" || transport === "libssh" || transport === "libssh2") {
    const target = `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.hostname}`;
    return ["ssh", "-o", "BatchMode=yes", ...(u.port ? ["-p", u.port] : []), target];
  }
  return undefined;
}
