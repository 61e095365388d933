/**
 * The lab itself (not yet livevirt): a guest boots on host a and moves to host b with a raw
 * post-copy `virsh migrate`. Proves the two hosts, their link and the self-checking guest work.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMigration } from "../../src/libvirt/migrate.js";
import { bootGuest, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../src/lab/guests.js";
import { checkContinuity, lastHeartbeat } from "../../src/lab/guest/console.js";
import { connect, hostUri, migrationUri } from "../../src/lab/lab.js";
import { requireLab } from "./lab-setup.js";

const NAME = "lab-move-postcopy";

describe("lab: post-copy move of a running, memory-dirtying guest from a to b", () => {
  beforeAll(async () => {
    await requireLab();
    for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
  });
  afterAll(async () => {
    for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
  });

  it("runs on b only, keeps its uptime and loses no page", async () => {
    await bootGuest("a", { name: NAME, memoryMib: 256, testMib: 64, rateMibPerS: 16, heartbeatMs: 500 });
    const before = await waitForHeartbeats("a", NAME, 3);
    expect(before.written).toBeGreaterThan(0);

    const move = startMigration(hostUri("a"), NAME, migrationUri("b"), {
      live: true,
      p2p: true,
      postcopy: true,
      postcopyAfterPrecopy: true,
      persistent: true,
      undefineSource: true,
      bandwidth: 32,
    });
    const result = await move.done;
    expect(result.durationMs).toBeGreaterThan(0);

    const onB = await connect("b").domainState(NAME);
    expect(onB.state).toBe("running");
    const onA = (await connect("a").listDomains({ all: true })).map((d) => d.name);
    expect(onA).not.toContain(NAME);
    // --persistent --undefinesource: the definition moved with the guest.
    expect((await connect("b").listDomains({ all: true })).find((d) => d.name === NAME)).toBeDefined();

    const lastOnA = lastHeartbeat(readConsole("a", NAME));
    expect(lastOnA).toBeDefined();
    await waitForNewHeartbeat("b", NAME, lastOnA!);
    const after = await waitForNewHeartbeat("b", NAME, lastHeartbeat(readConsole("b", NAME))!);
    const continuity = checkContinuity(readConsole("a", NAME), readConsole("b", NAME));
    expect(continuity.problems).toEqual([]);
    expect(after.boot).toBe(before.boot);
    expect(after.uptimeS).toBeGreaterThan(before.uptimeS);
    expect(after.written).toBeGreaterThan(before.written);
    expect(after.errors).toBe(0);
  });
});
