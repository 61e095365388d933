/** Progress records of a move (progress-log.ts) and the watcher's line, from job samples as libvirt reports them. */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  liveLine,
  parseProgress,
  progressDir,
  ProgressRecorder,
  sampleRecord,
  watchProgress,
  type ProgressRecord,
} from "../../../src/migration/progress-log.js";

const MiB = 1048576;
const start: ProgressRecord = { kind: "start", t: 0, vm: "web", from: "a", to: "b", strategy: "postcopy", tls: true, ramBytes: 256 * MiB };

describe("sampleRecord", () => {
  it("pre-copy, pass 2: percent, remaining, sent, dirty and an ETA of remaining ÷ (send − dirty)", () => {
    const r = sampleRecord(
      {
        type: "Unbounded",
        iteration: 2,
        memoryTotalBytes: 256 * MiB,
        memoryRemainingBytes: 64 * MiB,
        memoryProcessedBytes: 200 * MiB,
        memoryBandwidthBytesPerSec: 40 * MiB,
        memoryDirtyRatePagesPerSec: 2560,
        pageSizeBytes: 4096,
      },
      "precopy",
      1000,
      5000,
    );
    expect(r).toEqual({
      kind: "sample",
      t: 1000,
      elapsedMs: 5000,
      phase: "precopy",
      iteration: 2,
      percent: 75,
      remainingBytes: 64 * MiB,
      transferredBytes: 200 * MiB,
      dirtyBytesPerS: 10 * MiB,
      sendBytesPerS: 40 * MiB,
      etaS: 2,
    });
  });
  it("pre-copy dirtying faster than it sends: no ETA (it would never end)", () => {
    const r = sampleRecord(
      { iteration: 3, memoryRemainingBytes: 64 * MiB, memoryBandwidthBytesPerSec: 10 * MiB, memoryDirtyRatePagesPerSec: 5120, pageSizeBytes: 4096 },
      "precopy",
      0,
      0,
    );
    expect(r.etaS).toBeUndefined();
  });
  it("post-copy: ETA from the send rate alone, page requests counted", () => {
    const r = sampleRecord({ iteration: 2, memoryRemainingBytes: 100 * MiB, memoryBandwidthBytesPerSec: 50 * MiB, postcopyRequests: 413 }, "postcopy", 0, 0);
    expect([r.etaS, r.postcopyRequests, r.dirtyBytesPerS]).toEqual([2, 413, undefined]);
  });
});

describe("liveLine and parseProgress", () => {
  it("a running post-copy move, read back from JSON lines with a torn last line", () => {
    const lines = [
      start,
      { kind: "switch", t: 1, elapsedMs: 2000, iteration: 1, reason: "r" },
      sampleRecord(
        {
          iteration: 2,
          memoryTotalBytes: 256 * MiB,
          memoryRemainingBytes: 100 * MiB,
          memoryProcessedBytes: 160 * MiB,
          memoryBandwidthBytesPerSec: 50 * MiB,
          postcopyRequests: 12,
        },
        "postcopy",
        2,
        4000,
      ),
    ];
    const text = lines.map((l) => JSON.stringify(l)).join("\n") + '\n{"kind":"sam';
    const recs = parseProgress(text);
    expect(recs).toHaveLength(3);
    expect(liveLine(recs)).toBe(
      "web a → b · 60 % · 100 MiB left · 160 MiB sent · sending 50.0 MiB/s · pass 2 · 12 page requests · ETA 2 s · post-copy (switched in pass 1) · 4 s · TLS",
    );
  });
  it("ended and failed moves; no start line: nothing to show", () => {
    expect(liveLine([start, { kind: "end", t: 9, elapsedMs: 3400, result: "postcopy" }])).toBe("web a → b · done by post-copy in 3.4 s · TLS");
    expect(liveLine([start, { kind: "end", t: 9, elapsedMs: 1000, result: "failed", message: "web: move from a to b failed" }])).toMatch(
      /FAILED after 1\.0 s: web: move from a to b failed/,
    );
    expect(liveLine([])).toBeUndefined();
  });
});

