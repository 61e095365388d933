/** Parsers for the dirty-rate and persistence calls, on output captured in the lab (libvirt 11.3). */
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parseDirtyRateStats } from "../../../src/libvirt/parse/dirtyrate.js";
import { parseDomInfoPersistent } from "../../../src/libvirt/persistence.js";
import { sample, V11 } from "./fixtures.js";

describe("parseDirtyRateStats (virsh domstats --dirtyrate)", () => {
  it("never measured: status unstarted, start time 0, no rate", () => {
    expect(parseDirtyRateStats(sample(V11, "domstats-dirtyrate-never-measured.txt"))).toEqual({
      status: "unstarted",
      startTimeS: 0,
      periodS: 0,
      mode: "page-sampling",
    });
  });
  it("measuring: status 1, no rate yet", () => {
    const s = parseDirtyRateStats(sample(V11, "domstats-dirtyrate-measuring.txt"));
    expect(s).toMatchObject({ status: "measuring", startTimeS: 1795641097, periodS: 1 });
    expect(s.mibPerS).toBeUndefined();
  });
  it("measured: the rate in MiB/s", () => {
    expect(parseDirtyRateStats(sample(V11, "domstats-dirtyrate-measured.txt"))).toEqual({
      status: "measured",
      startTimeS: 1795641097,
      periodS: 1,
      mode: "page-sampling",
      mibPerS: 34,
    });
  });
  it("refuses output without the dirtyrate group (old libvirt) or a domain block", () => {
    expect(() => parseDirtyRateStats("Domain: 'x'\n  state.state=1\n")).toThrow(ParseError);
    expect(() => parseDirtyRateStats("")).toThrow(/no "Domain:" line/);
    expect(() => parseDirtyRateStats("Domain: 'x'\n  dirtyrate.calc_status=7\n")).toThrow(/unknown calc_status 7/);
  });
});

describe("parseDomInfoPersistent (virsh dominfo)", () => {
  it("reads 'Persistent: yes' of a moved domain", () => {
    expect(parseDomInfoPersistent(sample(V11, "dominfo-persistent.txt"))).toBe(true);
  });
  it("refuses output without the line", () => {
    expect(() => parseDomInfoPersistent("Name: x\n")).toThrow(ParseError);
  });
});
