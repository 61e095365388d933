/**
 * Docs that cannot drift: the "## Schema" sections of the registry-layout docs against the
 * provider's real schemas (imported from provider/index.ts, the provider's public contract).
 * Every attribute and nested block field is documented with its type and kind, and nothing is
 * documented that the schema lacks.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hostDataSchema, providerSchema, vmSchema } from "../../../provider/index.js";

type Schema = typeof vmSchema;
type Block = Schema["block"];
type Attr = Block["attributes"][string];
type CtyType = Attr["type"];

interface DocItem {
  name: string;
  /** what the parentheses say, e.g. "String, Required" or "Block List" */
  note: string;
  /** "### …" heading it is listed under */
  section: string;
  /** indented bullets right under this one (e.g. fields of an object attribute) */
  children: DocItem[];
  /** the bullet's text with its continuation lines */
  text: string;
}

const doc = (path: string) => readFileSync(new URL(`../../../docs/${path}`, import.meta.url), "utf8");

/** The bullets `- \`name\` (note) …` of the "## Schema" section, by "### " heading. */
function schemaSection(markdown: string): { items: DocItem[]; nestedHeadings: string[] } {
  const start = markdown.indexOf("\n## Schema\n");
  expect(start, "a ## Schema section").toBeGreaterThan(0);
  const rest = markdown.slice(start + 1);
  const end = rest.indexOf("\n## ", 1);
  const lines = (end > 0 ? rest.slice(0, end) : rest).split("\n");
  const items: DocItem[] = [];
  const nestedHeadings: string[] = [];
  let section = "";
  let last: DocItem | null = null;
  let lastChild: DocItem | null = null;
  for (const line of lines) {
    const heading = /^### (.*)$/.exec(line);
    if (heading) {
      section = heading[1]!;
      const nested = /^Nested Schema for `(\w+)`$/.exec(section);
      if (nested) nestedHeadings.push(nested[1]!);
      last = lastChild = null;
      continue;
    }
    const bullet = /^( *)- `(\w+)` \(([^)]*)\)/.exec(line);
    if (bullet && bullet[1]!.length === 0) {
      last = { name: bullet[2]!, note: bullet[3]!, section, children: [], text: line };
      lastChild = null;
      items.push(last);
    } else if (bullet && last) {
      lastChild = { name: bullet[2]!, note: bullet[3]!, section, children: [], text: line };
      last.children.push(lastChild);
    } else if (/^\s+\S/.test(line) && last) {
      (lastChild ?? last).text += `\n${line}`;
    } else if (line.trim() === "") {
      lastChild = null;
    }
  }
  return { items, nestedHeadings };
}

function typeName(t: CtyType): string {
  if (t === "string") return "String";
  if (t === "number") return "Number";
  if (t === "bool") return "Bool";
  if (t[0] === "object") return "Object";
  return `${t[0][0]!.toUpperCase()}${t[0].slice(1)} of ${typeName(t[1] as CtyType)}`;
}

/**
 * The parentheses of a field under a nested-schema heading: its type, then its kind — which may be
 * left out for an optional field, never for a required one.
 */
function expectNestedNote(where: string, note: string, a: Attr) {
  const [type, kind] = note.split(", ");
  const want = a.required ? "Required" : a.optional ? "Optional" : "Read-Only";
  expect(`${where}: ${type}, ${kind ?? (a.required ? "(not said)" : want)}`).toBe(`${where}: ${typeName(a.type)}, ${want}`);
}

function topSection(a: Attr): string {
  if (a.required) return "Required";
  if (a.optional) return "Optional";
  return "Read-Only";
}

function blockNote(nesting: "single" | "list", maxItems?: number): string {
  return nesting === "list" ? "Block List" : `Block, max ${maxItems ?? 1}`;
}

/** Documented names must equal the schema's, in both directions (a clear list either way). */
function expectSameNames(where: string, documented: string[], actual: string[]) {
  const missing = actual.filter((n) => !documented.includes(n));
  const extra = documented.filter((n) => !actual.includes(n));
  expect({ where, undocumented: missing, notInSchema: extra }).toEqual({ where, undocumented: [], notInSchema: [] });
  expect(new Set(documented).size, `${where}: listed twice`).toBe(documented.length);
}

/** A resource or data source page: Required/Optional/Read-Only lists plus one heading per nested block. */
function checkTopLevel(page: string, block: Block) {
  const { items, nestedHeadings } = schemaSection(doc(page));
  const top = items.filter((i) => !i.section.startsWith("Nested Schema for"));
  const blocks = block.blocks ?? {};
  expectSameNames(
    `${page} top level`,
    top.map((i) => i.name),
    [...Object.keys(block.attributes), ...Object.keys(blocks)],
  );
  for (const item of top) {
    const attr = block.attributes[item.name];
    if (attr) {
      expect(`${item.name}: ${item.section}, ${item.note}`).toBe(`${item.name}: ${topSection(attr)}, ${typeName(attr.type)}`);
    } else {
      const b = blocks[item.name]!;
      expect(`${item.name}: ${item.note}`).toBe(`${item.name}: ${blockNote(b.nesting, b.maxItems)}`);
    }
  }
  checkNested(page, items, nestedHeadings, block);
  return items;
}

function checkNested(page: string, items: DocItem[], nestedHeadings: string[], block: Block) {
  const blocks = block.blocks ?? {};
  expectSameNames(`${page} nested schemas`, nestedHeadings, Object.keys(blocks));
  for (const [name, nb] of Object.entries(blocks)) {
    const fields = items.filter((i) => i.section === `Nested Schema for \`${name}\``);
    expectSameNames(
      `${page} ${name}`,
      fields.map((f) => f.name),
      Object.keys(nb.block.attributes),
    );
    for (const f of fields) expectNestedNote(`${page} ${name}.${f.name}`, f.note, nb.block.attributes[f.name]!);
  }
}

describe("provider docs match the provider's schemas", () => {
  it("docs/resources/vm.md documents every livevirt_vm attribute and block field, and no other", () => {
    const items = checkTopLevel("resources/vm.md", vmSchema.block);
    // last_move is an object: each of its fields is named in its bullet (as `field`), and the
    // fields described one by one below it exist.
    const lastMove = items.find((i) => i.name === "last_move")!;
    const objectType = vmSchema.block.attributes.last_move!.type;
    const fields = Object.keys((objectType as readonly ["object", Record<string, CtyType>])[1]);
    const mentioned = [lastMove.text, ...lastMove.children.map((c) => `\`${c.name}\``)].join("\n");
    for (const f of fields) expect(mentioned, `last_move.${f}`).toContain(`\`${f}\``);
    for (const c of lastMove.children) expect(fields, `last_move.${c.name} is documented but not in the schema`).toContain(c.name);
  });

  it("docs/data-sources/host.md documents every livevirt_host attribute, and no other", () => {
    checkTopLevel("data-sources/host.md", hostDataSchema.block);
  });

  it("docs/index.md documents the provider configuration: every host block field, and no other", () => {
    const { items, nestedHeadings } = schemaSection(doc("index.md"));
    expectSameNames(
      "index.md top level",
      items.filter((i) => !i.section.startsWith("Nested Schema for")).map((i) => i.name),
      Object.keys(providerSchema.block.attributes),
    );
    checkNested("index.md", items, nestedHeadings, providerSchema.block);
  });
});
