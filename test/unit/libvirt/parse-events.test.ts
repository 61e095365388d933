import { describe, expect, it } from "vitest";
import { EventLineAssembler, parseEventLines, type VirshEvent } from "../../../src/libvirt/parse/events.js";
import { raw, V11, V9 } from "./fixtures.js";

const summary = (evs: VirshEvent[]) =>
  evs.map((e) => (e.type === "lifecycle" ? `${e.event} ${e.detail}` : e.type === "migration-iteration" ? `iteration ${e.iteration}` : e.type));

describe("parseEventLines", () => {
  it("reads a switched post-copy move on the source (11.3)", () => {
    const evs = parseEventLines(raw(V11, "events-postcopy-switched-source.txt"));
    expect(summary(evs)).toEqual([
      "iteration 1",
      "iteration 2",
      "Suspended Migrated",
      "iteration 3",
      "Suspended Post-copy",
      "Shutdown Finished after host request",
      "Stopped Migrated",
      "job-completed",
    ]);
    expect(evs[0]).toMatchObject({ domain: "cb-q10-pc-2", time: "2026-11-25T20:10:58.953+00:00" });
    const done = evs[7]!;
    if (done.type !== "job-completed") throw new Error("expected job-completed");
    expect(done.stats).toMatchObject({
      type: "Completed",
      operation: "Outgoing migration",
      timeElapsedMs: 13996,
      downtimeMs: 5,
      postcopyRequests: 113,
      iteration: 3,
      dataTotalBytes: 537403392,
      exact: true,
    });
    expect(done.stats.downtimeNetMs).toBeUndefined();
  });

  it("reads the destination side: Resumed Post-copy then Resumed Migrated", () => {
    expect(summary(parseEventLines(raw(V11, "events-postcopy-switched-destination.txt")))).toEqual([
      "Started Migrated",
      "Resumed Post-copy",
      "Resumed Migrated",
    ]);
    expect(summary(parseEventLines(raw(V9, "events-postcopy-destination.txt")))).toEqual(["Started Migrated", "Resumed Post-copy", "Resumed Migrated"]);
  });

  it("reads 9.0 source logs (p2p --postcopy-after-precopy and client-managed)", () => {
    const p2p = parseEventLines(raw(V9, "events-p2p-postcopy-after-precopy-source.txt"));
    expect(summary(p2p)).toContain("Suspended Post-copy");
    const last = p2p[p2p.length - 1]!;
    expect(last.type === "job-completed" && last.stats.postcopyRequests).toBe(4);
    const src = parseEventLines(raw(V9, "events-postcopy-source.txt"));
    expect(src.filter((e) => e.type === "job-completed")).toHaveLength(1);
  });

  it("reads a converged (never switched) move: no Post-copy event", () => {
    const evs = parseEventLines(raw(V11, "events-postcopy-source.txt"));
    expect(summary(evs)).not.toContain("Suspended Post-copy");
    expect(summary(parseEventLines(raw(V11, "events-postcopy-destination.txt")))).toEqual(["Started Migrated", "Resumed Migrated"]);
  });

  it("keeps unknown events and lines without --timestamp", () => {
    const evs = parseEventLines("event 'reboot' for domain 'a'\nevent 'lifecycle' for domain 'x': Stopped Destroyed\ngarbage\n");
    expect(evs[0]).toMatchObject({ type: "other", name: "reboot", domain: "a" });
    expect(evs[1]).toMatchObject({ type: "lifecycle", event: "Stopped", detail: "Destroyed", domain: "x" });
    expect(evs[1]!.time).toBeUndefined();
    expect(evs).toHaveLength(2);
  });

  it("assembles incrementally: job-completed is complete only at the next header or flush", () => {
    const a = new EventLineAssembler();
    expect(a.push("2026-11-25 20:28:50.001+0000: event 'job-completed' for domain 'probe':")).toEqual([]);
    expect(a.push("\toperation: 5")).toEqual([]);
    expect(a.pending).toBe(true);
    const [ev] = a.flush();
    expect(ev).toMatchObject({ type: "job-completed", stats: { operation: "Outgoing migration" } });
    expect(a.pending).toBe(false);
  });
});
