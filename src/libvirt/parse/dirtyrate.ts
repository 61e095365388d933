/**
 * `virsh domstats --dirtyrate DOMAIN` (libvirt ≥ 7.2): the result of the last
 * `domdirtyrate-calc`. Example (libvirt 11.3, QEMU 10.0):
 *
 *   Domain: 'mv-probe'
 *     dirtyrate.calc_status=2
 *     dirtyrate.calc_start_time=1795641097
 *     dirtyrate.calc_period=1
 *     dirtyrate.calc_mode=page-sampling
 *     dirtyrate.megabytes_per_second=34
 */
import { ParseError } from "../../errors.js";

/** virDomainDirtyRateStatus: 0 unstarted, 1 measuring, 2 measured. */
export type DirtyRateStatus = "unstarted" | "measuring" | "measured";
const STATUSES: readonly DirtyRateStatus[] = ["unstarted", "measuring", "measured"];

export interface DirtyRateStats {
  status: DirtyRateStatus;
  /** Host clock, seconds since the epoch, when the last calculation started (0: never). */
  startTimeS: number;
  /** Length of the last calculation, seconds. */
  periodS: number;
  /** "page-sampling", "dirty-bitmap" or "dirty-ring" (libvirt ≥ 8.1 reports it). */
  mode?: string;
  /** Present once measured. libvirt documents the unit as MiB/s despite the field name. */
  mibPerS?: number;
}

function fail(msg: string, text: string): never {
  throw new ParseError(`virsh domstats --dirtyrate: ${msg}`, "virsh domstats --dirtyrate", text.slice(0, 300));
}

function int(key: string, value: string | undefined, text: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) fail(`${key} is not a whole number: "${value}"`, text);
  return Number(value);
}

/** Parses the output for one domain (the first "Domain:" block if several are present). */
export function parseDirtyRateStats(text: string): DirtyRateStats {
  const kv = new Map<string, string>();
  let blocks = 0;
  for (const line of text.split(/\r?\n/)) {
    if (/^Domain: /.test(line)) {
      if (++blocks > 1) break;
      continue;
    }
    const m = /^\s+dirtyrate\.([\w.]+)=(.*)$/.exec(line);
    if (m) kv.set(m[1]!, m[2]!.trim());
  }
  if (blocks === 0) fail('no "Domain:" line', text);
  const code = int("calc_status", kv.get("calc_status"), text);
  if (code === undefined) fail("no dirtyrate.calc_status (libvirt < 7.2 or QEMU < 5.2?)", text);
  const status = STATUSES[code] ?? fail(`unknown calc_status ${code}`, text);
  const out: DirtyRateStats = {
    status,
    startTimeS: int("calc_start_time", kv.get("calc_start_time"), text) ?? 0,
    periodS: int("calc_period", kv.get("calc_period"), text) ?? 0,
  };
  const mode = kv.get("calc_mode");
  if (mode) out.mode = mode;
  const rate = int("megabytes_per_second", kv.get("megabytes_per_second"), text);
  if (rate !== undefined) out.mibPerS = rate;
  return out;
}
