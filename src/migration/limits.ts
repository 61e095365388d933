/**
 * Per-host limits on concurrent moves. Outbound moves from one host share its NIC, CPU (TCG /
 * compression) and the guests' dirty-page tracking; two at once make both slower and push
 * both towards post-copy. nova allows 1 outbound per host by default (max_concurrent_live_
 * migrations), KubeVirt 2. Inbound is unlimited unless set.
 *
 * In-process only: the provider is one process per apply. Waiting is FIFO and abortable.
 */
export class Semaphore {
  private active = 0;
  private readonly queue: Array<{ grant: () => void }> = [];

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`semaphore size must be ≥ 1, got ${max}`);
  }

  get inUse(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Whether acquire() called now would queue (decided synchronously, at the call). */
  get wouldWait(): boolean {
    return !(this.active < this.max && this.queue.length === 0);
  }

  /** Resolves with a release function (idempotent); rejects with signal.reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.max && this.queue.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.active++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(entry);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.queue.shift();
      next?.grant();
    };
  }
}

export interface MoveLimitOptions {
  /** Concurrent moves out of one host (default 1, like nova). */
  outboundPerHost?: number;
  /** Concurrent moves into one host (default unlimited). */
  inboundPerHost?: number;
  /** A host's own limits (its declared maxOutboundMoves / maxInboundMoves), over the two above. */
  forHost?: (host: string) => { outbound?: number; inbound?: number } | undefined;
  /** Wall clock in ms (default Date.now); tests pass their own. */
  now?: () => number;
}

/** A granted move slot and what it cost to get it: the record that proves the limit held. */
export interface MoveSlot {
  /** Gives the slot back (idempotent). */
  release: () => void;
  /** When the slot was granted, i.e. when the move may start (ms since the epoch). */
  grantedAt: number;
  /** How long the caller waited for the slot (0: one was free). */
  queuedMs: number;
}

export class MoveLimits {
  private readonly outbound = new Map<string, Semaphore>();
  private readonly inbound = new Map<string, Semaphore>();
  readonly outboundPerHost: number;
  readonly inboundPerHost: number;
  readonly now: () => number;
  private readonly forHost: MoveLimitOptions["forHost"];

  constructor(o: MoveLimitOptions = {}) {
    this.outboundPerHost = o.outboundPerHost ?? 1;
    this.inboundPerHost = o.inboundPerHost ?? Number.POSITIVE_INFINITY;
    this.now = o.now ?? Date.now;
    this.forHost = o.forHost;
  }

  /** The limits that hold for `host`: its own when declared, else the defaults. */
  limitsOf(host: string): { outbound: number; inbound: number } {
    const own = this.forHost?.(host);
    return { outbound: own?.outbound ?? this.outboundPerHost, inbound: own?.inbound ?? this.inboundPerHost };
  }

  /** acquire(), timed: when the slot was granted and how long the wait for it was. */
  async take(from: string, to: string, signal?: AbortSignal): Promise<MoveSlot> {
    const asked = this.now();
    const { release, waited } = await this.acquireSlot(from, to, signal);
    const grantedAt = this.now();
    // A free slot costs 0 ms by definition: the clock may still tick across the await (a loaded
    // event loop), which is not queueing.
    return { release, grantedAt, queuedMs: waited ? Math.max(0, grantedAt - asked) : 0 };
  }

  /**
   * Waits for a slot out of `from` and then into `to`. Always outbound first, then inbound: a
   * waiter then only ever holds an outbound slot while waiting for an inbound one, so no cycle
   * of waits (deadlock) can form.
   */
  async acquire(from: string, to: string, signal?: AbortSignal): Promise<() => void> {
    return (await this.acquireSlot(from, to, signal)).release;
  }

  private async acquireSlot(from: string, to: string, signal?: AbortSignal): Promise<{ release: () => void; waited: boolean }> {
    const out = sem(this.outbound, from, this.limitsOf(from).outbound);
    const waitedOut = out.wouldWait;
    const releaseOut = await out.acquire(signal);
    const inbound = this.limitsOf(to).inbound;
    if (!Number.isFinite(inbound)) return { release: releaseOut, waited: waitedOut };
    try {
      const into = sem(this.inbound, to, inbound);
      const waitedIn = into.wouldWait;
      const releaseIn = await into.acquire(signal);
      return {
        waited: waitedOut || waitedIn,
        release: () => {
          releaseIn();
          releaseOut();
        },
      };
    } catch (e) {
      releaseOut();
      throw e;
    }
  }

  /** Moves running or waiting out of a host (for logs: "waiting for 1 move out of a"). */
  busyOut(host: string): { running: number; waiting: number } {
    const s = this.outbound.get(host);
    return { running: s?.inUse ?? 0, waiting: s?.waiting ?? 0 };
  }
}

function sem(map: Map<string, Semaphore>, host: string, max: number): Semaphore {
  let s = map.get(host);
  if (!s) map.set(host, (s = new Semaphore(max)));
  return s;
}

/** The process-wide limits moveVm uses unless given others. */
export const defaultMoveLimits = new MoveLimits();
