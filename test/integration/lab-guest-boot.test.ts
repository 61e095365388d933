/**
 * The lab guest boots under TCG, proves its memory every heartbeat, and its verifier can fail.
 * Two bare QEMUs (no libvirt) run side by side: a clean one and one with memcheck's self-test
 * corruption. QEMU is always killed in afterAll.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGuest, type GuestImages } from "../../src/lab/guest/build.js";
import { checkContinuity, guestCmdline, lastHeartbeat } from "../../src/lab/guest/console.js";
import { bootQemuGuest, type QemuGuest } from "../../src/lab/guest/qemu.js";

const QEMU = "/usr/bin/qemu-system-x86_64";
const DEADLINE_MS = 60_000;

// Never skipped: the lab installs QEMU, and a missing QEMU must fail here, not pass silently.
describe("lab guest boots under TCG (bare QEMU)", () => {
  let images: GuestImages;
  let dir: string;
  let clean: QemuGuest | undefined;
  let corrupt: QemuGuest | undefined;

  beforeAll(async () => {
    if (!existsSync(QEMU)) throw new Error(`${QEMU} is missing: run npm run lab:up (it installs QEMU)`);
    images = await buildGuest("build/guest");
    dir = await mkdtemp(join(tmpdir(), "lv-guest-it-"));
    const boot = (name: string, selftestCorrupt: boolean) =>
      bootQemuGuest({
        kernel: images.kernel,
        initrd: images.initrd,
        ramMib: 256,
        cmdline: guestCmdline({ memMib: 64, rateMibPerS: 8, heartbeatMs: 500, selftestCorrupt }),
        consolePath: join(dir, `${name}.console`),
        qmpPath: join(dir, `${name}.qmp`),
      });
    [clean, corrupt] = await Promise.all([boot("clean", false), boot("corrupt", true)]);
  });

  afterAll(async () => {
    await Promise.allSettled([clean?.kill(), corrupt?.kill()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reaches LVREADY and heartbeats with advancing uptime, pages written, zero errors", async () => {
    const r = await clean!.waitFor((c) => c.ready && c.heartbeats.length >= 3, DEADLINE_MS, "LVREADY + 3 heartbeats");
    const [first, , third] = r.heartbeats;
    expect(r.bootIds).toHaveLength(1);
    expect(third!.uptimeS).toBeGreaterThan(first!.uptimeS);
    expect(third!.written).toBeGreaterThan(0);
    expect(third!.errors).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.kernelProblems).toEqual([]);
    const c = checkContinuity(first!, r);
    expect(c.problems).toEqual([]);
    // The guest answers QMP too (what the lab's move checks will talk to through libvirt).
    expect(await clean!.qmp("query-status")).toMatchObject({ status: "running" });
  });

  it("catches a flipped word (lv.selftest_corrupt=1): one LVERR, errors=1", async () => {
    const r = await corrupt!.waitFor(
      (c) => c.errors.length > 0 && (lastHeartbeat(c)?.errors ?? 0) > 0 && c.heartbeats.length >= 2,
      DEADLINE_MS,
      "LVERR and a heartbeat counting it",
    );
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ page: 0, word: 3, words: 1 });
    expect(lastHeartbeat(r)?.errors).toBe(1);
    expect(checkContinuity(r.heartbeats[0]!, r).ok).toBe(false);
  });
});
