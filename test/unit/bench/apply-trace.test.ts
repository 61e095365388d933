import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { breakdown, parseTrace } from "../../../bench/apply-trace.js";

// The relevant lines of a real `TF_LOG=trace terraform apply -auto-approve` of a move on the lab (paths shortened).
const TRACE = readFileSync(join(import.meta.dirname, "fixtures", "apply-trace.log"), "utf8");
const at = (s: string) => Date.parse(`2026-12-04T13:42:${s}Z`);

describe("apply trace", () => {
  const t = parseTrace(TRACE);

  it("finds the four provider processes with their start, handshake, exit and RPCs", () => {
    expect(t.processes).toHaveLength(4);
    expect(t.processes.map((p) => [p.startAt, p.readyAt, p.exitAt])).toEqual([
      [at("29.032"), at("29.233"), at("29.303")],
      [at("29.329"), at("29.551"), at("29.604")],
      [at("29.614"), at("29.805"), at("31.097")],
      [at("31.115"), at("31.354"), at("35.833")],
    ]);
    expect(t.processes[2]!.rpcs.find((r) => r.name === "ReadResource")).toEqual({ name: "ReadResource", doneAt: at("30.030"), ms: 148 });
    expect(t.processes[3]!.rpcs.map((r) => r.name)).toContain("ApplyResourceChange");
  });

  it("reads the preflights (not the move's own re-check) and whether the probe ran", () => {
    expect(t.processes[2]!.preflights).toEqual([{ at: at("31.070"), ms: 892, probeRan: false }]);
    expect(t.processes[3]!.preflights.map((p) => p.ms)).toEqual([538]);
    expect(t.processes[3]!.movingAt).toBe(at("32.573"));
    const ran = parseTrace(TRACE.replace("[892 ms, probe move 0 ms (cached: probe)]", "[2785 ms, probe move 2531 ms]"));
    expect(ran.processes[2]!.preflights[0]!.probeRan).toBe(true);
  });

  it("splits the apply wall into parts that add up to it", () => {
    const mv = { startedAt: Date.parse("2026-12-04T13:42:32.320Z"), finishedAt: Date.parse("2026-12-04T13:42:35.688Z"), totalMs: 2947 };
    const b = breakdown(t, at("28.949"), at("35.842"), mv);
    const part = (k: string) => b.parts.find((p) => p.key === k)!.ms;
    expect(b.wallMs).toBe(6893);
    expect(b.moveMs).toBe(3368);
    expect(b.parts.reduce((s, p) => s + p.ms, 0)).toBe(b.wallMs);
    expect(part("tf-start")).toBe(83);
    expect(part("schema-validate-processes")).toBe(271 + 275);
    expect(part("refresh")).toBe(148);
    expect(part("plan-preflight")).toBe(892);
    expect(part("plan-other")).toBe(1032 - 892);
    expect(part("replan-preflight")).toBe(538);
    expect(part("apply-before-move")).toBe(mv.startedAt - (at("35.811") - 3656));
    expect(part("apply-after-move")).toBe(at("35.811") - mv.finishedAt);
    expect(part("tf-end")).toBe(at("35.842") - at("35.833"));
    expect(part("terraform-between")).toBeGreaterThan(0);
    expect(b.probeRan).toBe(false);
    expect(b.move).toEqual({ beforeMigrateMs: 253, migrateMs: 2947, afterMigrateMs: 3368 - 253 - 2947 });
  });
});
