/**
 * Domain events as an async iterator over `virsh event --all --loop --timestamp`. Breaking out of
 * the `for await`, calling close(), or aborting `signal` ends the virsh process.
 *
 * virsh gives no sign that its callback is registered: start the stream a moment before the
 * operation whose events matter (e.g. a migration), or poll state as a backstop.
 */
import { createInterface } from "node:readline";
import { execa } from "execa";
import { EventLineAssembler, type VirshEvent } from "./parse/events.js";
import { displayCommand, VIRSH_BIN, VIRSH_ENV, virshFailure } from "./run-virsh.js";
import { VirshTimeoutError } from "./errors.js";
import { redactText } from "../model/index.js";

export interface EventStreamOptions {
  /** Only this domain's events. */
  domain?: string;
  signal?: AbortSignal;
  /** Longest the stream may live (default 12 h). */
  timeoutMs?: number;
  /**
   * How long to wait for more tab-indented lines before a multi-line event (job-completed) is
   * considered complete. virsh writes an event in one go, so this is only a safety margin.
   */
  flushDelayMs?: number;
}

export interface EventStream extends AsyncIterableIterator<VirshEvent> {
  /** Stops virsh and ends the iteration; safe to call twice. */
  close(): Promise<void>;
}

export function events(uri: string, opts: EventStreamOptions = {}): EventStream {
  const args = ["event", "--all", "--loop", "--timestamp", ...(opts.domain !== undefined ? ["--domain", opts.domain] : [])];
  const timeoutMs = opts.timeoutMs ?? 12 * 3600_000;
  const child = execa(VIRSH_BIN, ["-c", uri, ...args], {
    reject: false,
    env: VIRSH_ENV,
    stdin: "ignore",
    buffer: { stdout: false, stderr: true },
    timeout: timeoutMs,
    cancelSignal: opts.signal,
    forceKillAfterDelay: 2_000,
  });
  const assembler = new EventLineAssembler();
  const queue: VirshEvent[] = [];
  let failure: Error | undefined;
  let ended = false;
  let closing = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const deliver = (evs: VirshEvent[]) => {
    if (evs.length === 0) return;
    queue.push(...evs);
    wake?.();
  };
  const rl = createInterface({ input: child.stdout! });
  rl.on("line", (line) => {
    clearTimeout(timer);
    deliver(assembler.push(line));
    if (assembler.pending) timer = setTimeout(() => deliver(assembler.flush()), opts.flushDelayMs ?? 100);
  });
  const finished = child.then((r) => {
    clearTimeout(timer);
    deliver(assembler.flush());
    if (!closing && !r.isCanceled) {
      const stderr = redactText(String(r.stderr ?? ""), uri);
      if (r.timedOut) {
        failure = new VirshTimeoutError(`virsh event stream ended after ${timeoutMs} ms`, displayCommand(uri, args), stderr);
      } else if (r.exitCode !== 0) {
        failure = virshFailure(uri, args, { stdout: "", stderr, exitCode: r.exitCode ?? -1 });
      }
    }
    ended = true;
    wake?.();
  });

  const close = async () => {
    if (!ended) {
      closing = true;
      child.kill("SIGTERM");
    }
    rl.close();
    await finished;
  };

  const stream: EventStream = {
    async next(): Promise<IteratorResult<VirshEvent>> {
      for (;;) {
        const ev = queue.shift();
        if (ev) return { value: ev, done: false };
        if (failure) {
          const f = failure;
          failure = undefined;
          throw f;
        }
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    async return(): Promise<IteratorResult<VirshEvent>> {
      await close();
      return { value: undefined, done: true };
    },
    close,
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
