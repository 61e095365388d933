import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parseDomainList, parseNameList } from "../../../src/libvirt/parse/domain-list.js";
import { isPostcopyFailed, parseDomState } from "../../../src/libvirt/parse/domstate.js";
import { parseNodeInfo } from "../../../src/libvirt/parse/nodeinfo.js";
import { parseFreecellTotal, parseInteger, parseSingleLine, parseUuid } from "../../../src/libvirt/parse/scalar.js";
import { sample, V11, V9 } from "./fixtures.js";

describe("parseNodeInfo", () => {
  it("reads the lab host", () => {
    expect(parseNodeInfo(sample(V9, "virsh-nodeinfo.txt"))).toEqual({
      cpuModel: "x86_64",
      cpus: 2,
      cpuMhz: 1996,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      numaCells: 1,
      memoryBytes: 5859104 * 1024,
    });
  });

  it("fails loudly on a missing field", () => {
    expect(() => parseNodeInfo("CPU model: x86_64\n")).toThrow(ParseError);
  });
});

describe("parseDomState", () => {
  it("reads the captured 'running (booted)'", () => {
    expect(parseDomState(sample(V9, "virsh-domstate.txt"))).toEqual({ state: "running", reason: "booted" });
  });

  it("reads multi-word states and reasons (virsh's own wording)", () => {
    expect(parseDomState("shut off (migrated)\n")).toEqual({ state: "shut off", reason: "migrated" });
    expect(parseDomState("running (migrated)\n")).toEqual({ state: "running", reason: "migrated" });
    const failed = parseDomState("paused (post-copy failed)\n");
    expect(failed).toEqual({ state: "paused", reason: "post-copy failed" });
    expect(isPostcopyFailed(failed)).toBe(true);
    expect(parseDomState("running (post-copy)\n").reason).toBe("post-copy");
    expect(parseDomState("running\n")).toEqual({ state: "running", reason: "unknown" });
  });

  it("rejects unknown states", () => {
    expect(() => parseDomState("läuft (gestartet)\n")).toThrow(ParseError);
  });
});

describe("one-value outputs", () => {
  it("hostname", () => {
    expect(parseSingleLine(sample(V9, "virsh-hostname.txt"), "virsh hostname")).toBe("twohost-a");
  });

  it("migrate-getspeed (unlimited is a huge number) and --postcopy (0)", () => {
    expect(parseInteger(sample(V9, "virsh-migrate-getspeed.txt"), "getspeed")).toBe(8796093022207);
    expect(parseInteger(sample(V9, "virsh-migrate-getspeed-postcopy.txt"), "getspeed")).toBe(0);
    expect(parseInteger(sample(V11, "virsh-migrate-getspeed-postcopy.txt"), "getspeed")).toBe(0);
  });

  it("migrate-getmaxdowntime", () => {
    expect(parseInteger(sample(V9, "virsh-migrate-getmaxdowntime.txt"), "getmaxdowntime")).toBe(300);
  });

  it("domuuid, freecell", () => {
    expect(parseUuid("6695EB01-f6a4-8304-79aa-97f2502e193f\n\n")).toBe("6695eb01-f6a4-8304-79aa-97f2502e193f");
    expect(() => parseUuid("nope\n")).toThrow(ParseError);
    expect(parseFreecellTotal("Total: 3072 KiB\n")).toBe(3072 * 1024);
  });
});

describe("parseDomainList", () => {
  it("cuts columns at the header offsets (states and names with spaces)", () => {
    const out = [
      " Id   Name          State",
      "------------------------------",
      " 1    test          running",
      " 12   web.1         paused",
      " -    my db         shut off",
      "",
    ].join("\n");
    expect(parseDomainList(out)).toEqual([
      { id: 1, name: "test", state: "running" },
      { id: 12, name: "web.1", state: "paused" },
      { id: null, name: "my db", state: "shut off" },
    ]);
  });

  it("reads an empty list and --name output", () => {
    expect(parseDomainList(" Id   Name   State\n--------------------\n\n")).toEqual([]);
    expect(parseNameList("a\nb\n\n")).toEqual(["a", "b"]);
  });
});
