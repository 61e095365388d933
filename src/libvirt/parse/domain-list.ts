/** `virsh list --all` table. */
import { ParseError } from "../../errors.js";

export interface DomainListEntry {
  /** Runtime id; null for inactive domains ("-"). */
  id: number | null;
  name: string;
  /** virsh state words: "running", "paused", "shut off", … */
  state: string;
}

/**
 * Columns are cut at the header's offsets rather than split on spaces: names and states may
 * contain spaces ("shut off"), and virsh pads every cell to its column width.
 */
export function parseDomainList(text: string): DomainListEntry[] {
  const lines = text.split(/\r?\n/);
  const headerIdx = lines.findIndex((l) => /^\s*Id\s+Name\s+State\s*$/.test(l));
  if (headerIdx < 0) throw new ParseError("virsh list: no header line", "virsh list", text.slice(0, 300));
  const header = lines[headerIdx]!;
  const nameAt = header.indexOf("Name");
  const stateAt = header.indexOf("State");
  const out: DomainListEntry[] = [];
  for (const line of lines.slice(headerIdx + 1)) {
    if (line.trim() === "" || /^-+$/.test(line.trim())) continue;
    const idText = line.slice(0, nameAt).trim();
    const name = line.slice(nameAt, stateAt).trim();
    const state = line.slice(stateAt).trim();
    if (name === "") throw new ParseError(`virsh list: cannot read row "${line}"`, "virsh list", line);
    out.push({ id: idText === "-" ? null : Number(idText), name, state });
  }
  return out;
}

/** `virsh list --name [--all]`: one name per line. */
export function parseNameList(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== "");
}
