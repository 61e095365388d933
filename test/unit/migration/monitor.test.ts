/**
 * The monitor loop driven by a fake job source: recorded/modelled samples in, and the sample at
 * which it switched or aborted out. A fake clock advances by sampleMs per sleep, so the monitor's
 * elapsed time equals the job clock of the samples (as in decide.test.ts).
 */
import { describe, expect, it } from "vitest";
import { monitorMigration, type MonitorOptions } from "../../../src/migration/monitor.js";
import { validateSettings, type MigrationSettings } from "../../../src/migration/policy.js";
import { MIB, type JobSample } from "../../../src/migration/progress.js";
import { modelPrecopy, notConverging, type ModelOptions } from "./fixtures/samples.js";

const RAM = 512 * MIB;
const model = (o: Partial<ModelOptions>) => modelPrecopy({ sendMiB: 300, bwMiB: 25, dirtyMiB: 0, untilMs: 60_000, ...o });
const HOT = { dirtyMiB: 60, wssMiB: 128 };

interface Run {
  result: Awaited<ReturnType<typeof monitorMigration>>;
  /** Index (0-based) of the sample after which switch/abort was called. */
  switchAt: number[];
  abortAt: number[];
  jobStartedAt: number[];
  logs: Array<{ level: string; msg: string; fields?: Record<string, unknown> }>;
  sampled: number;
}

/**
 * Replays `samples` (undefined entries = "no job"; Error entries = failed call). The move ends
 * after the last sample, or right after a switch (post-copy then completes), or with an error
 * after an abort. `after` lets a test act at a given sample (e.g. fire a signal).
 */
async function replay(
  samples: ReadonlyArray<JobSample | undefined | Error>,
  settings: Partial<MigrationSettings>,
  extra: Partial<MonitorOptions> & { after?: (i: number) => void; failSwitch?: boolean; failAbortTimes?: number; postSwitchSamples?: number } = {},
): Promise<Run> {
  let i = 0;
  let t = 0;
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((resolveDone = res), (rejectDone = rej)));
  done.catch(() => undefined);
  const run: Omit<Run, "result"> = { switchAt: [], abortAt: [], jobStartedAt: [], logs: [], sampled: 0 };
  let endAfter = samples.length;
  const result = await monitorMigration({
    source: {
      sample: async () => {
        const s = samples[i++];
        run.sampled++;
        extra.after?.(i - 1);
        if (i >= endAfter) queueMicrotask(resolveDone);
        if (s instanceof Error) throw s;
        return s;
      },
    },
    actions: {
      onJobStarted: async () => void run.jobStartedAt.push(i - 1),
      switchToPostcopy: async () => {
        run.switchAt.push(i - 1);
        if (extra.failSwitch) throw new Error("Requested operation is not valid: post-copy migration is not enabled");
        endAfter = Math.min(samples.length, i + (extra.postSwitchSamples ?? 0));
        if (i >= endAfter) queueMicrotask(resolveDone);
      },
      abort: async () => {
        run.abortAt.push(i - 1);
        if (run.abortAt.length <= (extra.failAbortTimes ?? 0)) throw new Error("Operation not valid: no job is active on the domain");
        queueMicrotask(() => rejectDone(new Error("operation aborted: migration out job: canceled by client")));
      },
    },
    settings: validateSettings(settings),
    guestRamBytes: RAM,
    sampleMs: 500,
    done,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
      await Promise.resolve();
    },
    log: (level, msg, fields) => run.logs.push({ level, msg, ...(fields ? { fields } : {}) }),
    ...extra,
  });
  return { ...run, result };
}

describe("monitor: switching on a hot guest (300 MiB at 25 MiB/s, 128 MiB rewritten at 60 MiB/s)", () => {
  const hot = model(HOT);

  it("auto with a dirty-rate hint switches at the 3rd sample (1.5 s), once", async () => {
    const r = await replay(hot, {}, { dirtyRateHintBytesPerS: 60 * MIB, postSwitchSamples: 4 });
    expect(r.switchAt).toEqual([2]);
    expect(r.result.phase).toBe("postcopy");
    expect(r.result.switchedAtIteration).toBe(1);
    expect(r.result.switchedAtMs).toBe(1500);
    expect(r.result.switchReason).toMatch(/pre-copy cannot converge/);
    // After the switch it keeps sampling (progress) but never switches or aborts again.
    expect(r.sampled).toBe(3 + 4);
    expect(r.abortAt).toEqual([]);
  });

  it("auto without a hint switches at the first sample of pass 2 (12 s), like first-pass", async () => {
    const auto = await replay(hot, {});
    const firstPass = await replay(hot, { switch: "first-pass" });
    const idx = hot.findIndex((s) => s.iteration === 2);
    expect(auto.switchAt).toEqual([idx]);
    expect(firstPass.switchAt).toEqual([idx]);
    expect(auto.result.switchedAtIteration).toBe(2);
    expect(auto.result.switchedAtMs).toBe(12_000);
  });

  it("a None sample before the job exists is skipped; onJobStarted runs once on the first active sample", async () => {
    const r = await replay([undefined, { type: "None" }, ...hot], {}, { dirtyRateHintBytesPerS: 60 * MIB });
    expect(r.jobStartedAt).toEqual([2]);
    expect(r.switchAt).toEqual([4]); // 3rd active sample
  });

  it("a failing job-info call is skipped, not fatal", async () => {
    const r = await replay([hot[0]!, new Error("virsh timed out"), ...hot.slice(1)], {}, { dirtyRateHintBytesPerS: 60 * MIB });
    expect(r.switchAt).toEqual([3]);
  });
});

