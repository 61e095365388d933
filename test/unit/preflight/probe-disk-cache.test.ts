import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Host } from "../../../src/model/index.js";
import type { HostCapabilities } from "../../../src/libvirt/parse/capabilities.js";
import type { HostFacts } from "../../../src/preflight/host-facts.js";
import { known, unknown } from "../../../src/preflight/known.js";
import { diskCacheConfig, entryMatches, entryPath, readEntry, writeEntry, type ProbeCacheEntry } from "../../../src/preflight/probe-disk-cache.js";
import { probeWithDiskCache, type MoveProbeResult, type ProbeDeps } from "../../../src/preflight/probe.js";
import { probe, rootHost, withKernel } from "./facts.js";

const KEY = "a".repeat(64);
const entry = (over: Partial<ProbeCacheEntry> = {}): ProbeCacheEntry => ({
  key: KEY,
  createdAt: 1_000_000,
  found: "livevirt-probe-0123abcd moved in 812 ms, switched to post-copy",
  durationMs: 5200,
  moveMs: 812,
  switched: true,
  ...over,
});

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), "livevirt-cache-test-")), "livevirt");
});
afterEach(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

describe("cache settings", () => {
  it("default ttl 600 s under ~/.cache/livevirt; XDG_CACHE_HOME and LIVEVIRT_CACHE_DIR win in that order", () => {
    expect(diskCacheConfig({}, () => "/home/op")).toEqual({ enabled: true, dir: "/home/op/.cache/livevirt", ttlMs: 600_000 });
    expect(diskCacheConfig({ XDG_CACHE_HOME: "/xdg" }, () => "/home/op")).toMatchObject({ dir: "/xdg/livevirt" });
    // A relative XDG_CACHE_HOME is invalid per the XDG spec: ignored.
    expect(diskCacheConfig({ XDG_CACHE_HOME: "rel" }, () => "/home/op")).toMatchObject({ dir: "/home/op/.cache/livevirt" });
    expect(diskCacheConfig({ XDG_CACHE_HOME: "/xdg", LIVEVIRT_CACHE_DIR: "/srv/lv" }, () => "/h")).toMatchObject({ dir: "/srv/lv" });
    expect(diskCacheConfig({ LIVEVIRT_PROBE_CACHE_TTL_S: "30" }, () => "/h")).toMatchObject({ enabled: true, ttlMs: 30_000 });
  });
  it.each(["0", "off", "OFF"])("LIVEVIRT_PROBE_CACHE_TTL_S=%s disables it", (v) => {
    expect(diskCacheConfig({ LIVEVIRT_PROBE_CACHE_TTL_S: v }, () => "/h")).toEqual({ enabled: false, why: "disabled (LIVEVIRT_PROBE_CACHE_TTL_S)" });
  });
  it("a malformed ttl or a relative directory disables it, saying why (never a guessed value)", () => {
    expect(diskCacheConfig({ LIVEVIRT_PROBE_CACHE_TTL_S: "10m" }, () => "/h")).toEqual({
      enabled: false,
      why: 'disabled: LIVEVIRT_PROBE_CACHE_TTL_S="10m" is not a number of seconds',
    });
    expect(diskCacheConfig({ LIVEVIRT_CACHE_DIR: "cache" }, () => "/h")).toMatchObject({ enabled: false });
    expect(diskCacheConfig({}, () => "")).toMatchObject({ enabled: false });
  });
});

describe("entries on disk", () => {
  it("round trip: directory 0700, file 0600, no temporary file left, URIs nowhere", () => {
    const f = entryPath(dir, "p1");
    expect(writeEntry(f, entry())).toBeUndefined();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["probe-p1.json"]);
    expect(readEntry(f, 600_000, 1_000_000 + 1000)).toEqual({ hit: entry() });
    expect(readFileSync(f, "utf8")).not.toMatch(/qemu\+|socket=/);
  });

  it("ttl: fresh until ttl, expired at ttl; a future date beyond clock skew is refused", () => {
    const f = entryPath(dir, "p1");
    writeEntry(f, entry());
    expect(readEntry(f, 600_000, 1_000_000 + 599_999)).toHaveProperty("hit");
    expect(readEntry(f, 600_000, 1_000_000 + 600_000)).toEqual({ miss: "entry expired (600 s old, ttl 600 s)" });
    expect(readEntry(f, 600_000, 1_000_000 - 30_000)).toHaveProperty("hit");
    expect(readEntry(f, 600_000, 1_000_000 - 120_000)).toEqual({ miss: "entry dated in the future" });
  });

  it("key: another set-up's entry is a miss", () => {
    expect(entryMatches(entry(), KEY)).toEqual({ hit: entry() });
    expect(entryMatches(entry(), "b".repeat(64))).toEqual({ miss: "hosts or probe changed since the entry was written" });
  });

  const corrupt: [string, string][] = [
    ["empty file", ""],
    ["truncated JSON", JSON.stringify({ format: 1, ...entry() }).slice(0, 40)],
    ["another format", JSON.stringify({ format: 2, ...entry() })],
    ["no format", JSON.stringify(entry())],
    ["key not a sha256", JSON.stringify({ format: 1, ...entry(), key: "x" })],
    ["createdAt a string", JSON.stringify({ format: 1, ...entry(), createdAt: "1000000" })],
    ["switched missing", JSON.stringify({ format: 1, ...entry(), switched: undefined })],
    ["negative moveMs", JSON.stringify({ format: 1, ...entry(), moveMs: -1 })],
    ["an array", "[]"],
    ["null", "null"],
  ];
  it.each(corrupt)("corrupt entry (%s) is a miss, never a hit", (_what, text) => {
    mkdirSync(dir, { mode: 0o700 });
    const f = entryPath(dir, "p1");
    writeFileSync(f, text, { mode: 0o600 });
    expect(readEntry(f, 600_000, 1_000_001)).toHaveProperty("miss", expect.stringMatching(/^corrupt entry/));
  });

  it("no entry, an unreadable path, foreign permissions and symlinks are misses", () => {
    const f = entryPath(dir, "p1");
    expect(readEntry(f, 600_000)).toEqual({ miss: "no entry" });
    writeEntry(f, entry());
    chmodSync(f, 0o666);
    expect(readEntry(f, 600_000, 1_000_001)).toEqual({ miss: expect.stringMatching(/^entry not trusted: .* writable by group or others \(mode 666\)/) });
    chmodSync(f, 0o600);
    chmodSync(dir, 0o777);
    expect(readEntry(f, 600_000, 1_000_001)).toEqual({ miss: expect.stringMatching(/^cache directory not trusted/) });
    // …and nothing is written into such a directory either.
    expect(writeEntry(entryPath(dir, "p2"), entry())).toMatch(/^not written: .*writable by group or others/);
    expect(existsSync(entryPath(dir, "p2"))).toBe(false);
    chmodSync(dir, 0o700);
    const link = entryPath(dir, "p3");
    symlinkSync(f, link);
    expect(readEntry(link, 600_000, 1_000_001)).toEqual({ miss: expect.stringMatching(/not a regular file/) });
    mkdirSync(entryPath(dir, "p4"));
    expect(readEntry(entryPath(dir, "p4"), 600_000, 1_000_001)).toEqual({ miss: expect.stringMatching(/not a regular file/) });
  });

  it("a write over an existing entry replaces it whole (rename), and a failed write leaves no temp file", () => {
    const f = entryPath(dir, "p1");
    writeEntry(f, entry());
    writeEntry(f, entry({ moveMs: 999 }));
    expect(readEntry(f, 600_000, 1_000_001)).toEqual({ hit: entry({ moveMs: 999 }) });
    // The target path is a directory: rename fails.
    const blocked = entryPath(dir, "p5");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "x"), "");
    expect(writeEntry(blocked, entry())).toMatch(/^not written: /);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});

