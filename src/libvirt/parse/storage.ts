/** Storage pools and volumes: `virsh pool-list --all`, `pool-info --bytes`, `vol-dumpxml`. */
import { ParseError } from "../../errors.js";
import { keyValueLines } from "./key-value.js";
import { tableRows } from "./table.js";
import { attr, child, parseXmlRoot, text } from "./xml.js";
import { xmlMemoryToBytes } from "./units.js";

export interface PoolListEntry {
  name: string;
  active: boolean;
  autostart: boolean;
}

/** `virsh pool-list --all`. */
export function parsePoolList(out: string): PoolListEntry[] {
  return tableRows(out, "virsh pool-list", /^\s*Name\s+State\s+Autostart\s*$/, ["Name", "State", "Autostart"]).map(([name, state, auto]) => {
    if (!name || (state !== "active" && state !== "inactive") || (auto !== "yes" && auto !== "no"))
      throw new ParseError(`virsh pool-list: cannot read row "${[name, state, auto].join(" ")}"`, "virsh pool-list", out.slice(0, 300));
    return { name, active: state === "active", autostart: auto === "yes" };
  });
}

export interface PoolInfo {
  name: string;
  /** "running", "inactive", "building", "degraded", "inaccessible". */
  state: string;
  /** Sizes in bytes; absent while the pool is inactive (virsh prints none). */
  capacityBytes?: number;
  availableBytes?: number;
}

/** `virsh pool-info --bytes`. */
export function parsePoolInfo(out: string): PoolInfo {
  const kv = keyValueLines(out);
  const name = kv.get("Name");
  const state = kv.get("State");
  if (name === undefined || state === undefined) throw new ParseError("virsh pool-info: no Name/State", "virsh pool-info", out.slice(0, 300));
  const bytes = (k: string) => {
    const v = kv.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new ParseError(`virsh pool-info: ${k} "${v}" is not a byte count`, "virsh pool-info", out.slice(0, 300));
    return n;
  };
  return { name, state, capacityBytes: bytes("Capacity"), availableBytes: bytes("Available") };
}

export interface VolumeInfo {
  name: string;
  /** Where the volume is on the host (`<target><path>`). */
  path?: string;
  /** `<target><format type=…>`: "raw", "qcow2", … */
  format?: string;
  capacityBytes: number;
  /** Bytes the volume takes up on the host. */
  allocationBytes?: number;
}

/** `virsh vol-dumpxml`. */
export function parseVolumeXml(xml: string): VolumeInfo {
  const v = parseXmlRoot(xml, "volume", "virsh vol-dumpxml");
  const name = text(v, "name");
  const cap = child(v, "capacity");
  const capacityBytes = cap && xmlMemoryToBytes(text(cap) ?? "", attr(cap, "unit") ?? "bytes");
  if (name === undefined || capacityBytes === undefined) throw new ParseError("virsh vol-dumpxml: no name/capacity", "virsh vol-dumpxml", xml.slice(0, 400));
  const target = child(v, "target");
  const alloc = child(v, "allocation");
  const allocationBytes = alloc && xmlMemoryToBytes(text(alloc) ?? "", attr(alloc, "unit") ?? "bytes");
  return { name, path: text(target, "path"), format: attr(child(target, "format"), "type"), capacityBytes, allocationBytes };
}

/** "Storage volume not found: no storage vol with matching name 'x'" (vol-dumpxml, vol-info, vol-delete). */
export const isNoSuchVolume = (message: string): boolean => /\bStorage volume not found\b|\bno storage vol with matching\b|failed to get vol\b/i.test(message);
/** "Storage pool not found: no storage pool with matching name 'x'". */
export const isNoSuchPool = (message: string): boolean => /\bStorage pool not found\b|\bno storage pool with matching\b|failed to get pool\b/i.test(message);
