/** One-value outputs: hostname, domuuid, migrate-getspeed, migrate-getmaxdowntime, freecell. */
import { ParseError } from "../../errors.js";

export function parseSingleLine(text: string, what: string): string {
  const line = text.trim();
  if (line === "" || line.includes("\n")) throw new ParseError(`${what}: expected one line`, what, text.slice(0, 200));
  return line;
}

export function parseInteger(text: string, what: string): number {
  const line = parseSingleLine(text, what);
  if (!/^\d+$/.test(line)) throw new ParseError(`${what}: expected an integer, got "${line}"`, what, line);
  return Number(line);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseUuid(text: string, what = "virsh domuuid"): string {
  const line = parseSingleLine(text, what);
  if (!UUID.test(line)) throw new ParseError(`${what}: not a UUID: "${line}"`, what, line);
  return line.toLowerCase();
}

/** `virsh freecell` (no cell): "Total: 3072 KiB" → bytes. */
export function parseFreecellTotal(text: string): number {
  const m = /^\s*Total:\s+(\d+)\s+KiB\s*$/m.exec(text);
  if (!m) throw new ParseError('virsh freecell: no "Total:" line', "virsh freecell", text.slice(0, 200));
  return Number(m[1]) * 1024;
}
