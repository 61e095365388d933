/** bench/plan-trace.ts on a captured TF_LOG=trace of a 10-VM plan (Terraform 1.11.4, this provider). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePlanTrace } from "../../../bench/plan-trace.js";

const trace = readFileSync(new URL("./fixtures/plan-trace.log", import.meta.url), "utf8");

describe("parsePlanTrace", () => {
  const p = parsePlanTrace(trace);

  it("finds the three provider processes of a plan, each with its phases", () => {
    expect(p.processes).toHaveLength(3);
    expect(p.processes.map((x) => x.spawnToHandshakeMs)).toEqual([119, 129, 109]);
    expect(p.processes.map((x) => x.startupMs)).toEqual([113, 126, 107]);
    expect(p.processes.map((x) => x.lifetimeMs)).toEqual([144, 160, 205]);
    expect(p.processes.map((x) => x.shutdownToExitMs)).toEqual([5, 9, 10]);
  });

  it("counts the calls each process served, and the schema answers Terraform took from its cache", () => {
    expect(p.processes[0]!.served).toEqual({ GetProviderSchema: 1 });
    expect(p.processes[1]!.served).toEqual({ ValidateProviderConfig: 1, ValidateResourceConfig: 1 });
    expect(p.processes[2]!.served).toEqual({ ValidateProviderConfig: 1, ConfigureProvider: 1, ValidateResourceConfig: 10, PlanResourceChange: 10 });
    expect(p.cachedSchemaAnswers).toBeGreaterThan(0);
  });

  it("ignores what is not a livevirt provider process", () => {
    expect(parsePlanTrace("2026-12-04T13:16:40.000Z [DEBUG] provider: plugin exited\nnot a log line\n").processes).toEqual([]);
  });
});
