import { describe, expect, it } from "vitest";
import { cached, clearPreflightCache, newCache } from "../../../src/preflight/cache.js";

describe("run cache", () => {
  it("concurrent callers share one promise; clear forgets; a rejection is not kept", async () => {
    const c = newCache<number>();
    let calls = 0;
    const make = async () => ++calls;
    const a = cached(c, "k", make);
    const b = cached(c, "k", make);
    expect([a.cached, b.cached]).toEqual([false, true]);
    expect(await b.promise).toBe(1);
    clearPreflightCache();
    expect(cached(c, "k", make).cached).toBe(false);
    const bad = cached(c, "bad", () => Promise.reject(new Error("x")));
    await expect(bad.promise).rejects.toThrow("x");
    expect(cached(c, "bad", make).cached).toBe(false);
  });
});
