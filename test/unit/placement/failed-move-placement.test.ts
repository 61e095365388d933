/**
 * Where the state says a VM is after a failed move: from the engine's own look at both hosts.
 * The cases are the ones measured on the lab (cut link in post-copy, source daemon restarted in
 * pre-copy, cut link in pre-copy), where a fresh dumpxml would have timed out on the job lock.
 */
import { describe, expect, it } from "vitest";
import { MoveError, type HostViews } from "../../../src/migration/errors.js";
import { placementAfterFailure } from "../../../src/placement/move.js";
import type { Placement } from "../../../src/model/index.js";

const current: Placement = { uuid: "u-1", name: "web", host: "a", domainType: "qemu", state: "running", reason: "booted" };
const views = (src: HostViews["source"], dst: HostViews["destination"]): HostViews => ({ source: src, destination: dst });
const err = (location: "source" | "destination" | "unknown", hosts: HostViews) =>
  new MoveError("move failed", location, "x", hosts, location === "destination" ? "postcopy" : "precopy");

describe("placementAfterFailure", () => {
  it("post-copy link lost: the guest runs on the destination, the state must say b", () => {
    const e = err(
      "destination",
      views(
        { host: "a", present: true, state: { state: "paused", reason: "post-copy failed" } },
        { host: "b", present: true, state: { state: "running", reason: "post-copy" } },
      ),
    );
    expect(placementAfterFailure(e, current, "a", "b")).toEqual({ ...current, host: "b", state: "running", reason: "post-copy" });
  });

  it("pre-copy aborted: the source keeps it", () => {
    const e = err("source", views({ host: "a", present: true, state: { state: "running", reason: "booted" } }, { host: "b", present: false }));
    expect(placementAfterFailure(e, current, "a", "b")).toEqual({ ...current, host: "a", state: "running", reason: "booted" });
  });

  it("nothing known: falls back to a fresh search (null)", () => {
    const unknown = err("unknown", views({ host: "a", present: "unknown", error: "refused" }, { host: "b", present: "unknown" }));
    expect(placementAfterFailure(unknown, current, "a", "b")).toBeNull();
    expect(placementAfterFailure(new Error("other"), current, "a", "b")).toBeNull();
    // A location without a state seen on that host is not trusted either.
    const noState = err("destination", views({ host: "a", present: false }, { host: "b", present: true }));
    expect(placementAfterFailure(noState, current, "a", "b")).toBeNull();
  });
});
