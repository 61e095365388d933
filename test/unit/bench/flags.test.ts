/** Benchmark flags: strict, so a misspelled flag fails naming itself instead of running with a default. */
import { describe, expect, it } from "vitest";
import { FlagError, flagsFor, readFlags } from "../../../bench/flags.js";

const spec = { rounds: "3", "ab-rates": "0,8" };

describe("readFlags", () => {
  it("takes given values (both spellings) and the defaults for the rest", () => {
    expect({ ...readFlags(spec, ["--rounds", "5"]) }).toEqual({ rounds: "5", "ab-rates": "0,8" });
    expect({ ...readFlags(spec, ["--ab-rates=1,2"]) }).toEqual({ rounds: "3", "ab-rates": "1,2" });
  });

  it("refuses a misspelled flag, naming it and the flags there are", () => {
    expect(() => readFlags(spec, ["--round", "5"], "bench:plan")).toThrow(FlagError);
    expect(() => readFlags(spec, ["--round", "5"], "bench:plan")).toThrow("Unknown option '--round' for bench:plan. Fix: use its flags: --rounds, --ab-rates.");
  });

  it("refuses a flag without its value and a stray argument", () => {
    expect(() => readFlags(spec, ["--rounds"])).toThrow(/'--rounds <value>' argument missing/);
    expect(() => readFlags(spec, ["5"])).toThrow(/Unexpected argument '5'/);
  });
});

describe("flagsFor (bench all)", () => {
  const all = { rounds: "", "ab-rates": "", n: "" };
  it("hands each benchmark only the flags it declares, without defaults of others", () => {
    expect(flagsFor({ n: "10" }, ["--rounds", "2", "--n", "50"], all, "npm run bench")).toEqual(["--n", "50"]);
    expect(flagsFor(spec, ["--n", "50"], all, "npm run bench")).toEqual([]);
  });
  it("refuses a flag that no benchmark declares", () => {
    expect(() => flagsFor(spec, ["--ratse", "1"], all, "npm run bench")).toThrow(/Unknown option '--ratse' for npm run bench/);
  });
});
