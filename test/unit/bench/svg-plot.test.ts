import { XMLValidator, XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { escapeXml, linePlot, ticks } from "../../../bench/svg-plot.js";
import { leastSquares, median } from "../../../bench/stats.js";
import { mdTable } from "../../../bench/report.js";

const parse = (svg: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(svg) as { svg: Record<string, unknown> };
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe("linePlot", () => {
  const series = [
    {
      name: "pre-copy <only> & co",
      points: [
        { x: 0, y: 17 },
        { x: 8, y: 30 },
        { x: 40, y: 160 },
      ],
    },
    {
      name: "livevirt",
      points: [
        { x: 40, y: 20 },
        { x: 0, y: 17.5 },
        { x: 20, y: NaN },
      ],
    },
  ];
  const svg = linePlot(series, { title: "t < u", xLabel: "dirty MiB/s", yLabel: "s" });

  it("is well-formed XML with an svg root and escaped labels", () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain("pre-copy &lt;only&gt; &amp; co");
    expect(parse(svg).svg.viewBox).toBe("0 0 640 400");
  });

  it("puts every point and polyline vertex inside the viewBox", () => {
    const root = parse(svg).svg;
    const circles = asArray(root.circle as { cx: string; cy: string }[]);
    expect(circles).toHaveLength(5); // the NaN point is dropped
    const pts = [
      ...circles.map((c) => [Number(c.cx), Number(c.cy)]),
      ...asArray(root.polyline as { points: string }[]).flatMap((p) => p.points.split(" ").map((xy) => xy.split(",").map(Number))),
    ];
    for (const [x, y] of pts) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(640);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
  });

  it("copes with no points and a single point", () => {
    expect(XMLValidator.validate(linePlot([], { title: "", xLabel: "", yLabel: "" }))).toBe(true);
    expect(XMLValidator.validate(linePlot([{ name: "one", points: [{ x: 3, y: 3 }] }], { title: "x", xLabel: "", yLabel: "" }))).toBe(true);
  });
});

describe("helpers", () => {
  it("ticks cover the range", () => {
    const t = ticks(0, 163);
    expect(t[0]).toBeLessThanOrEqual(0);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(163);
  });
  it("escapeXml", () => expect(escapeXml(`a<b>"c"&'d'`)).toBe("a&lt;b&gt;&quot;c&quot;&amp;&apos;d&apos;"));
  it("median and least squares", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const f = leastSquares([
      { x: 10, y: 2 },
      { x: 50, y: 6 },
      { x: 200, y: 21 },
    ]);
    expect(f.slope).toBeCloseTo(0.1);
    expect(f.intercept).toBeCloseTo(1);
  });
  it("mdTable escapes pipes", () => {
    expect(mdTable(["a", "b"], [["x|y", 1]])).toBe("| a | b |\n|---|---|\n| x\\|y | 1 |");
  });
});

describe("plots that do not mislead", () => {
  it("a point that is not a measurement (an aborted move at its timeout) is an open square with its label; the note says what it means", () => {
    const svg = linePlot(
      [
        {
          name: "pre-copy only",
          points: [
            { x: 0, y: 20 },
            { x: 40, y: 160, open: true, label: "timeout" },
          ],
        },
      ],
      { title: "t", xLabel: "x", yLabel: "y", note: "open square: did not complete" },
    );
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg.match(/<rect class="open"/g)).toHaveLength(1);
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).toContain(">timeout</text>");
    expect(svg).toContain(">open square: did not complete</text>");
  });
  it("spread as a whisker from min to max, and n beside the median; the axis covers the whisker", () => {
    const svg = linePlot([{ name: "livevirt", points: [{ x: 8, y: 5, lo: 4, hi: 900, label: "n=5" }] }], { title: "t", xLabel: "x", yLabel: "y" });
    expect(svg.match(/<line class="spread"/g)).toHaveLength(1);
    expect(svg).toContain(">n=5</text>");
    expect(svg).toContain(">1000</text>"); // a y tick above the whisker's top (900)
  });
});
