/**
 * What a move does about an earlier migration of its domain still active between the two hosts
 * (left by a killed provider). The views use the states libvirt 11.3 reported in the lab during
 * a p2p move a→b, read through the real parser from the captured output.
 */
import { describe, expect, it } from "vitest";
import { parseDomState } from "../../../src/libvirt/parse/domstate.js";
import { decideOrphan, type CopyView } from "../../../src/migration/orphan-job.js";
import { sample, V11 } from "../libvirt/fixtures.js";

const captured = (f: string) => parseDomState(sample(V11, f));
const view = (host: string, state: ReturnType<typeof parseDomState>, side: CopyView["side"]): CopyView => ({ host, present: true, state, side });
const absent = (host: string): CopyView => ({ host, present: false });

const srcPrecopy = view("a", captured("domstate-src-precopy.txt"), "outgoing"); // running (booted)
const dstPrecopy = view("b", captured("domstate-dst-precopy.txt"), "incoming"); // paused (migrating)
const srcPostcopy = view("a", captured("domstate-src-postcopy.txt"), "outgoing"); // paused (post-copy)
const dstPostcopy = view("b", captured("domstate-dst-postcopy.txt"), "incoming"); // running (post-copy)

describe("decideOrphan", () => {
  it("nothing to do when the VM simply runs on one host", () => {
    expect(decideOrphan([view("a", { state: "running", reason: "booted" }, "none"), absent("b")])).toEqual({ kind: "none" });
    expect(decideOrphan([absent("a"), view("b", { state: "running", reason: "migrated" }, "none")])).toEqual({ kind: "none" });
  });

  it("aborts a pre-copy orphan on its source (the VM keeps running there)", () => {
    const a = decideOrphan([srcPrecopy, dstPrecopy]);
    expect(a).toMatchObject({ kind: "abort", source: "a", destination: "b" });
    expect(a.kind === "abort" && a.why).toMatch(/pre-copy.*keeps running on a/);
  });

  it("finds the orphan whichever order the hosts are given in (a move back b→a)", () => {
    expect(decideOrphan([dstPrecopy, srcPrecopy])).toMatchObject({ kind: "abort", source: "a", destination: "b" });
  });

  it("aborts a pre-copy whose destination domain is not there (yet)", () => {
    expect(decideOrphan([srcPrecopy, absent("b")])).toMatchObject({ kind: "abort", source: "a" });
  });

  it("waits for a post-copy orphan: no rollback, it finishes on its own", () => {
    for (const pair of [
      [srcPostcopy, dstPostcopy],
      [dstPostcopy, srcPostcopy],
    ] as const) {
      const a = decideOrphan(pair);
      expect(a.kind).toBe("wait");
      expect(a.kind === "wait" && a.why).toMatch(/post-copy move from a to b is in flight/);
    }
  });

  it("never aborts once either end says post-copy (the switch seen on one end only)", () => {
    expect(decideOrphan([view("a", { state: "running", reason: "booted" }, "outgoing"), dstPostcopy]).kind).toBe("wait");
  });

  it("resumes a failed post-copy from its source to its destination", () => {
    const failedSrc = view("a", { state: "paused", reason: "post-copy failed" }, "outgoing");
    const failedDst = view("b", { state: "paused", reason: "post-copy failed" }, "incoming");
    expect(decideOrphan([failedDst, failedSrc])).toMatchObject({ kind: "resume", source: "a", destination: "b" });
    // Source no longer answering with its job: the incoming end still names the direction.
    expect(decideOrphan([view("a", { state: "paused", reason: "post-copy failed" }, "none"), failedDst])).toMatchObject({
      kind: "resume",
      source: "a",
      destination: "b",
    });
  });

  it("waits while the destination tears down (or finishes) its incoming side without a source job", () => {
    expect(decideOrphan([view("a", { state: "running", reason: "migration cancelled" }, "none"), dstPrecopy]).kind).toBe("wait");
  });

  it("waits while the source of a finished move is being removed", () => {
    expect(decideOrphan([view("a", { state: "shut off", reason: "migrated" }, "none"), view("b", { state: "running", reason: "migrated" }, "none")]).kind).toBe(
      "wait",
    );
  });

  it("a user's stopped VM is not an orphan", () => {
    expect(decideOrphan([view("a", { state: "shut off", reason: "destroyed" }, "none"), absent("b")])).toEqual({ kind: "none" });
    expect(decideOrphan([view("a", { state: "paused", reason: "user" }, "none"), absent("b")])).toEqual({ kind: "none" });
  });

  it("refuses to guess when a host does not answer or its job cannot be read", () => {
    expect(decideOrphan([srcPrecopy, { host: "b", present: "unknown", error: "Connection refused" }])).toMatchObject({ kind: "undecidable" });
    expect(decideOrphan([{ ...srcPrecopy, side: "unknown", error: "timed out" }, dstPrecopy])).toMatchObject({ kind: "undecidable" });
    expect(
      decideOrphan([view("a", { state: "paused", reason: "post-copy failed" }, "none"), view("b", { state: "paused", reason: "post-copy failed" }, "none")]),
    ).toMatchObject({ kind: "undecidable" });
  });
});
