import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { withLabLock } from "../../../bench/lab-lock.js";

// A private lock file: these tests never touch the real lab lock.
const dir = mkdtempSync(join(tmpdir(), "lab-lock-"));
const lock = join(dir, "lock");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A caller that already holds the lab lock skips locking; these tests are about locking.
delete process.env.LIVEVIRT_LAB_LOCK_HELD;

/** Does `flock -n` get the lock right now? (exit 0: free, 1: held by someone) */
const free = async () => (await execa("flock", ["-n", lock, "true"], { reject: false })).exitCode === 0;

describe("withLabLock", () => {
  it("holds the flock(1) lock exactly while the chunk runs", async () => {
    let inside: boolean | undefined;
    const r = await withLabLock(
      "t",
      async () => {
        inside = await free();
        return 42;
      },
      lock,
    );
    expect(r).toBe(42);
    expect(inside).toBe(false);
    expect(await free()).toBe(true);
  });

  it("serialises two chunks and releases the lock when a chunk throws", async () => {
    const log: string[] = [];
    const chunk = (n: string) => async () => {
      log.push(`${n} in`);
      await new Promise((res) => setTimeout(res, 50));
      log.push(`${n} out`);
    };
    await Promise.all([withLabLock("1", chunk("1"), lock), withLabLock("2", chunk("2"), lock)]);
    // Whichever got the lock first ran to its end before the other began.
    const first = log[0]!.split(" ")[0]!;
    const second = first === "1" ? "2" : "1";
    expect(log).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    await expect(
      withLabLock(
        "3",
        async () => {
          throw new Error("boom");
        },
        lock,
      ),
    ).rejects.toThrow("boom");
    expect(await free()).toBe(true);
  });
});
