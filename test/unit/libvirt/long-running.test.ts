/**
 * The long-running virsh calls (migrate, event --loop) against a stand-in `virsh` placed first on
 * PATH: it replays captured output and behaves like virsh on SIGINT (virsh aborts the job and
 * prints libvirt's "canceled by client"). Real migrations need the lab (integration tests).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationError } from "../../../src/libvirt/errors.js";
import { Connection } from "../../../src/libvirt/virsh.js";
import type { VirshEvent } from "../../../src/libvirt/parse/events.js";
import { raw, V11 } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "livevirt-fake-virsh-"));
const events = join(dir, "events.txt");
const argsFile = join(dir, "args");
const pidFile = join(dir, "pid");
const savedPath = process.env.PATH;

const FAKE = `#!/bin/sh
echo $$ > "${pidFile}"
printf '%s\\n' "$@" > "${argsFile}"
case "$3" in
  migrate)
    trap 'kill $! 2>/dev/null; printf "error: operation aborted: job '"'"'migration out'"'"' canceled by client\\n" >&2; exit 1' INT
    printf '\\rMigration: [ 12.50 %%]' >&2
    sleep 20 >/dev/null 2>&1 & wait
    ;;
  event)
    trap 'kill $! 2>/dev/null; exit 0' TERM
    cat "${events}"
    sleep 20 >/dev/null 2>&1 & wait
    ;;
esac
`;

beforeAll(() => {
  writeFileSync(events, raw(V11, "events-postcopy-switched-source.txt"));
  writeFileSync(join(dir, "virsh"), FAKE);
  chmodSync(join(dir, "virsh"), 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitFor = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("migrate handle", () => {
  it("passes the argv, reports progress, and cancels with SIGINT → aborted-by-client", async () => {
    const progress: number[] = [];
    const ac = new AbortController();
    const h = new Connection("qemu+tcp://u:pw@a/system").migrate("probe", "qemu+tcp://u:pw@b/system", {
      postcopy: true,
      verbose: true,
      signal: ac.signal,
      onProgress: (p) => progress.push(p),
    });
    expect(h.command.join(" ")).not.toContain("pw");
    await waitFor(() => progress.length > 0);
    expect(h.progress).toBe(12.5);
    ac.abort();
    const e = await h.done.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as MigrationError).failure.kind).toBe("aborted-by-client");
    expect((e as MigrationError).message).not.toContain("pw");
    expect(readFileSync(argsFile, "utf8").split("\n").slice(0, 4)).toEqual(["-c", "qemu+tcp://u:pw@a/system", "migrate", "--live"]);
  });

  it("handle.cancel() does the same", async () => {
    const h = new Connection("test:///x").migrate("probe", "test:///y", { verbose: true });
    await waitFor(() => h.progress !== undefined);
    h.cancel();
    await expect(h.done).rejects.toMatchObject({ failure: { kind: "aborted-by-client" } });
  });

  it("a rejected combination never starts virsh", () => {
    expect(() => new Connection("test:///x").migrate("probe", "test:///y", { postcopy: true, tunnelled: true, p2p: true })).toThrow(/tunnelled/);
  });
});

describe("events()", () => {
  it("yields typed events incl. the trailing job-completed, and kills virsh on break", async () => {
    const seen: VirshEvent[] = [];
    for await (const ev of new Connection("test:///x").events({ domain: "cb-q10-pc-2", flushDelayMs: 50 })) {
      seen.push(ev);
      if (ev.type === "job-completed") break;
    }
    expect(seen.map((e) => e.type)).toEqual([
      "migration-iteration",
      "migration-iteration",
      "lifecycle",
      "migration-iteration",
      "lifecycle",
      "lifecycle",
      "lifecycle",
      "job-completed",
    ]);
    const last = seen[7]!;
    expect(last.type === "job-completed" && last.stats.postcopyRequests).toBe(113);
    expect(readFileSync(argsFile, "utf8").split("\n").slice(2, 8)).toEqual(["event", "--all", "--loop", "--timestamp", "--domain", "cb-q10-pc-2"]);
    const pid = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !alive(pid));
  });

  it("an AbortSignal ends the iteration cleanly", async () => {
    const ac = new AbortController();
    const stream = new Connection("test:///x").events({ signal: ac.signal });
    const first = await stream.next();
    expect(first.done).toBe(false);
    ac.abort();
    for (;;) if ((await stream.next()).done) break;
    expect(existsSync(pidFile)).toBe(true);
    await waitFor(() => !alive(Number(readFileSync(pidFile, "utf8"))));
  });
});
