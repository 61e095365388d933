/**
 * "Every string that reaches XML goes through the XML library." Heuristic source checks over src/
 * and provider/ (the code that talks to libvirt):
 *
 *  1. Every `defineXml(` call sits in a file that builds its XML with `buildDomainXml` (the
 *     XMLBuilder path in src/libvirt/domain-xml.ts, which validates and escapes every value).
 *  2. No code outside domain-xml.ts writes libvirt XML by hand: a template literal with `${…}`, or
 *     a string joined with `+`, that contains a libvirt element tag (`<domain`, `<disk`, `<source`,
 *     …). Plain string constants that merely *mention* an element in a message (e.g. "no <cpu>
 *     element") are not XML and are allowed; so are comments.
 *
 * Heuristic, because a determined hand-builder could hide a tag in a constant and join it later;
 * the check catches the usual way XML is hand-built (a template with interpolations). Escaping
 * itself — hostile names, cmdlines and paths round-trip byte for byte and cannot add elements —
 * is tested in test/unit/libvirt/domain-xml.test.ts ("escaping" block), not repeated here.
 *
 * Not XML we build: src/preflight/fit.ts passes the `<cpu>` element cut from libvirt's own
 * `dumpxml --migratable` back to `virsh hypervisor-cpu-compare`; no user string is in it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const XML_LIBRARY_FILE = "src/libvirt/domain-xml.ts";

/** libvirt domain/capabilities element names a hand-built definition would contain. */
const ELEMENTS = [
  "domain",
  "name",
  "uuid",
  "memory",
  "currentMemory",
  "vcpu",
  "os",
  "type",
  "kernel",
  "initrd",
  "cmdline",
  "boot",
  "cpu",
  "devices",
  "disk",
  "driver",
  "source",
  "target",
  "serial",
  "console",
  "interface",
  "graphics",
  "channel",
  "on_crash",
  "on_reboot",
  "on_poweroff",
  "features",
  "seclabel",
  "emulator",
  "controller",
  "model",
  "feature",
  "arch",
];
const TAG = new RegExp(`</?(?:${ELEMENTS.join("|")})(?=[\\s>/])`);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Source text with comments blanked (strings kept; good enough for our own code style). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " ")).replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Template literals with interpolation, and string literals next to `+`, that contain a tag. */
function handBuiltXml(file: string, text: string): string[] {
  const code = withoutComments(text);
  const out: string[] = [];
  const lineOf = (i: number) => code.slice(0, i).split("\n").length;
  for (const m of code.matchAll(/`(?:[^`\\]|\\.)*`/g)) {
    if (m[0].includes("${") && TAG.test(m[0])) out.push(`${file}:${lineOf(m.index)}: template literal builds XML: ${m[0].slice(0, 80)}`);
  }
  for (const m of code.matchAll(/(["'])(?:(?!\1)[^\\\n]|\\.)*\1/g)) {
    if (!TAG.test(m[0])) continue;
    const before = code.slice(Math.max(0, m.index - 3), m.index);
    const after = code.slice(m.index + m[0].length, m.index + m[0].length + 3);
    if (/\+\s*$/.test(before) || /^\s*\+/.test(after)) out.push(`${file}:${lineOf(m.index)}: concatenated XML string: ${m[0].slice(0, 80)}`);
  }
  return out;
}

describe("XML reaches libvirt only through the XML library", () => {
  const files = ["src", "provider"].flatMap((d) => sources(join(ROOT, d))).map((f) => ({ file: relative(ROOT, f), text: readFileSync(f, "utf8") }));

  it("the heuristic catches hand-built XML and ignores messages and comments", () => {
    expect(handBuiltXml("x.ts", "const xml = `<domain type='qemu'><name>${name}</name></domain>`;")).toHaveLength(1);
    expect(handBuiltXml("x.ts", "const xml = '<disk type=\"file\"><source file=\"' + path + '\"/></disk>';")).not.toEqual([]);
    expect(handBuiltXml("x.ts", 'const why = "TCG domain without <cpu>: always compatible";')).toEqual([]);
    expect(handBuiltXml("x.ts", "// builds `<domain>${x}</domain>` by hand\nconst y = 1;")).toEqual([]);
    expect(handBuiltXml("x.ts", "const m = `resume with: virsh -c <${from} uri> migrate`;")).toEqual([]);
  });

  it("every defineXml call is fed by buildDomainXml", () => {
    const callers = files.filter((f) => f.file !== "src/libvirt/virsh.ts" && /\.defineXml\(/.test(withoutComments(f.text)));
    expect(callers.length).toBeGreaterThan(0);
    const bad = callers.filter((f) => !/\bbuildDomainXml\(/.test(f.text)).map((f) => f.file);
    expect(bad, "defineXml without buildDomainXml").toEqual([]);
  });

  it("no hand-built libvirt XML outside the XML library", () => {
    const found = files.filter((f) => f.file !== XML_LIBRARY_FILE).flatMap((f) => handBuiltXml(f.file, f.text));
    expect(found, found.join("\n")).toEqual([]);
  });

  it("the XML library itself builds through XMLBuilder, not strings", () => {
    const lib = readFileSync(join(ROOT, XML_LIBRARY_FILE), "utf8");
    expect(lib).toMatch(/new XMLBuilder\(/);
    expect(handBuiltXml(XML_LIBRARY_FILE, lib)).toEqual([]);
  });
});
