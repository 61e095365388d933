import { describe, expect, it } from "vitest";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { stateAfterFailedMove } from "../../../provider/livevirt/vm.js";

const prior: ObjectValue = { id: "u-1", name: "web", host: "a", state: "running", last_move: null, preflight: null };
const planned: ObjectValue = {
  id: "u-1",
  name: "web",
  host: "b",
  state: Unknown,
  last_move: Unknown,
  preflight: "a → b: live-migrates with post-copy (post-copy: yes)",
};

describe("stateAfterFailedMove: the state says where the VM really is", () => {
  it("still on the source → the prior placement (the next plan proposes the move again)", () => {
    const s = stateAfterFailedMove(prior, planned, { uuid: "u-1", name: "web", host: "a", domainType: "qemu", state: "running", reason: "migration aborted" });
    expect(s.host).toBe("a");
    expect(s.state).toBe("running");
    expect(s.last_move).toBeNull();
  });

  it("on the destination (e.g. paused after a failed post-copy) → the planned host, with its real state", () => {
    const s = stateAfterFailedMove(prior, planned, { uuid: "u-1", name: "web", host: "b", domainType: "qemu", state: "paused", reason: "post-copy failed" });
    expect(s.host).toBe("b");
    expect(s.state).toBe("paused");
    expect(s.last_move).toBeNull();
    expect(s.preflight).toBe(planned.preflight);
  });

  it("found nowhere → the prior state unchanged (the next refresh tells)", () => {
    expect(stateAfterFailedMove(prior, planned, null)).toEqual(prior);
  });
});
