/** Which copy is the VM when libvirt shows it on two hosts (states as captured on libvirt 11.3). */
import { describe, expect, it } from "vitest";
import { parseDomState } from "../../../src/libvirt/parse/domstate.js";
import { homeCopy, needsSides, type Copy } from "../../../src/placement/which-copy.js";
import { sample, V11 } from "../libvirt/fixtures.js";

const on = (host: string, f: string): Copy & { host: string } => ({ host, ...parseDomState(sample(V11, f)) });
const st = (host: string, state: string, reason: string, side?: Copy["side"]) => ({ host, state, reason, ...(side ? { side } : {}) });

describe("homeCopy", () => {
  it("during pre-copy the VM is still the running source, whichever host is asked first", () => {
    expect(homeCopy([on("b", "domstate-dst-precopy.txt"), on("a", "domstate-src-precopy.txt")])?.host).toBe("a");
    expect(homeCopy([on("a", "domstate-src-precopy.txt"), on("b", "domstate-dst-precopy.txt")])?.host).toBe("a");
  });

  it("after the post-copy switch the VM is the destination, even with the source (last known host) first", () => {
    expect(homeCopy([on("a", "domstate-src-postcopy.txt"), on("b", "domstate-dst-postcopy.txt")])?.host).toBe("b");
  });

  it("the source of a finished move being removed is not the VM", () => {
    expect(homeCopy([st("a", "shut off", "migrated"), st("b", "running", "migrated")])?.host).toBe("b");
  });

  it("after a failed post-copy the incoming end is the VM; without sides it is ambiguous", () => {
    const both = [st("a", "paused", "post-copy failed"), st("b", "paused", "post-copy failed")];
    expect(needsSides(both)).toBe(true);
    expect(homeCopy([st("a", "paused", "post-copy failed", "outgoing"), st("b", "paused", "post-copy failed", "incoming")])?.host).toBe("b");
    expect(homeCopy([st("b", "paused", "post-copy failed", "incoming"), st("a", "paused", "post-copy failed", "outgoing")])?.host).toBe("b");
  });

  it("a single copy is the VM whatever its state; none is null", () => {
    expect(homeCopy([st("a", "shut off", "destroyed")])?.host).toBe("a");
    expect(homeCopy([on("b", "domstate-dst-precopy.txt")])?.host).toBe("b");
    expect(homeCopy([])).toBeNull();
  });

  it("a VM paused by its user beats a stale leftover of a finished move", () => {
    expect(homeCopy([st("a", "shut off", "migrated"), st("b", "paused", "user")])?.host).toBe("b");
  });

  it("asks for sides only when states cannot decide", () => {
    expect(needsSides([on("a", "domstate-src-postcopy.txt"), on("b", "domstate-dst-postcopy.txt")])).toBe(false);
    expect(needsSides([st("a", "paused", "post-copy failed")])).toBe(false);
  });
});