describe("ProgressRecorder and progressDir", () => {
  it("appends JSON lines to one file per move under the directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "lv-progress-"));
    try {
      const rec = new ProgressRecorder(
        { t: Date.parse("2026-12-04T05:00:00Z"), vm: "web", from: "a", to: "b", strategy: "precopy", tls: false, ramBytes: MiB },
        undefined,
        dir,
      );
      rec.write({ kind: "end", t: 1, elapsedMs: 1, result: "precopy" });
      expect(rec.path).toBe(join(dir, "2026-12-04T05-00-00-000Z-web.jsonl"));
      expect(parseProgress(readFileSync(rec.path, "utf8")).map((r) => r.kind)).toEqual(["start", "end"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("a directory that cannot be made: one warning, the move goes on", () => {
    const errs: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), "lv-progress-"));
    try {
      // A regular file where the directory should be (ENOTDIR).
      writeFileSync(join(dir, "file"), "");
      const rec = new ProgressRecorder(
        { t: 0, vm: "web", from: "a", to: "b", strategy: "precopy", tls: false, ramBytes: MiB },
        (m) => errs.push(m),
        join(dir, "file", "moves"),
      );
      rec.write({ kind: "end", t: 1, elapsedMs: 1, result: "precopy" });
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(/not written .* the move goes on/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("a directory under /proc (where Node's recursive mkdir never returns): fails at once, one warning", () => {
    const errs: string[] = [];
    new ProgressRecorder(
      { t: 0, vm: "web", from: "a", to: "b", strategy: "precopy", tls: false, ramBytes: MiB },
      (m) => errs.push(m),
      "/proc/livevirt-cannot-be-here/moves",
    );
    expect(errs).toHaveLength(1);
  }, 5_000);

  it("where: LIVEVIRT_PROGRESS_DIR, else XDG_STATE_HOME, else ~/.local/state", () => {
    expect(progressDir({ LIVEVIRT_PROGRESS_DIR: "/x" })).toBe("/x");
    expect(progressDir({ XDG_STATE_HOME: "/s" })).toBe("/s/livevirt/moves");
    expect(progressDir({})).toMatch(/\.local\/state\/livevirt\/moves$/);
  });
});

describe("watchProgress", () => {
  it("prints a move's line each time it changes, and its end when stopped; older moves are history", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lv-watch-"));
    try {
      // A move that ended before the watch began: not shown.
      const old = new ProgressRecorder(
        { t: Date.now() - 60_000, vm: "old", from: "a", to: "b", strategy: "precopy", tls: false, ramBytes: MiB },
        undefined,
        dir,
      );
      old.write({ kind: "end", t: 0, elapsedMs: 1, result: "precopy" });
      utimesSync(old.path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      const lines: string[] = [];
      const w = watchProgress(dir, (l) => lines.push(l), 20);
      const rec = new ProgressRecorder({ t: Date.now(), vm: "web", from: "a", to: "b", strategy: "postcopy", tls: true, ramBytes: 256 * MiB }, undefined, dir);
      await new Promise((r) => setTimeout(r, 80));
      rec.write(
        sampleRecord(
          { iteration: 1, memoryTotalBytes: 256 * MiB, memoryRemainingBytes: 128 * MiB, memoryBandwidthBytesPerSec: 64 * MiB },
          "precopy",
          Date.now(),
          1000,
        ),
      );
      await new Promise((r) => setTimeout(r, 80));
      rec.write({ kind: "end", t: Date.now(), elapsedMs: 2500, result: "precopy" });
      w.stop();
      expect(lines).toEqual([
        "web a → b · starting · TLS",
        "web a → b · 50 % · 128 MiB left · sending 64.0 MiB/s · dirty rate not measured yet · pass 1 · ETA 2 s · pre-copy · 1 s · TLS",
        "web a → b · done by pre-copy in 2.5 s · TLS",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
