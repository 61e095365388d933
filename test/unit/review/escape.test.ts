import { describe, expect, it } from "vitest";
import { escapeHtml, escapeMd, mdFence } from "../../../src/review/escape.js";

const HOSTILE = [`<script>alert("x")</script>`, `" onmouseover="alert(1)`, `' autofocus onfocus='x`, "a & b &amp; c", "<img src=x onerror=alert(1)>"];

describe("escapeHtml", () => {
  it.each(HOSTILE)("leaves no markup in %j", (s) => {
    const e = escapeHtml(s);
    expect(e).not.toMatch(/[<>"']/);
    expect(e.replace(/&(amp|lt|gt|quot|#39);/g, "")).not.toContain("&");
  });

  it("escapes exactly the five characters, & first (no double escaping of its own output)", () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
    expect(escapeHtml("a → b ≥ 8.1")).toBe("a → b ≥ 8.1");
  });
});

describe("escapeMd", () => {
  it("keeps a table cell one cell and renders no HTML", () => {
    const e = escapeMd("a | b\n<script>x</script> *bold* `code` [link](http://x)");
    expect(e).not.toMatch(/(^|[^\\])\|/);
    expect(e).not.toContain("\n");
    expect(e).not.toContain("<");
    expect(e).toContain("\\*bold\\*");
    expect(e).toContain("\\[link\\]");
  });
});

describe("mdFence", () => {
  it("uses a fence longer than any backtick run inside", () => {
    expect(mdFence("plain")).toBe("```text\nplain\n```");
    expect(mdFence("has ```` four")).toBe("`````text\nhas ```` four\n`````");
  });
});
