/**
 * `virsh domblkinfo DOMAIN TARGET`: sizes of one disk, in bytes.
 *   Capacity:       67108864     ← the guest-visible (virtual) size
 *   Allocation:     1314816
 *   Physical:       1376256
 */
import { ParseError } from "../../errors.js";
import { keyValueLines } from "./key-value.js";

export interface DomBlkInfo {
  capacityBytes: number;
  allocationBytes: number;
  physicalBytes: number;
}

export function parseDomBlkInfo(text: string): DomBlkInfo {
  const kv = keyValueLines(text);
  const num = (label: string): number => {
    const v = kv.get(label);
    if (v === undefined || !/^\d+$/.test(v)) throw new ParseError(`virsh domblkinfo: no integer "${label}:" line`, "virsh domblkinfo", text.slice(0, 200));
    return Number(v);
  };
  return { capacityBytes: num("Capacity"), allocationBytes: num("Allocation"), physicalBytes: num("Physical") };
}
