/**
 * A running `virsh migrate`: long-lived, so it returns at once with a handle. A monitor polls
 * domJobInfo on the source meanwhile and may switch to post-copy or abort.
 *
 * Cancelling sends SIGINT, not SIGTERM: virsh then calls virDomainAbortJob and exits with
 * "operation aborted: job 'migration out' canceled by client", leaving the guest running on the
 * source. A hard kill would instead drop the client side of the migration protocol mid-way.
 */
import { execa } from "execa";
import { DomainNotFoundError } from "../errors.js";
import { MigrationError, VirshTimeoutError } from "./errors.js";
import { buildMigrateArgs, type MigrateOptions } from "./migrate-args.js";
import { classifyMigrateError } from "./parse/migrate-error.js";
import { libvirtMessages } from "./parse/virsh-error.js";
import { displayCommand, VIRSH_BIN, VIRSH_ENV } from "./run-virsh.js";
import { redactSecrets, redactText } from "../model/index.js";

export const DEFAULT_MIGRATE_TIMEOUT_MS = 60 * 60_000;

export interface MigrateRunOptions extends MigrateOptions {
  /** Cancels the migration (SIGINT to virsh → libvirt aborts the job; refused in post-copy). */
  signal?: AbortSignal;
  /** Hard limit for the virsh process (default 1 h); on expiry it is cancelled like `signal`. */
  processTimeoutMs?: number;
  /** Called with each `--verbose` progress percentage. */
  onProgress?: (percent: number) => void;
  /** After a cancel/timeout SIGINT, SIGKILL virsh if it has not exited within this (default 30 s). */
  killGraceMs?: number;
}

export interface MigrationResult {
  durationMs: number;
  /** virsh's stdout (empty unless verbose output went there). */
  stdout: string;
}

export interface MigrationHandle {
  /**
   * Resolves when virsh exits 0; rejects with MigrationError (or DomainNotFoundError), or
   * VirshTimeoutError after processTimeoutMs.
   *
   * Measured with virsh 11.3: when the migration fails at once (e.g. a driver that cannot
   * migrate), virsh sometimes never exits — its job thread ends before the wait loop starts and
   * the wake-up is lost (3/40 sequential runs, 11/20 with 20 in parallel); it then ignores
   * SIGINT too. Only the timeout (SIGINT, then SIGKILL after killGraceMs) ends it, so a caller
   * that sees no job on the source (domJobInfo type "None") while virsh still runs should
   * cancel rather than wait.
   */
  readonly done: Promise<MigrationResult>;
  /** Same as aborting `signal`: SIGINT to virsh. */
  cancel(): void;
  /** Last progress percentage virsh printed (with verbose), if any. */
  readonly progress: number | undefined;
  readonly pid: number | undefined;
  /** The argv, password-free, for logs. */
  readonly command: readonly string[];
}

const PROGRESS = /Migration: \[\s*([\d.]+) %\]/g;

export function startMigration(srcUri: string, domain: string, destUri: string, opts: MigrateRunOptions = {}): MigrationHandle {
  // Throws ValidationError synchronously: a bad combination never starts a process.
  const args = buildMigrateArgs(domain, destUri, opts);
  const command = displayCommand(srcUri, args).map((a) => redactText(a, destUri));
  const timeoutMs = opts.processTimeoutMs ?? DEFAULT_MIGRATE_TIMEOUT_MS;
  const started = Date.now();
  const child = execa(VIRSH_BIN, ["-c", srcUri, ...args], {
    reject: false,
    env: VIRSH_ENV,
    stdin: "ignore",
    timeout: timeoutMs,
    cancelSignal: opts.signal,
    killSignal: "SIGINT",
    // If virsh does not exit after its abort request, it is hung (see the note on
    // MigrationHandle.done): kill it for real.
    forceKillAfterDelay: opts.killGraceMs ?? 30_000,
  });
  let progress: number | undefined;
  child.stderr?.on("data", (chunk: Buffer) => {
    for (const m of chunk.toString("utf8").matchAll(PROGRESS)) {
      progress = Number(m[1]);
      opts.onProgress?.(progress);
    }
  });
  const scrub = (s: string) => redactText(redactText(s, srcUri), destUri);
  const done = child.then((r): MigrationResult => {
    const stderr = scrub(String(r.stderr ?? ""));
    if (r.exitCode === 0 && !r.failed) return { durationMs: Date.now() - started, stdout: String(r.stdout ?? "") };
    const messages = libvirtMessages(stderr);
    const where = `${domain} from ${redactSecrets(srcUri)} to ${redactSecrets(destUri)}`;
    if (r.timedOut && messages.length === 0) {
      throw new VirshTimeoutError(`migration of ${where} exceeded ${timeoutMs} ms`, command, stderr);
    }
    const failure = classifyMigrateError(messages.length > 0 ? messages : scrub(r.shortMessage ?? "virsh failed"));
    if (failure.kind === "unknown" && r.isCanceled) failure.kind = "aborted-by-client";
    const message = `migration of ${where} failed (${failure.kind}): ${failure.message}`;
    if (failure.kind === "domain-not-found") throw new DomainNotFoundError(message, command, stderr);
    throw new MigrationError(message, command, stderr, failure);
  });
  // A handle whose `done` nobody awaits must not crash the process with an unhandled rejection.
  done.catch(() => undefined);
  return {
    done,
    cancel: () => {
      child.kill("SIGINT");
    },
    get progress() {
      return progress;
    },
    pid: child.pid,
    command,
  };
}
