import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { XMLValidator, XMLParser } from "fast-xml-parser";
import { consoleEvents, textBetween, type ConsoleEvent, type TimedLine } from "../../../bench/console-tail.js";
import { firstOfNewBoot, interruption, longestGapWithin } from "../../../bench/interruption.js";
import { barPlot } from "../../../bench/svg-plot.js";

const hb = (host: string, at: number, seq: number, boot = "aaaaaaaa", uptimeS = seq / 10): ConsoleEvent => ({ kind: "hb", host, at, boot, seq, uptimeS });

describe("interruption", () => {
  // Beats every 100 ms on a, a 400 ms hole at the handover, then b.
  const move = [hb("a", 0, 1), hb("a", 100, 2), hb("a", 200, 3), hb("b", 600, 4), hb("b", 700, 5), hb("b", 800, 6)];

  it("is the longest gap from the last beat before the start to the first after the end", () => {
    const g = interruption(move, 150, 650)!;
    expect(g.gapMs).toBe(400);
    expect([g.before.host, g.before.seq, g.after.host, g.after.seq]).toEqual(["a", 3, "b", 4]);
  });

  it("still finds the hole when beats continue after the operation started (pre-copy phase)", () => {
    expect(interruption(move, 50, 750)!.gapMs).toBe(400);
  });

  it("covers a recreate whose first new beat comes after the call returned", () => {
    const ev = [hb("a", 0, 10), hb("a", 100, 11), hb("b", 5000, 1, "bbbbbbbb", 3.9)];
    const g = interruption(ev, 120, 900)!;
    expect(g.gapMs).toBe(4900);
    expect(g.after.boot).toBe("bbbbbbbb");
  });

  it("is null without a beat before the start or after the end", () => {
    expect(interruption(move, -10, 650)).toBeNull();
    expect(interruption(move, 150, 900)).toBeNull();
  });

  it("orders beats by arrival, not by host", () => {
    const shuffled = [move[4]!, move[0]!, move[3]!, move[2]!, move[1]!, move[5]!];
    expect(interruption(shuffled, 150, 650)!.gapMs).toBe(400);
  });

  it("measures the noise floor only inside the window", () => {
    expect(longestGapWithin(move, 0, 250)).toBe(100);
    expect(longestGapWithin(move, 150, 250)).toBeNull();
  });

  it("finds the first event of a new boot", () => {
    const ev: ConsoleEvent[] = [hb("a", 0, 1), { kind: "ready", host: "b", at: 10, boot: "aaaaaaaa" }, { kind: "ready", host: "b", at: 20, boot: "bbbbbbbb" }];
    expect(firstOfNewBoot(ev, "ready", "b", 0, "aaaaaaaa")?.at).toBe(20);
    expect(firstOfNewBoot(ev, "init", "b", 0, "aaaaaaaa")).toBeUndefined();
  });
});

describe("consoleEvents", () => {
  // A real lab console (captured boot at 8 MiB/s), stamped as if each line arrived 10 ms apart,
  // plus the end of a heartbeat cut by a read boundary (never trusted).
  const real = readFileSync(join(import.meta.dirname, "../lab/guest/fixtures/boot-rate8.txt"), "utf8")
    .split("\n")
    .slice(0, 8);
  const lines: TimedLine[] = [
    ...real.map((text, i) => ({ host: "b", at: i * 10, text: text.replace(/\r/g, "") })),
    { host: "b", at: 999, text: "LVHB boot=f76820cd up=9.6 seq=7 mem=64 rate=8 wri" },
  ];

  it("classifies init, ready and heartbeats through the console parser, skipping garbled ones", () => {
    const ev = consoleEvents(lines);
    expect(ev.map((e) => e.kind).slice(0, 3)).toEqual(["init", "ready", "hb"]);
    expect(ev.every((e) => e.boot === "f76820cd")).toBe(true);
    expect(ev.find((e) => e.kind === "hb")).toMatchObject({ seq: 1, uptimeS: 4.64, at: 40 });
    expect(ev.some((e) => e.at === 999)).toBe(false);
  });

  it("returns the text of one host's lines in a time window", () => {
    expect(textBetween(lines, "b", 30, 40)).toBe(`${lines[3]!.text}\n${lines[4]!.text}\n`);
    expect(textBetween(lines, "a", 0, 1000)).toBe("");
  });
});

describe("barPlot", () => {
  const svg = barPlot(
    ["move", "recreate <x>"],
    [
      { label: "round 1", values: [0.3, 6.1] },
      { label: "round 2", values: [null, 5.8] },
    ],
    { title: "t", xLabel: "round", yLabel: "s", valueDigits: 2 },
  );
  const root = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(svg).svg as Record<string, unknown>;
  const rects = (root.rect as { x: string; y: string; width: string; height: string; fill: string }[]).filter((r) => r.fill !== "white");

  it("is well-formed, escapes labels, and draws one bar per value plus legend swatches", () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain("recreate &lt;x&gt;");
    expect(rects).toHaveLength(3 + 2); // null skipped
  });

  it("labels each bar with its value and keeps bars inside the plot area, taller for larger values", () => {
    for (const v of ["0.30", "6.10", "5.80"]) expect(svg).toContain(`>${v}<`);
    const bars = rects.slice(0, 3).map((r) => ({ y: Number(r.y), h: Number(r.height) }));
    for (const b of bars) expect(b.y >= 0 && b.y + b.h <= 400).toBe(true);
    expect(bars[1]!.h).toBeGreaterThan(bars[0]!.h * 10);
  });
});
