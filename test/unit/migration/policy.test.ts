import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors.js";
import { DEFAULT_SETTINGS, validateSettings } from "../../../src/migration/policy.js";

describe("validateSettings: accepted", () => {
  it("empty input → defaults (post-copy, auto, the model's 600 s, KubeVirt's 150 s/GiB, nova's 10 %)", () => {
    expect(validateSettings({})).toEqual(DEFAULT_SETTINGS);
    expect(validateSettings()).toEqual({
      mode: "postcopy",
      switch: "auto",
      timeoutS: 600,
      timeoutPerGiBS: 150,
      stallProgressPercent: 10,
      copyStorage: false,
      forceSwitchWhenEnabled: false,
    });
  });
  it.each([
    [{ mode: "precopy", timeoutS: 60, bandwidthMib: 25, maxDowntimeMs: 500 }],
    [{ switch: "first-pass", bandwidthMib: 25, postcopyBandwidthMib: 100 }],
    [{ switch: "stall", stallProgressPercent: 20 }],
    [{ switch: "timeout", timeoutPerGiBS: 60, copyStorage: true }],
    [{ forceSwitchWhenEnabled: true }],
    [{ mode: "precopy", forceSwitchWhenEnabled: true }], // set by the caller from the QEMU version: harmless here
  ] as const)("%o", (input) => {
    expect(validateSettings(input)).toMatchObject(input);
  });
});

describe("validateSettings: rejected, naming field, value and fix", () => {
  it.each<[string, Record<string, unknown>, string, string, RegExp]>([
    ["switch with precopy", { mode: "precopy", switch: "stall" }, "switch", '"stall"', /remove switch, or set mode = "postcopy"/],
    ["post-copy bandwidth with precopy", { mode: "precopy", postcopyBandwidthMib: 100 }, "postcopyBandwidthMib", "100", /set mode = "postcopy"/],
    ["per-GiB timeout with precopy", { mode: "precopy", timeoutPerGiBS: 60 }, "timeoutPerGiBS", "60", /remove timeoutPerGiBS/],
    ["per-GiB timeout with another policy", { switch: "auto", timeoutPerGiBS: 60 }, "timeoutPerGiBS", "60", /set switch = "timeout"/],
    ["stall percent with another policy", { switch: "first-pass", stallProgressPercent: 5 }, "stallProgressPercent", "5", /set switch = "stall"/],
    ["negative bandwidth", { bandwidthMib: -5 }, "bandwidthMib", "-5", /between 1 and 1000000 MiB\/s, or leave it unset for unlimited/],
    ["zero bandwidth", { bandwidthMib: 0 }, "bandwidthMib", "0", /leave it unset for unlimited/],
    ["fractional bandwidth", { postcopyBandwidthMib: 2.5 }, "postcopyBandwidthMib", "2.5", /between 1 and/],
    ["absurd bandwidth", { bandwidthMib: 5e9 }, "bandwidthMib", "5000000000", /between 1 and 1000000/],
    ["timeout 0", { timeoutS: 0 }, "timeoutS", "0", /set timeoutS to a whole number between 1 and 604800 seconds \(default 600\)/],
    ["timeout NaN", { timeoutS: Number.NaN }, "timeoutS", "NaN", /set timeoutS/],
    ["timeout as a string", { timeoutS: "600" }, "timeoutS", '"600"', /set timeoutS/],
    ["downtime of an hour", { maxDowntimeMs: 3_600_000 }, "maxDowntimeMs", "3600000", /between 1 and 60000 ms, or leave it unset for QEMU's 300 ms/],
    ["stall 100 %", { switch: "stall", stallProgressPercent: 100 }, "stallProgressPercent", "100", /between 1 and 99/],
    ["per-GiB 0", { switch: "timeout", timeoutPerGiBS: 0 }, "timeoutPerGiBS", "0", /KubeVirt uses 150/],
    ["unknown mode", { mode: "hybrid" }, "mode", '"hybrid"', /one of postcopy, precopy/],
    ["unknown policy", { switch: "never" }, "switch", '"never"', /one of auto, first-pass, stall, timeout/],
    ["non-boolean", { copyStorage: "yes" }, "copyStorage", '"yes"', /true or false/],
    ["typo in a key", { bandwidthMiB: 25 }, "bandwidthMiB", "25", /use one of mode, switch, bandwidthMib/],
  ])("%s", (_name, input, field, value, fix) => {
    let err: unknown;
    try {
      validateSettings(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.detail.field).toBe(field);
    expect(v.detail.value).toBe(value);
    expect(v.detail.fix).toMatch(fix);
    expect(v.message).toContain(field);
    expect(v.message).toContain(value);
  });
});
