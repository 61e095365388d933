/**
 * Runs one virsh command to its end — every short virsh call goes through here; the two
 * long-running ones spawn virsh themselves with the same rules (event-stream.ts: `virsh event`;
 * migrate.ts: `virsh migrate`). argv only (never a shell), `LC_ALL=C` so outputs and messages
 * are the English ones our parsers expect, a timeout on every call, and libvirt's `error:` lines
 * turned into typed errors with the URI password scrubbed.
 */
import { execa } from "execa";
import { DomainNotFoundError, LibvirtError } from "../errors.js";
import { VirshAbortedError, VirshTimeoutError } from "./errors.js";
import { isDomainNotFound, libvirtMessages } from "./parse/virsh-error.js";
import { transportProblem } from "./parse/transport-error.js";
import { redactSecrets, redactText, uriHost } from "../model/index.js";

export const VIRSH_BIN = "virsh";
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface RunOptions {
  /** Kill virsh after this long (default 30 s). */
  timeoutMs?: number;
  /** Abort the call (virsh is killed; the promise rejects with VirshAbortedError). */
  signal?: AbortSignal;
}

export interface VirshResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The argv as it may appear in errors and logs: URI password replaced. */
export function displayCommand(uri: string, args: readonly string[]): string[] {
  return [VIRSH_BIN, "-c", redactSecrets(uri), ...args.map((a) => redactText(a, uri))];
}

/** One virsh process run to its end (or killed), as observers see it. */
export interface VirshCall {
  /** The argv as displayCommand gives it (URI password replaced). */
  command: string[];
  ms: number;
  /** undefined: killed (timeout, abort) or never started. */
  exitCode: number | undefined;
}

const observers = new Set<(call: VirshCall) => void>();

/**
 * Calls `fn` after every short virsh process (runVirshResult, so every call through Connection):
 * how a caller counts or logs what it cost. Returns the function that stops it. An observer that
 * throws is ignored: observing must not change a call's outcome.
 */
export function observeVirshCalls(fn: (call: VirshCall) => void): () => void {
  observers.add(fn);
  return () => observers.delete(fn);
}

/** The environment every virsh call gets (C locale: parsers read English, dot-decimal output). */
export const VIRSH_ENV = { LC_ALL: "C" } as const;

/**
 * Runs virsh and returns its output whatever the exit code (some commands, e.g.
 * hypervisor-cpu-compare, answer "incompatible" with exit 1). Throws only when virsh could not
 * run to completion: not installed, timed out, aborted.
 */
export async function runVirshResult(uri: string, args: readonly string[], opts: RunOptions = {}): Promise<VirshResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const t0 = performance.now();
  const r = await execa(VIRSH_BIN, ["-c", uri, ...args], {
    reject: false,
    timeout: timeoutMs,
    cancelSignal: opts.signal,
    env: VIRSH_ENV,
    stdin: "ignore",
    stripFinalNewline: false,
  });
  const command = displayCommand(uri, args);
  for (const fn of observers) {
    try {
      fn({ command, ms: performance.now() - t0, exitCode: r.exitCode });
    } catch {
      // an observer's failure is not the call's
    }
  }
  const stderr = redactText(String(r.stderr ?? ""), uri);
  if (r.timedOut) {
    throw new VirshTimeoutError(`${command.join(" ")} timed out after ${timeoutMs} ms`, command, stderr, {
      fix: "check that the libvirt daemon answers (virsh -c URI version); raise the timeout for slow hosts",
    });
  }
  if (r.isCanceled) {
    throw new VirshAbortedError(`${command.join(" ")} was aborted`, command, stderr);
  }
  if (r.exitCode === undefined) {
    // Never started (ENOENT, EACCES) or killed by a signal we did not send.
    const why = redactText(r.shortMessage ?? "unknown failure", uri);
    throw new LibvirtError(`could not run virsh: ${why}`, command, stderr, {
      fix: "install the libvirt clients (Debian: apt-get install libvirt-clients)",
    });
  }
  return { stdout: String(r.stdout ?? ""), stderr, exitCode: r.exitCode };
}

/** The typed error for a failed virsh call (DomainNotFoundError when the domain is missing). */
export function virshFailure(uri: string, args: readonly string[], result: VirshResult): LibvirtError {
  const command = displayCommand(uri, args);
  const stderr = redactText(result.stderr, uri);
  const messages = libvirtMessages(stderr);
  const text = messages.length > 0 ? messages.join("; ") : stderr.trim() || `exit code ${result.exitCode}`;
  if (messages.some(isDomainNotFound)) return new DomainNotFoundError(`virsh ${args[0] ?? ""} on ${redactSecrets(uri)} failed: ${text}`, command, stderr);
  // A transport that refused us (SSH host key, login, TLS certificate): say that, not ssh's banner.
  const transport = transportProblem(stderr, uriHost(uri));
  if (transport) return new LibvirtError(`cannot connect to ${redactSecrets(uri)}: ${transport.reason}`, command, stderr, { fix: transport.fix });
  return new LibvirtError(`virsh ${args[0] ?? ""} on ${redactSecrets(uri)} failed: ${text}`, command, stderr);
}

/** Runs virsh; resolves with stdout, rejects with a LibvirtError (or subclass) on any failure. */
export async function runVirsh(uri: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const result = await runVirshResult(uri, args, opts);
  if (result.exitCode !== 0) throw virshFailure(uri, args, result);
  return result.stdout;
}
