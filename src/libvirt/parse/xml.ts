/**
 * One XMLParser configuration for every libvirt XML we read. Attribute values and text stay
 * strings (libvirt UUIDs like "00000000-…" or versions must not become numbers); entities are
 * decoded by the library, never by hand.
 */
import { XMLParser } from "fast-xml-parser";
import { ParseError } from "../../errors.js";

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses `xml` and returns its root element `root` (throws ParseError if absent/invalid). */
export function parseXmlRoot(xml: string, root: string, what: string): XmlNode {
  let doc: XmlNode;
  try {
    doc = parser.parse(xml, true) as XmlNode;
  } catch (e) {
    throw new ParseError(`${what}: invalid XML (${(e as Error).message})`, what, xml.slice(0, 400));
  }
  const node = doc[root];
  if (node === undefined || node === null || typeof node !== "object") {
    throw new ParseError(`${what}: no <${root}> element`, what, xml.slice(0, 400));
  }
  return node as XmlNode;
}

/** Always an array: fast-xml-parser returns a single child as an object, several as an array. */
export function list(node: unknown): XmlNode[] {
  if (node === undefined || node === null) return [];
  const items = Array.isArray(node) ? node : [node];
  return items.map((n) => (typeof n === "object" && n !== null ? (n as XmlNode) : { "#text": String(n) }));
}

/** The child element `name` (first if repeated), or undefined. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return node === undefined ? undefined : list(node[name])[0];
}

/** Text content of the child `name` (or of `node` itself when name is omitted). */
export function text(node: XmlNode | undefined, name?: string): string | undefined {
  if (node === undefined) return undefined;
  const v = name === undefined ? node : node[name];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return text({ x: v[0] }, "x");
  if (typeof v === "object") {
    const t = (v as XmlNode)["#text"];
    return t === undefined ? "" : String(t);
  }
  return String(v);
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

/** Whether child `name` is present (libvirt uses empty elements as flags: `<live/>`). */
export function has(node: XmlNode | undefined, name: string): boolean {
  return node !== undefined && node[name] !== undefined;
}
