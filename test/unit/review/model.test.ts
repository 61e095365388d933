import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { buildReport } from "../../../src/review/model.js";
import { UNLIMITED_TEXT } from "../../../src/review/estimate.js";
import { renderMarkdown } from "../../../src/review/markdown.js";
import { renderHtml } from "../../../src/review/html.js";
import { readPlan } from "../../../src/review/plan-json.js";
import { change, examplePlan, realPlan } from "./fixtures/plans.js";

const fromPlan = (p: unknown) => buildReport(readPlan(p));

describe("report model from the real captured plan", () => {
  const r = fromPlan(realPlan());

  it("finds both moves as in-place updates whose host changes, with the verdict's strategy", () => {
    expect(r.moves.map((m) => [m.vm, m.from, m.to, m.strategy, m.strategyKnown, m.verdict.kind])).toEqual([
      ["rv-db", "a", "b", "postcopy", true, "known"],
      ["rv-web", "a", "b", "postcopy", true, "known"],
    ]);
  });

  it("estimates from memory_mib and migration.bandwidth_mib, or says the link bounds it", () => {
    const web = r.moves.find((m) => m.vm === "rv-web")!;
    expect(web.estimate).toMatchObject({ kind: "bounded", seconds: 4, atLeast: false, memoryMib: 256, bandwidthMib: 64 });
    const db = r.moves.find((m) => m.vm === "rv-db")!;
    expect(db.migration).toBeNull(); // no migration block in the config
    expect(db.estimate).toMatchObject({ kind: "unlimited", memoryMib: 192, text: UNLIMITED_TEXT });
  });

  it("lists created, destroyed and replaced VMs with hosts, and counts unchanged ones", () => {
    expect(r.created).toEqual([{ vm: "rv-new", address: "livevirt_vm.rv_new", host: "a" }]);
    expect(r.destroyed).toEqual([{ vm: "rv-old", address: "livevirt_vm.rv_old", host: "b" }]);
    expect(r.replaced).toEqual([{ vm: "rv-resize", address: "livevirt_vm.rv_resize", host: "b", because: ["memory_mib"] }]);
    expect(r.updated).toEqual([]);
    expect(r.unchanged).toBe(1);
    expect(r.terraformVersion).toMatch(/^1\./);
    expect(r.errored).toBe(false);
  });
});

describe("report model: the link's rate, measured from the moves the state recorded", () => {
  it("a VM that moved before between the same hosts gives the uncapped move a number (either direction: one link)", () => {
    const plan = realPlan();
    // rv-keep (unchanged) once moved b → a: 320 MiB in 4 s = 80 MiB/s.
    change(plan, "livevirt_vm.rv_keep").before!.last_move = {
      from: "b",
      to: "a",
      mode: "postcopy",
      bytes: 320 * 1048576,
      total_ms: 4000,
      switched_at_iteration: 1,
      downtime_ms: 9,
      postcopy_requests: 3,
    };
    const db = buildReport(readPlan(plan)).moves.find((m) => m.vm === "rv-db")!;
    expect(db.estimate).toMatchObject({ kind: "bounded", seconds: 192 / 80, bandwidthMib: 80, measured: { mibPerS: 80, moves: 1 } });
    expect(db.estimate.kind === "bounded" && db.estimate.formula).toBe(
      "192 MiB of RAM ÷ 80 MiB/s (measured: the median of 1 earlier move between these hosts, no bandwidth_mib set) = 2.4 s",
    );
    // The capped move (64 MiB/s, below the measured 80) keeps its cap.
    const web = buildReport(readPlan(plan)).moves.find((m) => m.vm === "rv-web")!;
    expect(web.estimate).toMatchObject({ kind: "bounded", seconds: 4, bandwidthMib: 64 });
    expect(web.estimate.kind === "bounded" && web.estimate.measured).toBeUndefined();
  });

  it("a recreate, or a move without figures, measures nothing", () => {
    const plan = realPlan();
    change(plan, "livevirt_vm.rv_keep").before!.last_move = { from: "b", to: "a", mode: "recreate", bytes: null, total_ms: 30000 };
    expect(buildReport(readPlan(plan)).moves.find((m) => m.vm === "rv-db")!.estimate).toMatchObject({ kind: "unlimited" });
  });
});

