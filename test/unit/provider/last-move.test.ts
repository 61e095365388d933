/** last_move: what a move records in the state, and states written before it had the timing fields. */
import { describe, expect, it } from "vitest";
import { decodeJson, encodeMsgpack, decodeMsgpack } from "../../../provider/framework/codec.js";
import { vmSchema } from "../../../provider/livevirt/schema.js";
import { lastMoveValue } from "../../../provider/livevirt/vm-spec.js";
import type { MoveRecord } from "../../../src/model/index.js";

const report: MoveRecord = {
  from: "a",
  to: "b",
  mode: "postcopy",
  switchedAtIteration: 1,
  totalMs: 9_500,
  downtimeMs: 6,
  bytes: 354_000_000,
  postcopyRequests: 7,
  startedAt: "2025-06-01T10:00:12.250Z",
  finishedAt: "2025-06-01T10:00:22.000Z",
  queuedMs: 11_900,
  recoveredBy: "resume",
  recoveryMs: 31_200,
  preflight: "a → b: live-migrates with post-copy (post-copy: yes)",
};

describe("last_move", () => {
  it("records when the move got its slot, when it was done and how long it queued, next to the figures", () => {
    expect(lastMoveValue(report)).toEqual({
      from: "a",
      to: "b",
      mode: "postcopy",
      switched_at_iteration: 1,
      total_ms: 9_500,
      downtime_ms: 6,
      bytes: 354_000_000,
      postcopy_requests: 7,
      started_at: "2025-06-01T10:00:12.250Z",
      finished_at: "2025-06-01T10:00:22.000Z",
      queued_ms: 11_900,
      recovered_by: "resume",
      recovery_ms: 31_200,
    });
  });

  it("survives the wire (msgpack) unchanged", () => {
    const state = { id: "u-1", name: "web", host: "b", last_move: lastMoveValue(report) };
    expect(decodeMsgpack(encodeMsgpack(state, vmSchema.block), vmSchema.block)!.last_move).toEqual(lastMoveValue(report));
  });

  it("a state stored before started_at/finished_at/queued_ms/recovered_by/recovery_ms existed upgrades with them null", () => {
    const old = {
      id: "u-1",
      name: "web",
      host: "b",
      last_move: { from: "a", to: "b", mode: "precopy", switched_at_iteration: null, total_ms: 3110, downtime_ms: 169, bytes: 114654028, postcopy_requests: 0 },
    };
    const v = decodeJson(Buffer.from(JSON.stringify(old)), vmSchema.block)!;
    expect(v.last_move).toEqual({ ...old.last_move, started_at: null, finished_at: null, queued_ms: null, recovered_by: null, recovery_ms: null });
  });
});