describe("monitor: a dirty rate measured during pass 1 (DirtyRateSource)", () => {
  const hot = model(HOT);
  /** Answers "pending" `pendingPolls` times, then `value`; counts polls. */
  function source(pendingPolls: number, value: number | "unavailable") {
    const polls: number[] = [];
    return {
      polls,
      dirtyRate: {
        poll: async () => {
          polls.push(polls.length);
          return polls.length <= pendingPolls ? ("pending" as const) : value;
        },
      },
    };
  }

  it("decides with the hint from the sample where it arrives, and stops polling once it is in", async () => {
    const src = source(3, 60 * MIB);
    const r = await replay(hot, {}, { dirtyRate: src.dirtyRate, postSwitchSamples: 3 });
    // polls 1–3 pending (samples 0–2), poll 4 with sample 3 brings 60 MiB/s → switch there.
    expect(r.switchAt).toEqual([3]);
    expect(src.polls).toHaveLength(4);
    expect(r.result.dirtyRateHintBytesPerS).toBe(60 * MIB);
    expect(r.result.switchReason).toMatch(/^dirty rate 60\.0 MiB\/s ≥ bandwidth 25\.0 MiB\/s: pre-copy cannot converge/);
  });

  it("while pending, decide() says it is measuring (not that QEMU has no figure)", async () => {
    const src = source(1000, 0);
    const r = await replay(hot.slice(0, 6), {}, { dirtyRate: src.dirtyRate });
    expect(r.result.lastDecision?.reason).toMatch(/first pass: measuring the guest's dirty rate$/);
    expect(r.result.dirtyRateHintBytesPerS).toBeNull();
  });

  it("unavailable: polled once, then auto waits for pass 1 like a host that cannot measure", async () => {
    const src = source(0, "unavailable");
    const r = await replay(hot, {}, { dirtyRate: src.dirtyRate });
    expect(src.polls).toHaveLength(1);
    expect(r.result.dirtyRateHintBytesPerS).toBeNull();
    expect(r.result.switchedAtIteration).toBe(2);
    expect(r.result.switchedAtMs).toBe(12_000);
  });

  it("an idle guest measured at 0 stays in pre-copy to the end", async () => {
    const idle = model({ dirtyMiB: 0 });
    const src = source(2, 0);
    const r = await replay(idle, {}, { dirtyRate: src.dirtyRate });
    expect(r.switchAt).toEqual([]);
    expect(r.result.phase).toBe("precopy");
    expect(r.result.dirtyRateHintBytesPerS).toBe(0);
    expect(src.polls).toHaveLength(3);
  });

  it("a hint given up front wins: the source is never polled", async () => {
    const src = source(0, 0);
    const r = await replay(hot, {}, { dirtyRateHintBytesPerS: 60 * MIB, dirtyRate: src.dirtyRate, postSwitchSamples: 1 });
    expect(src.polls).toHaveLength(0);
    expect(r.switchAt).toEqual([2]);
  });
});

describe("monitor: recorded QEMU 7.2 samples (not converging at 10 MiB/s, sampled every 10 s)", () => {
  it("stall switches at the 4th sample: pass 2 started with 33 MiB left, pass 3 with 61 MiB (no progress)", async () => {
    const r = await replay(notConverging(), { switch: "stall" });
    expect(r.switchAt).toEqual([3]);
    expect(r.result.switchedAtIteration).toBe(3);
    expect(r.result.switchReason).toMatch(/pass 2 took remaining from 31\.6 MiB to 58\.4 MiB .*pre-copy stalls/);
  });
  it("first-pass switches at the first sample of pass 2 (the 3rd)", async () => {
    const r = await replay(notConverging(), { switch: "first-pass" });
    expect(r.switchAt).toEqual([2]);
  });
});

describe("monitor: converging guest", () => {
  it("idle guest under auto never switches; ends in pre-copy when the job ends", async () => {
    const idle = model({ dirtyMiB: 0 });
    const r = await replay(idle, {}, { dirtyRateHintBytesPerS: 0 });
    expect(r.switchAt).toEqual([]);
    expect(r.abortAt).toEqual([]);
    expect(r.result.phase).toBe("precopy");
    expect(r.result.samples).toBe(idle.length);
  });

  it("forceSwitchWhenEnabled switches the idle guest before pre-copy completes (QEMU < 8 rule)", async () => {
    const idle = model({ dirtyMiB: 0 });
    const r = await replay(idle, { forceSwitchWhenEnabled: true });
    expect(r.switchAt.length).toBe(1);
    expect(r.switchAt[0]!).toBeLessThan(idle.length - 1);
  });
});

describe("monitor: aborting (pre-copy only)", () => {
  it("mode precopy aborts at the timeout and reports why", async () => {
    const hot = model(HOT);
    const r = await replay(hot, { mode: "precopy", timeoutS: 20 });
    expect(r.switchAt).toEqual([]);
    expect(r.abortAt).toEqual([39]); // sample at 20.0 s (40th)
    expect(r.result.abortedBy).toBe("policy");
    expect(r.result.abortReason).toMatch(/did not finish within the 20 s timeout.*keeps running on the source/);
    expect(r.sampled).toBe(40); // no sampling after the abort
  });

  it("a stop signal during pre-copy aborts at the next tick", async () => {
    const ctl = new AbortController();
    const r = await replay(model(HOT), { mode: "precopy" }, { signal: ctl.signal, after: (i) => i === 5 && ctl.abort() });
    // Fired while sample 5 was taken: the abort comes at the next tick, before any new sample.
    expect(r.abortAt).toEqual([5]);
    expect(r.sampled).toBe(6);
    expect(r.result.abortedBy).toBe("signal");
    expect(r.result.abortReason).toMatch(/StopProvider/);
  });

  it("a stop signal after the switch is refused with one warning; the move runs to the end", async () => {
    const ctl = new AbortController();
    const hot = model(HOT);
    const r = await replay(hot, {}, { dirtyRateHintBytesPerS: 60 * MIB, postSwitchSamples: 10, signal: ctl.signal, after: (i) => i === 4 && ctl.abort() });
    expect(r.switchAt).toEqual([2]);
    expect(r.abortAt).toEqual([]);
    expect(r.result.phase).toBe("postcopy");
    expect(r.sampled).toBe(13);
    expect(r.logs.filter((l) => /cannot be aborted/.test(l.msg))).toHaveLength(1);
  });

  it("a signal already fired before the first sample aborts without switching", async () => {
    const ctl = new AbortController();
    ctl.abort();
    const r = await replay(model(HOT), {}, { dirtyRateHintBytesPerS: 60 * MIB, signal: ctl.signal });
    expect(r.switchAt).toEqual([]);
    expect(r.result.abortedBy).toBe("signal");
    expect(r.sampled).toBe(0);
  });

  it("an abort request that fails is repeated on the next ticks until it gets through", async () => {
    const r = await replay(model(HOT), { mode: "precopy", timeoutS: 20 }, { failAbortTimes: 2 });
    expect(r.abortAt).toEqual([39, 39, 39]); // no new samples while aborting
    expect(r.logs.filter((l) => /abort request failed/.test(l.msg))).toHaveLength(2);
    expect(r.logs.filter((l) => /^aborting the move/.test(l.msg))).toHaveLength(1);
  });

  it("a switch that keeps failing is retried, then the pre-copy is aborted", async () => {
    const r = await replay(model(HOT), {}, { dirtyRateHintBytesPerS: 60 * MIB, failSwitch: true });
    expect(r.switchAt).toEqual([2, 3, 4]);
    expect(r.abortAt).toEqual([4]);
    expect(r.result.abortedBy).toBe("switch-failure");
    expect(r.result.phase).toBe("precopy");
  });
});

describe("monitor: progress in the log", () => {
  it("INFO at most every 2 s with percent, remaining, dirty rate and phase; every sample at DEBUG", async () => {
    const r = await replay(model(HOT).slice(0, 20), { mode: "precopy" });
    const info = r.logs.filter((l) => l.level === "info");
    const debug = r.logs.filter((l) => l.level === "debug");
    expect(info.map((l) => l.fields!.elapsedMs)).toEqual([500, 2500, 4500, 6500, 8500]);
    expect(info.length + debug.length).toBe(20);
    expect(info[0]!.msg).toMatch(/^\d+ % · [\d.]+ MiB remaining · sending 25\.0 MiB\/s · dirty rate not measured yet · iteration 1 · pre-copy$/);
    expect(info[0]!.fields).toMatchObject({ phase: "precopy", iteration: 1 });
    expect(info[0]!.fields!.percent).toBeTypeOf("number");
    expect(info[0]!.fields!.remainingBytes).toBeTypeOf("number");
  });
});