describe("report model: other plan shapes (edits of the real plan)", () => {
  it("preflight known only after apply: says so, and keeps the declared mode as the strategy", () => {
    const p = realPlan();
    const c = change(p, "livevirt_vm.rv_web");
    delete c.after!.preflight; // Terraform leaves unknown values out of `after`…
    c.after_unknown.preflight = true; // …and marks them here
    const web = fromPlan(p).moves.find((m) => m.vm === "rv-web")!;
    expect(web.verdict).toEqual({ kind: "after-apply" });
    expect(web).toMatchObject({ strategy: "postcopy", strategyKnown: false, estimate: { kind: "bounded", seconds: 4 } });
  });

  it("a failing verdict with a pre-copy fallback: pre-copy, FAIL rows, estimate is a floor", () => {
    const db = fromPlan(examplePlan()).moves.find((m) => m.vm === "rv-db")!;
    expect(db.strategy).toBe("precopy");
    expect(db.verdict.kind === "known" && db.verdict.parsed.checks.filter((c) => c.status === "fail" && !c.advisory).map((c) => c.id)).toEqual([
      "qemu.postcopy-ram",
      "kernel.userfaultfd",
      "migration.postcopy-probe",
    ]);
    expect(db.estimate).toMatchObject({ kind: "unlimited" });
  });

  it("a resize that restarts is listed as restarted (first in the summary), a live one on its update line", () => {
    const p = realPlan();
    const keep = change(p, "livevirt_vm.rv_keep");
    keep.actions = ["update"];
    keep.after = {
      ...keep.before!,
      memory_mib: 1024,
      resize:
        "restarts on the same host: memory 512 → 1024 MiB; because the running VM has no memory headroom (max_memory_mib): its memory is fixed until a restart",
    };
    const web = change(p, "livevirt_vm.rv_web");
    web.after = { ...web.after!, resize: "live, no restart: vcpus 1 → 2 (within max 256 MiB, 2 vcpus)" };
    const r = fromPlan(p);
    expect(r.restarted.map((x) => [x.vm, x.resize.slice(0, 8)])).toEqual([["rv-keep", "restarts"]]);
    expect(r.updated).toEqual([]); // listed once, as restarted
    expect(r.moves.map((m) => m.vm)).toContain("rv-web");
    const md = renderMarkdown(r);
    expect(md.indexOf("Restarted on their host")).toBeGreaterThan(0);
    expect(md.indexOf("Restarted on their host")).toBeLessThan(md.indexOf("| VM | move |"));
    expect(md).toContain("1 VM restarts");
    expect(renderHtml(r)).toContain("restarts on the same host: memory 512 → 1024 MiB");
  });

  it("an unreadable verdict is kept verbatim with the reason", () => {
    const p = realPlan();
    change(p, "livevirt_vm.rv_web").after!.preflight = "something else entirely";
    const web = fromPlan(p).moves.find((m) => m.vm === "rv-web")!;
    expect(web.verdict).toMatchObject({ kind: "unreadable", text: "something else entirely" });
  });

  it("create_before_destroy replacements and policy-only updates", () => {
    const p = realPlan();
    change(p, "livevirt_vm.rv_resize").actions = ["create", "delete"];
    const keep = change(p, "livevirt_vm.rv_keep");
    keep.actions = ["update"];
    const r = fromPlan(p);
    expect(r.replaced.map((x) => x.vm)).toEqual(["rv-resize"]);
    expect(r.updated.map((x) => x.vm)).toEqual(["rv-keep"]);
    expect(r.unchanged).toBe(0);
  });

  it("ignores other resource types and data sources", () => {
    const p = realPlan();
    p.resource_changes.push({
      address: "null_resource.x",
      type: "null_resource",
      change: { actions: ["create"], before: null, after: {}, after_unknown: {} },
    } as never);
    expect(fromPlan(p).created).toHaveLength(1);
  });
});

describe("readPlan refuses what is not a plan", () => {
  it.each([
    ["state JSON", { format_version: "1.0", values: { root_module: {} } }],
    ["no format_version", { resource_changes: [] }],
    ["unknown actions", { format_version: "1.2", resource_changes: [{ type: "livevirt_vm", address: "livevirt_vm.x", change: { actions: ["frobnicate"] } }] }],
  ])("%s", (_n, json) => {
    expect(() => readPlan(json)).toThrow(ParseError);
  });
});
