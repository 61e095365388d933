/** `virsh net-list --all` table. */
import { ParseError } from "../../errors.js";
import { tableRows } from "./table.js";

export interface NetworkListEntry {
  name: string;
  active: boolean;
  autostart: boolean;
  persistent: boolean;
}

/** Columns cut at the header's offsets, as `parseDomainList` does (virsh pads every cell). */
export function parseNetworkList(text: string): NetworkListEntry[] {
  const columns = ["Name", "State", "Autostart", "Persistent"];
  return tableRows(text, "virsh net-list", /^\s*Name\s+State\s+Autostart\s+Persistent\s*$/, columns).map((cells) => {
    const [name, state, autostart, persistent] = cells as [string, string, string, string];
    const row = cells.join(" ");
    const yes = (cell: string) => {
      if (cell === "yes") return true;
      if (cell === "no") return false;
      throw new ParseError(`virsh net-list: "${cell}" is neither yes nor no in row "${row}"`, "virsh net-list", row);
    };
    if (name === "" || (state !== "active" && state !== "inactive")) throw new ParseError(`virsh net-list: cannot read row "${row}"`, "virsh net-list", row);
    return { name, active: state === "active", autostart: yes(autostart), persistent: yes(persistent) };
  });
}
