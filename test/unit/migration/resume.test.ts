/**
 * The post-copy recovery's reading of both hosts, on the states libvirt 11.3 really reported when
 * the lab's link was cut during post-copy (captures in ../libvirt/fixtures/libvirt11.3).
 */
import { describe, expect, it } from "vitest";
import { parseDomState } from "../../../src/libvirt/parse/domstate.js";
import { parseEventLines, type VirshEvent } from "../../../src/libvirt/parse/events.js";
import type { HostView } from "../../../src/migration/errors.js";
import { judgePostcopy, staleSourceDefinition } from "../../../src/migration/resume.js";
import { RESUME_CRASHES_DESTINATION } from "../../../src/libvirt/versions.js";
import { raw, sample, V11 } from "../libvirt/fixtures.js";

const at = (host: string, file: string, persistent?: boolean): HostView => ({
  host,
  present: true,
  state: parseDomState(sample(V11, file)),
  ...(persistent === undefined ? {} : { persistent }),
});
const absent = (host: string): HostView => ({ host, present: false });
const unknown = (host: string): HostView => ({ host, present: "unknown", error: "Connection refused" });
const lifecycle = (evs: VirshEvent[]) => evs.flatMap((e) => (e.type === "lifecycle" ? [`${e.event} ${e.detail}`] : []));

describe("judgePostcopy on the states of a link cut during post-copy", () => {
  it("reads the captured states", () => {
    expect(parseDomState(sample(V11, "domstate-postcopy-failed-source.txt"))).toEqual({ state: "paused", reason: "post-copy failed" });
    expect(parseDomState(sample(V11, "domstate-postcopy-failed-destination.txt"))).toEqual({ state: "running", reason: "post-copy failed" });
    expect(parseDomState(sample(V11, "domstate-migrated-stale-source.txt"))).toEqual({ state: "shut off", reason: "migrated" });
  });

  it("waits while QEMU's stream may still live: before and after libvirt's keepalive gave up", () => {
    const dest = at("b", "domstate-postcopy-destination.txt", true);
    expect(judgePostcopy({ source: at("a", "domstate-postcopy-source.txt", true), destination: dest })).toBe("waiting");
    expect(judgePostcopy({ source: at("a", "domstate-postcopy-failed-source.txt", true), destination: dest })).toBe("waiting");
  });

  it("needs a resume only when the destination dropped the stream too", () => {
    const views = { source: at("a", "domstate-postcopy-failed-source.txt", true), destination: at("b", "domstate-postcopy-failed-destination.txt", true) };
    expect(judgePostcopy(views)).toBe("needs-resume");
    expect(judgePostcopy({ ...views, source: absent("a") })).toBe("needs-resume");
  });

  it("sees the unattended completion, and the stale source definition it leaves", () => {
    const views = { source: at("a", "domstate-migrated-stale-source.txt", true), destination: at("b", "domstate-migrated-destination.txt", true) };
    expect(judgePostcopy(views)).toBe("completed");
    expect(staleSourceDefinition(views)).toBe(true);
    // Without a persistent definition on the destination the source's is the only one: keep it.
    expect(staleSourceDefinition({ ...views, destination: at("b", "domstate-migrated-destination.txt", false) })).toBe(false);
    expect(judgePostcopy({ ...views, source: absent("a") })).toBe("completed");
    expect(staleSourceDefinition({ ...views, source: absent("a") })).toBe(false);
  });

  it("never calls it done while a host cannot be asked or the source still holds the guest", () => {
    const dest = at("b", "domstate-migrated-destination.txt", true);
    expect(judgePostcopy({ source: unknown("a"), destination: dest })).toBe("unclear");
    expect(judgePostcopy({ source: at("a", "domstate-postcopy-failed-source.txt", true), destination: unknown("b") })).toBe("unclear");
    expect(judgePostcopy({ source: at("a", "domstate-postcopy-failed-source.txt", true), destination: dest })).not.toBe("completed");
  });

  it("knows libvirt 11.3.0 crashes on a resume (measured on the lab)", () => {
    expect(RESUME_CRASHES_DESTINATION).toContain("11.3.0");
  });
});

describe("events of a link cut during post-copy (11.3)", () => {
  it("source: Post-copy Error when libvirt's keepalive gave up; Stopped Migrated once the stream finished unattended", () => {
    const evs = parseEventLines(raw(V11, "events-postcopy-linkcut-selfheal-source.txt"));
    expect(lifecycle(evs)).toEqual([
      "Defined Added",
      "Resumed Unpaused",
      "Started Booted",
      "Suspended Migrated",
      "Suspended Post-copy",
      "Suspended Post-copy Error",
      "Shutdown Finished after host request",
      "Stopped Migrated",
      "Undefined Removed",
    ]);
    expect(evs.some((e) => e.type === "job-completed")).toBe(true);
  });

  it("destination: no error event at all while the stream recovers by itself", () => {
    expect(lifecycle(parseEventLines(raw(V11, "events-postcopy-linkcut-selfheal-destination.txt"))).slice(0, 4)).toEqual([
      "Started Migrated",
      "Defined Added",
      "Resumed Post-copy",
      "Resumed Migrated",
    ]);
  });

  it("destination after a forced pause: Resumed Post-copy Error (it keeps 'running')", () => {
    expect(lifecycle(parseEventLines(raw(V11, "events-postcopy-linkcut-paused-destination.txt")))).toEqual([
      "Started Migrated",
      "Defined Added",
      "Resumed Post-copy",
      "Resumed Post-copy Error",
    ]);
  });
});