describe("probe with the disk cache (plan process, then apply process)", () => {
  const A: Host = { name: "a", uri: "qemu+unix:///system?socket=/a", migrationUri: "qemu+tcp://10.0.0.1/system", shell: [] };
  const B: Host = { name: "b", uri: "qemu+unix:///system?socket=/b", migrationUri: "qemu+tcp://10.0.0.2/system", shell: [] };
  const facts = (t: Host): HostFacts => ({
    ...rootHost(t.name),
    capabilities: known({ uuid: `uuid-${t.name}`, arch: "x86_64", guests: [] } as unknown as HostCapabilities, "t"),
    qemuProbe: probe("yes"),
  });
  const result = (status: "pass" | "fail" | "unknown", leftovers: string[] = []): MoveProbeResult => ({
    check: {
      id: "migration.postcopy-probe",
      host: "b",
      title: "throw-away post-copy move a → b",
      required: "a no-OS domain moves with post-copy through libvirt",
      requiredFor: "postcopy",
      status,
      found: `probe ${status}`,
    },
    durationMs: 5000,
    moveMs: 800,
    switched: status === "pass",
    leftovers,
    fromDiskCache: false,
  });
  function deps(status: "pass" | "fail" | "unknown", over: Partial<ProbeDeps> = {}, leftovers: string[] = []) {
    const d = { runs: 0 };
    const dd: ProbeDeps = {
      run: async () => {
        d.runs++;
        return result(status, leftovers);
      },
      facts: async (t) => facts(t),
      env: { LIVEVIRT_CACHE_DIR: dir },
      ...over,
    };
    return { d, dd };
  }

  it("a pass is stored and reused by the next process with the same check (verdict identical)", async () => {
    const plan = deps("pass");
    const first = await probeWithDiskCache(A, B, {}, plan.dd);
    expect(plan.d.runs).toBe(1);
    expect(first.fromDiskCache).toBe(false);
    expect(first.check.found).toMatch(/disk cache: no entry; stored for 600 s$/);
    const apply = deps("fail"); // would fail if it ran: it must not
    const second = await probeWithDiskCache(A, B, {}, apply.dd);
    expect(apply.d.runs).toBe(0);
    expect(second.fromDiskCache).toBe(true);
    const { found: _f1, ...c1 } = first.check;
    const { found: _f2, ...c2 } = second.check;
    // Everything the plan's verdict text is made of (status, host, id, title, required, fix) is identical.
    expect(c2).toEqual(c1);
    expect(second.check.found).toMatch(/^probe pass; .*reused: passed \d+ s ago/);
    expect([second.switched, second.moveMs]).toEqual([true, 800]);
  });

  it.each(["fail", "unknown"] as const)("a %s verdict is never stored: the next process probes again", async (status) => {
    const first = deps(status);
    const r = await probeWithDiskCache(A, B, {}, first.dd);
    expect(r.check.found).toMatch(/this verdict is not stored \(only clean passes are\)$/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    const next = deps("pass");
    await probeWithDiskCache(A, B, {}, next.dd);
    expect(next.d.runs).toBe(1);
  });

  it("a pass with leftovers is not stored", async () => {
    await probeWithDiskCache(A, B, {}, deps("pass", {}, ["x on b: busy"]).dd);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it("changed facts, an unknown fact, the other direction or a disabled cache: probe again", async () => {
    await probeWithDiskCache(A, B, {}, deps("pass").dd);
    const changed = deps("pass", { facts: async (t) => (t.name === "b" ? withKernel(facts(t), { unprivilegedSysctl: known(1, "t") }) : facts(t)) });
    const r = await probeWithDiskCache(A, B, {}, changed.dd);
    expect(changed.d.runs).toBe(1);
    expect(r.check.found).toContain("disk cache: hosts or probe changed since the entry was written");
    const unk = deps("pass", { facts: async (t) => ({ ...facts(t), qemuConf: unknown("ssh refused") }) });
    const r2 = await probeWithDiskCache(A, B, {}, unk.dd);
    expect(unk.d.runs).toBe(1);
    expect(r2.check.found).toContain("disk cache: not cached: unknown a qemu.conf, b qemu.conf");
    const back = deps("pass");
    await probeWithDiskCache(B, A, {}, back.dd);
    expect(back.d.runs).toBe(1);
    const off = deps("pass", { env: { LIVEVIRT_CACHE_DIR: dir, LIVEVIRT_PROBE_CACHE_TTL_S: "0" } });
    const r3 = await probeWithDiskCache(A, B, {}, off.dd);
    expect(off.d.runs).toBe(1);
    expect(r3.check.found).toMatch(/disk cache disabled \(LIVEVIRT_PROBE_CACHE_TTL_S\)$/);
  });

  it("facts that fail to load are a miss, not an error", async () => {
    await probeWithDiskCache(A, B, {}, deps("pass").dd);
    const broken = deps("pass", { facts: async () => Promise.reject(new Error("aborted")) });
    const r = await probeWithDiskCache(A, B, {}, broken.dd);
    expect(broken.d.runs).toBe(1);
    expect(r.check.found).toContain("host facts unavailable: aborted");
  });
});
