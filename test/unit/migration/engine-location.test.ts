/**
 * Where the engine says the VM is after a move, from both hosts' views (pure part of verify.ts).
 * The states are the ones libvirt reports in the lab ("running (migrated)", "paused (post-copy
 * failed)", "running (migration cancelled)" …).
 */
import { describe, expect, it } from "vitest";
import { describeView, type HostView, type HostViews } from "../../../src/migration/errors.js";
import { fixFor, isIncompleteIncoming, judgeLocation, movedProblems, stateAt } from "../../../src/migration/verify.js";
import type { DomainState } from "../../../src/libvirt/parse/domstate.js";

const absent = (host: string): HostView => ({ host, present: false });
const on = (host: string, state: DomainState["state"], reason: string, persistent = true): HostView => ({
  host,
  present: true,
  state: { state, reason },
  persistent,
});
const unknown = (host: string): HostView => ({ host, present: "unknown", error: "failed to connect to the hypervisor" });
const views = (source: HostView, destination: HostView): HostViews => ({ source, destination });
const A = { name: "a", uri: "qemu:///a" };
const B = { name: "b", uri: "qemu:///b" };

describe("isIncompleteIncoming: the destination's copy of a failed pre-copy, which never ran the guest", () => {
  // Measured in the lab with the link cut: a aborted after its keepalive, b kept "paused (migrating)"
  // until its own keepalive fired, so a retry in between found the name taken on b.
  it("a runs the guest, b holds a transient paused (migrating) copy → remove it", () => {
    expect(isIncompleteIncoming(views(on("a", "running", "migration cancelled"), on("b", "paused", "migrating", false)), false)).toBe(true);
  });
  it("never after the switch to post-copy: b's copy then holds the guest's vCPUs", () => {
    expect(isIncompleteIncoming(views(on("a", "running", "migration cancelled"), on("b", "paused", "migrating", false)), true)).toBe(false);
  });
  it("never a persistent copy, a running one, one of another reason, or when a does not run the guest", () => {
    expect(isIncompleteIncoming(views(on("a", "running", "unpaused"), on("b", "paused", "migrating", true)), false)).toBe(false);
    expect(isIncompleteIncoming(views(on("a", "running", "unpaused"), on("b", "running", "migrated", false)), false)).toBe(false);
    expect(isIncompleteIncoming(views(on("a", "running", "unpaused"), on("b", "paused", "user", false)), false)).toBe(false);
    expect(isIncompleteIncoming(views(on("a", "paused", "migrating"), on("b", "paused", "migrating", false)), false)).toBe(false);
    expect(isIncompleteIncoming(views(unknown("a"), on("b", "paused", "migrating", false)), false)).toBe(false);
    expect(isIncompleteIncoming(views(on("a", "running", "unpaused"), absent("b")), false)).toBe(false);
  });
});

describe("judgeLocation", () => {
  it("completed move: running on b, gone from a → destination", () => {
    const v = views(absent("a"), on("b", "running", "migrated"));
    expect(judgeLocation(v, true)).toBe("destination");
    expect(judgeLocation(v, false)).toBe("destination");
    expect(movedProblems(v)).toEqual([]);
    expect(stateAt(v, "destination")).toBe("running (migrated), persistent");
  });
  it("aborted pre-copy: running on a, absent on b → source", () => {
    expect(judgeLocation(views(on("a", "running", "migration cancelled"), absent("b")), false)).toBe("source");
  });
  it("aborted pre-copy while b still tears down its incoming domain → source", () => {
    expect(judgeLocation(views(on("a", "running", "unpaused"), on("b", "paused", "migration", false)), false)).toBe("source");
  });
  it("post-copy failed: paused on both → destination (the vCPUs live there); fix says do not destroy", () => {
    const v = views(on("a", "paused", "post-copy failed", true), on("b", "paused", "post-copy failed", true));
    expect(judgeLocation(v, true)).toBe("destination");
    expect(fixFor(v, "destination", A, B, "vm1")).toMatch(/do NOT destroy vm1 on either host.*--postcopy-resume/);
  });
  it("post-copy switched but b unreachable → unknown, never a guess", () => {
    expect(judgeLocation(views(on("a", "paused", "post-copy"), unknown("b")), true)).toBe("unknown");
  });
  it("pre-copy, a unreachable, b absent → unknown", () => {
    expect(judgeLocation(views(unknown("a"), absent("b")), false)).toBe("unknown");
  });
  it("running on both (split brain) → unknown", () => {
    const v = views(on("a", "running", "booted"), on("b", "running", "migrated"));
    expect(judgeLocation(v, false)).toBe("unknown");
    expect(stateAt(v, "unknown")).toBe("a: running (booted), persistent; b: running (migrated), persistent");
  });
  it("shut-off stale definition on a does not make the VM 'on a'", () => {
    const v = views(on("a", "shut off", "migrated"), on("b", "running", "migrated"));
    expect(judgeLocation(v, false)).toBe("destination");
    expect(movedProblems(v)).toEqual(["still known on a (shut off (migrated), persistent), expected it undefined there"]);
    expect(fixFor(v, "destination", A, B, "vm1")).toMatch(/remove the stale definition on a/);
  });
  it("transient on b is a failed verification", () => {
    expect(movedProblems(views(absent("a"), on("b", "running", "migrated", false)))).toEqual(["no persistent definition on b (running (migrated), transient)"]);
  });
  it("describeView says why a host is unknown", () => {
    expect(describeView(unknown("a"))).toBe("unknown (failed to connect to the hypervisor)");
    expect(describeView(absent("a"))).toBe("absent");
  });
});
