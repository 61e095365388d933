/** `virsh net-list --all` table. */
import { ParseError } from "../../errors.js";

export interface NetworkListEntry {
  name: string;
  active: boolean;
  autostart: boolean;
  persistent: boolean;
}

/** Columns cut at the header's offsets, as `parseDomainList` does (virsh pads every cell). */
export function parseNetworkList(text: string): NetworkListEntry[] {
  const lines = text.split(/\r?\n/);
  const headerIdx = lines.findIndex((l) => /^\s*Name\s+State\s+Autostart\s+Persistent\s*$/.test(l));
  if (headerIdx < 0) throw new ParseError("virsh net-list: no header line", "virsh net-list", text.slice(0, 300));
  const header = lines[headerIdx]!;
  const at = (col: string) => header.indexOf(col);
  const [stateAt, autoAt, persAt] = [at("State"), at("Autostart"), at("Persistent")];
  const yes = (cell: string, row: string) => {
    if (cell === "yes") return true;
    if (cell === "no") return false;
    throw new ParseError(`virsh net-list: "${cell}" is neither yes nor no in row "${row}"`, "virsh net-list", row);
  };
  const out: NetworkListEntry[] = [];
  for (const line of lines.slice(headerIdx + 1)) {
    if (line.trim() === "" || /^-+$/.test(line.trim())) continue;
    const name = line.slice(0, stateAt).trim();
    const state = line.slice(stateAt, autoAt).trim();
    if (name === "" || (state !== "active" && state !== "inactive")) throw new ParseError(`virsh net-list: cannot read row "${line}"`, "virsh net-list", line);
    out.push({ name, active: state === "active", autostart: yes(line.slice(autoAt, persAt).trim(), line), persistent: yes(line.slice(persAt).trim(), line) });
  }
  return out;
}
