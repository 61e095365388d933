import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parseDomStatsState } from "../../../src/libvirt/parse/domstats-state.js";
import { parseDomState } from "../../../src/libvirt/parse/domstate.js";
import { parseDomainXml, splitDomainXmls } from "../../../src/libvirt/parse/dumpxml.js";
import { libvirtMessages, isDomainNotFound } from "../../../src/libvirt/parse/virsh-error.js";
import { raw, sample, V11 } from "./fixtures.js";

/** `echo NAME; domstate --domain NAME --reason` for each domain, captured right after the domstats of the same domains. */
function domstateByName(file: string): Map<string, ReturnType<typeof parseDomState>> {
  const lines = sample(V11, file)
    .split("\n")
    .filter((l) => l.trim() !== "");
  const out = new Map<string, ReturnType<typeof parseDomState>>();
  for (let i = 0; i < lines.length; i += 2) out.set(lines[i]!, parseDomState(lines[i + 1]!));
  return out;
}

describe("parseDomStatsState (virsh domstats --state)", () => {
  it("reads every domain of a host, running or not, with virsh's state and reason words (libvirt 11.3)", () => {
    expect(parseDomStatsState(sample(V11, "domstats-state-mixed.txt"))).toEqual([
      { name: "rfr-cap-run", state: "running", reasonCode: 1, reason: "booted" },
      { name: "rfr-cap-paused", state: "paused", reasonCode: 1, reason: "user" },
      { name: "rfr-cap-off", state: "shut off", reasonCode: 0, reason: "unknown" },
      { name: "rfr-cap-resumed", state: "running", reasonCode: 5, reason: "unpaused" },
      { name: "rfr-cap-moved", state: "shut off", reasonCode: 4, reason: "migrated" },
    ]);
    expect(parseDomStatsState(sample(V11, "domstats-state-migrated-destination.txt"))).toEqual([
      { name: "rfr-cap-moved", state: "running", reasonCode: 2, reason: "migrated" },
    ]);
  });

  it("says what `domstate --reason` says for the same domains (captured together)", () => {
    for (const [stats, states] of [
      ["domstats-state-mixed.txt", "domstate-reason-mixed.txt"],
      ["domstats-state-migrated-destination.txt", "domstate-reason-migrated-destination.txt"],
    ] as const) {
      const byName = domstateByName(states);
      const parsed = parseDomStatsState(sample(V11, stats));
      expect(parsed.map((d) => d.name).sort()).toEqual([...byName.keys()].sort());
      for (const d of parsed) expect({ state: d.state, reason: d.reason }).toEqual(byName.get(d.name));
    }
  });

  it("a reason it has no word for stays a number (reason null); a host without domains is an empty list", () => {
    expect(parseDomStatsState("Domain: 'x'\n  state.state=3\n  state.reason=13\n")).toEqual([{ name: "x", state: "paused", reasonCode: 13, reason: null }]);
    expect(parseDomStatsState("")).toEqual([]);
    expect(parseDomStatsState("Domain: 'it''s'\n  state.state=1\n  state.reason=1\n")[0]!.name).toBe("it''s");
  });

  it("refuses what it cannot read", () => {
    expect(() => parseDomStatsState("Domain: 'x'\n  state.state=9\n  state.reason=0\n")).toThrow(ParseError);
    expect(() => parseDomStatsState("Domain: 'x'\n  state.state=1\n")).toThrow(/no state.state\/state.reason/);
    expect(() => parseDomStatsState("  state.state=1\n")).toThrow(/cannot read line/);
    expect(() => parseDomStatsState("Domain: 'x'\n  state.state=running\n  state.reason=1\n")).toThrow(/not whole numbers/);
  });
});

describe("splitDomainXmls (several dumpxml in one virsh call)", () => {
  it("gives each domain's document in order; a domain gone meanwhile prints nothing on stdout and its error on stderr", () => {
    const docs = splitDomainXmls(sample(V11, "dumpxml-batch-vanished.txt"));
    expect(docs.map((d) => parseDomainXml(d).name)).toEqual(["rfr-cap-run", "rfr-cap-resumed"]);
    expect(docs.every((d) => d.startsWith("<domain type='qemu' id=") && d.endsWith("</domain>"))).toBe(true);
    const messages = libvirtMessages(raw(V11, "dumpxml-batch-vanished.stderr"));
    expect(messages).toHaveLength(1);
    expect(messages.every(isDomainNotFound)).toBe(true);
  });

  it("the last command failing makes the exit code 1 (the documents before it are there)", () => {
    expect(raw(V11, "dumpxml-batch-last-vanished.txt")).toMatch(/\[exit 1\]\s*$/);
    expect(splitDomainXmls(sample(V11, "dumpxml-batch-last-vanished.txt")).map((d) => parseDomainXml(d).name)).toEqual(["rfr-cap-run"]);
  });

  it("only roots at the start of a line count (an attribute or an element named like it inside does not split)", () => {
    const one =
      "<domain type='qemu'>\n  <name>a</name>\n  <uuid>u</uuid>\n  <address domain='0x0000'/>\n" +
      "  <metadata><x:domain xmlns:x='urn:x'/></metadata>\n</domain>\n";
    expect(splitDomainXmls(one + one.replace(">a<", ">b<"))).toHaveLength(2);
    expect(splitDomainXmls("")).toEqual([]);
  });
});
