import { describe, expect, it } from "vitest";
import { MoveLimits, Semaphore } from "../../../src/migration/limits.js";

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("Semaphore", () => {
  it("grants up to max at once, then FIFO as slots are released", async () => {
    const s = new Semaphore(2);
    const order: string[] = [];
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const p3 = s.acquire().then((r) => (order.push("3"), r));
    const p4 = s.acquire().then((r) => (order.push("4"), r));
    await tick();
    expect(order).toEqual([]);
    expect(s.waiting).toBe(2);
    r1();
    const r3 = await p3;
    expect(order).toEqual(["3"]);
    r1(); // releasing twice is a no-op, not a second slot
    await tick();
    expect(order).toEqual(["3"]);
    r2();
    await p4;
    expect(order).toEqual(["3", "4"]);
    expect(s.inUse).toBe(2);
    r3();
    expect(s.inUse).toBe(1);
  });

  it("an aborted waiter leaves the queue and rejects with the signal's reason", async () => {
    const s = new Semaphore(1);
    const r1 = await s.acquire();
    const ctl = new AbortController();
    const p = s.acquire(ctl.signal);
    const p3 = s.acquire();
    ctl.abort(new Error("StopProvider"));
    await expect(p).rejects.toThrow("StopProvider");
    expect(s.waiting).toBe(1);
    r1();
    await p3;
    expect(s.inUse).toBe(1);
  });

  it("an already-aborted signal rejects at once, even with a free slot", async () => {
    const ctl = new AbortController();
    ctl.abort(new Error("stop"));
    await expect(new Semaphore(1).acquire(ctl.signal)).rejects.toThrow("stop");
  });

  it("refuses a size below 1", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe("MoveLimits (default: 1 outbound per host, inbound unlimited)", () => {
  it("a second move out of the same host waits; a move out of another host does not", async () => {
    const l = new MoveLimits();
    const relA = await l.acquire("a", "b");
    let second = false;
    const p = l.acquire("a", "c").then((r) => ((second = true), r));
    const relB = await l.acquire("b", "a"); // b → a runs alongside a → b
    await tick();
    expect(second).toBe(false);
    expect(l.busyOut("a")).toEqual({ running: 1, waiting: 1 });
    relA();
    (await p)();
    relB();
    expect(l.busyOut("a")).toEqual({ running: 0, waiting: 0 });
  });

  it("two moves into one host with inboundPerHost 1: the second waits, holding its outbound slot only", async () => {
    const l = new MoveLimits({ inboundPerHost: 1 });
    const r1 = await l.acquire("a", "c");
    let got = false;
    const p = l.acquire("b", "c").then((r) => ((got = true), r));
    await tick();
    expect(got).toBe(false);
    expect(l.busyOut("b").running).toBe(1);
    r1();
    (await p)();
    expect(l.busyOut("b").running).toBe(0);
  });

  it("abort while waiting for the inbound slot gives the outbound slot back", async () => {
    const l = new MoveLimits({ inboundPerHost: 1 });
    const r1 = await l.acquire("a", "c");
    const ctl = new AbortController();
    const p = l.acquire("b", "c", ctl.signal);
    await tick();
    ctl.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    expect(l.busyOut("b").running).toBe(0);
    r1();
  });

  it("outboundPerHost 2 allows two at once", async () => {
    const l = new MoveLimits({ outboundPerHost: 2 });
    const r1 = await l.acquire("a", "b");
    const r2 = await l.acquire("a", "c");
    expect(l.busyOut("a").running).toBe(2);
    r1();
    r2();
  });
});

describe("MoveLimits.take: when a move got its slot and how long it waited", () => {
  /** A clock the test moves by hand: queued times are exact, not measured. */
  function clock(start = 1_000) {
    let t = start;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  }

  it("a free slot: granted now, queued 0", async () => {
    const c = clock();
    const s = await new MoveLimits({ now: c.now }).take("a", "b");
    expect(s).toMatchObject({ grantedAt: 1_000, queuedMs: 0 });
    s.release();
  });

  it("a free slot on a busy event loop: the clock ticks between asking and granting, still queued 0 (found in CI: [1, 1])", async () => {
    let t = 1_000;
    // Every read of the clock is a millisecond later, as under a loaded event loop.
    const s = await new MoveLimits({ now: () => t++, inboundPerHost: 2 }).take("a", "b");
    expect(s.queuedMs).toBe(0);
    expect(s.grantedAt).toBeGreaterThan(1_000);
    s.release();
  });

  it("two moves out of a (default limit 1): the second is granted when the first releases, and says how long it waited", async () => {
    const c = clock();
    const l = new MoveLimits({ now: c.now });
    const first = await l.take("a", "b");
    const second = l.take("a", "b");
    c.advance(12_345); // the first move runs
    const firstFinishedAt = c.now();
    first.release();
    const s2 = await second;
    expect(s2.queuedMs).toBe(12_345);
    expect(s2.grantedAt).toBeGreaterThanOrEqual(firstFinishedAt);
    s2.release();
  });

  it("the limit is per source host: moves out of a and out of b are granted at once, both queued 0", async () => {
    const c = clock();
    const l = new MoveLimits({ now: c.now });
    const [ab, ba] = await Promise.all([l.take("a", "b"), l.take("b", "a")]);
    expect([ab.queuedMs, ba.queuedMs]).toEqual([0, 0]);
    expect(l.busyOut("a").running).toBe(1);
    expect(l.busyOut("b").running).toBe(1);
    ab.release();
    ba.release();
  });

  it("raised to outboundPerHost 3: three moves out of a run together, the fourth waits for one of them", async () => {
    const c = clock();
    const l = new MoveLimits({ outboundPerHost: 3, now: c.now });
    const running = await Promise.all([l.take("a", "b"), l.take("a", "c"), l.take("a", "d")]);
    expect(running.map((s) => s.queuedMs)).toEqual([0, 0, 0]);
    let fourthGranted = false;
    const fourth = l.take("a", "b").then((s) => ((fourthGranted = true), s));
    await tick();
    expect(fourthGranted).toBe(false);
    expect(l.busyOut("a")).toEqual({ running: 3, waiting: 1 });
    c.advance(500);
    running[1]!.release();
    const s4 = await fourth;
    expect(s4.queuedMs).toBe(500);
    for (const s of [running[0]!, running[2]!, s4]) s.release();
    expect(l.busyOut("a")).toEqual({ running: 0, waiting: 0 });
  });

  it("stopped while queued: rejects with the stop reason and holds no slot", async () => {
    const l = new MoveLimits();
    const first = await l.take("a", "b");
    const ctl = new AbortController();
    const p = l.take("a", "b", ctl.signal);
    ctl.abort(new Error("StopProvider"));
    await expect(p).rejects.toThrow("StopProvider");
    first.release();
    expect(l.busyOut("a")).toEqual({ running: 0, waiting: 0 });
  });
});

describe("MoveLimits with per-host limits (a host's maxOutboundMoves / maxInboundMoves)", () => {
  const perHost = (o: Record<string, { outbound?: number; inbound?: number }>) => new MoveLimits({ forHost: (h) => o[h] });

  it("host b allows 2 out at once while a keeps the default 1", async () => {
    const l = perHost({ b: { outbound: 2 } });
    expect(l.limitsOf("a")).toEqual({ outbound: 1, inbound: Number.POSITIVE_INFINITY });
    expect(l.limitsOf("b").outbound).toBe(2);
    const b1 = await l.take("b", "a");
    const b2 = await l.take("b", "a");
    expect([b1.queuedMs, b2.queuedMs]).toEqual([0, 0]);
    expect(l.busyOut("b")).toEqual({ running: 2, waiting: 0 });
    const a1 = await l.take("a", "b");
    let a2granted = false;
    const a2 = l.take("a", "b").then((s) => ((a2granted = true), s));
    await tick();
    expect(a2granted).toBe(false);
    a1.release();
    (await a2).release();
    b1.release();
    b2.release();
  });

  it("an inbound limit on c holds moves into c from different sources", async () => {
    const l = perHost({ c: { inbound: 1 } });
    const ac = await l.take("a", "c");
    const order: string[] = [];
    const bc = l.take("b", "c").then((s) => (order.push("b→c"), s));
    await tick();
    // b→c holds b's only outbound slot while it waits for c (outbound first, then inbound), so b→d waits behind it.
    const bd = l.take("b", "d").then((s) => (order.push("b→d"), s));
    await tick();
    expect(order).toEqual([]);
    ac.release();
    (await bc).release();
    (await bd).release();
    expect(order).toEqual(["b→c", "b→d"]);
  });

  it("a host without its own limits gets the configured defaults", () => {
    const l = new MoveLimits({ outboundPerHost: 3, inboundPerHost: 2, forHost: (h) => (h === "x" ? { outbound: 5 } : undefined) });
    expect(l.limitsOf("y")).toEqual({ outbound: 3, inbound: 2 });
    expect(l.limitsOf("x")).toEqual({ outbound: 5, inbound: 2 });
  });
});
