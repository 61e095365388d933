/**
 * `virsh domjobinfo [--completed]` in both forms: the human one ("Data remaining: 8.840 MiB") and
 * `--rawstats` ("data_remaining: 9269248"), and the same typed-parameter list that the
 * job-completed event carries. Sizes are bytes, times milliseconds.
 */
import { ParseError } from "../../errors.js";
import { keyValueLines } from "./key-value.js";
import { parseNumberWithUnit, parseRate, parseSize } from "./units.js";

export type JobType = "None" | "Bounded" | "Unbounded" | "Completed" | "Failed" | "Cancelled";

/** virDomainJobType order (raw stats print the number). */
const JOB_TYPES: readonly JobType[] = ["None", "Bounded", "Unbounded", "Completed", "Failed", "Cancelled"];

/** virDomainJobOperation order, with virsh's human wording. */
const OPERATIONS = [
  "Unknown",
  "Start",
  "Save",
  "Restore",
  "Incoming migration",
  "Outgoing migration",
  "Snapshot",
  "Snapshot revert",
  "Dump",
  "Backup",
  "Snapshot delete",
] as const;

export interface DomJobInfo {
  type: JobType;
  /** "Outgoing migration", "Incoming migration", … */
  operation?: string;
  timeElapsedMs?: number;
  timeElapsedNetMs?: number;
  dataProcessedBytes?: number;
  dataRemainingBytes?: number;
  dataTotalBytes?: number;
  memoryProcessedBytes?: number;
  memoryRemainingBytes?: number;
  memoryTotalBytes?: number;
  memoryBandwidthBytesPerSec?: number;
  /** Pages dirtied per second ("Dirty rate", raw memory_dirty_rate). */
  memoryDirtyRatePagesPerSec?: number;
  pageSizeBytes?: number;
  /** Pre-copy pass number (1 = first full pass). */
  iteration?: number;
  /** Pages the destination faulted in over the network after the post-copy switch. */
  postcopyRequests?: number;
  constantPages?: number;
  normalPages?: number;
  normalDataBytes?: number;
  expectedDowntimeMs?: number;
  /** Actual downtime; only in completed-job statistics. */
  downtimeMs?: number;
  downtimeNetMs?: number;
  setupTimeMs?: number;
  diskProcessedBytes?: number;
  diskRemainingBytes?: number;
  diskTotalBytes?: number;
  autoConvergeThrottlePercent?: number;
  /** Failed jobs: libvirt's reason. */
  errorMessage?: string;
  /** Whether numbers came from raw stats (exact) or the human form (3-decimal sizes). */
  exact: boolean;
  /** Fields this parser does not know, verbatim. */
  other: Record<string, string>;
}

type NumField = Exclude<keyof DomJobInfo, "type" | "operation" | "errorMessage" | "exact" | "other">;
type Conv = "size" | "rate" | "num";

/** Human label → field and how to read its value. */
const HUMAN: Record<string, [NumField, Conv]> = {
  "Time elapsed": ["timeElapsedMs", "num"],
  "Time elapsed w/o network": ["timeElapsedNetMs", "num"],
  "Data processed": ["dataProcessedBytes", "size"],
  "Data remaining": ["dataRemainingBytes", "size"],
  "Data total": ["dataTotalBytes", "size"],
  "Memory processed": ["memoryProcessedBytes", "size"],
  "Memory remaining": ["memoryRemainingBytes", "size"],
  "Memory total": ["memoryTotalBytes", "size"],
  "Memory bandwidth": ["memoryBandwidthBytesPerSec", "rate"],
  "Dirty rate": ["memoryDirtyRatePagesPerSec", "num"],
  "Page size": ["pageSizeBytes", "num"],
  Iteration: ["iteration", "num"],
  "Postcopy requests": ["postcopyRequests", "num"],
  "Constant pages": ["constantPages", "num"],
  "Normal pages": ["normalPages", "num"],
  "Normal data": ["normalDataBytes", "size"],
  "Expected downtime": ["expectedDowntimeMs", "num"],
  "Total downtime": ["downtimeMs", "num"],
  "Downtime w/o network": ["downtimeNetMs", "num"],
  "Setup time": ["setupTimeMs", "num"],
  "File processed": ["diskProcessedBytes", "size"],
  "File remaining": ["diskRemainingBytes", "size"],
  "File total": ["diskTotalBytes", "size"],
  "Auto converge throttle": ["autoConvergeThrottlePercent", "num"],
};

/** Raw typed-parameter name (VIR_DOMAIN_JOB_*) → field. */
const RAW: Record<string, NumField> = {
  time_elapsed: "timeElapsedMs",
  time_elapsed_net: "timeElapsedNetMs",
  data_processed: "dataProcessedBytes",
  data_remaining: "dataRemainingBytes",
  data_total: "dataTotalBytes",
  memory_processed: "memoryProcessedBytes",
  memory_remaining: "memoryRemainingBytes",
  memory_total: "memoryTotalBytes",
  memory_bps: "memoryBandwidthBytesPerSec",
  memory_dirty_rate: "memoryDirtyRatePagesPerSec",
  memory_page_size: "pageSizeBytes",
  memory_iteration: "iteration",
  memory_postcopy_requests: "postcopyRequests",
  memory_constant: "constantPages",
  memory_normal: "normalPages",
  memory_normal_bytes: "normalDataBytes",
  downtime: "downtimeMs",
  downtime_net: "downtimeNetMs",
  setup_time: "setupTimeMs",
  disk_processed: "diskProcessedBytes",
  disk_remaining: "diskRemainingBytes",
  disk_total: "diskTotalBytes",
  auto_converge_throttle: "autoConvergeThrottlePercent",
};

function fail(msg: string, text: string): never {
  throw new ParseError(`virsh domjobinfo: ${msg}`, "virsh domjobinfo", text.slice(0, 400));
}

function jobTypeFrom(value: string, text: string): JobType {
  if (/^\d+$/.test(value)) return JOB_TYPES[Number(value)] ?? fail(`unknown job type ${value}`, text);
  const t = JOB_TYPES.find((j) => j === value);
  return t ?? fail(`unknown job type "${value}"`, text);
}

/** Raw statistics ("key: value" lines, optionally tab-indented) into a DomJobInfo. */
export function jobInfoFromRawStats(type: JobType, stats: ReadonlyMap<string, string>, text = ""): DomJobInfo {
  const info: DomJobInfo = { type, exact: true, other: {} };
  for (const [key, value] of stats) {
    const field = RAW[key];
    if (field) {
      const n = Number(value);
      if (!Number.isFinite(n) || value.trim() === "") fail(`"${key}" is not a number: "${value}"`, text);
      info[field] = n;
    } else if (key === "operation") {
      info.operation = OPERATIONS[Number(value)] ?? `operation ${value}`;
    } else if (key === "errmsg") {
      info.errorMessage = value;
    } else {
      info.other[key] = value;
    }
  }
  return info;
}

function parseRaw(text: string, kv: Map<string, string>): DomJobInfo {
  const type = jobTypeFrom(kv.get("Job type")!, text);
  const stats = new Map(kv);
  stats.delete("Job type");
  return jobInfoFromRawStats(type, stats, text);
}

function parseHuman(text: string, kv: Map<string, string>): DomJobInfo {
  const info: DomJobInfo = { type: jobTypeFrom(kv.get("Job type")!, text), exact: false, other: {} };
  for (const [label, value] of kv) {
    if (label === "Job type") continue;
    if (label === "Operation") {
      info.operation = value;
      continue;
    }
    if (label === "Error message") {
      info.errorMessage = value;
      continue;
    }
    const spec = HUMAN[label];
    if (!spec) {
      info.other[label] = value;
      continue;
    }
    const [field, conv] = spec;
    const n = conv === "size" ? parseSize(value) : conv === "rate" ? parseRate(value) : parseNumberWithUnit(value);
    if (n === undefined) fail(`cannot read "${label}: ${value}"`, text);
    info[field] = n;
  }
  return info;
}

/** Parses either form; a raw one is recognised by its numeric "Job type". */
export function parseDomJobInfo(text: string): DomJobInfo {
  const kv = keyValueLines(text);
  const type = kv.get("Job type");
  if (type === undefined) fail('no "Job type" line', text);
  return /^\d+$/.test(type) ? parseRaw(text, kv) : parseHuman(text, kv);
}

/** Post-copy progress as nova computes it: 100 − remaining/total, or undefined if unknown. */
export function jobProgressPercent(info: DomJobInfo): number | undefined {
  const total = info.dataTotalBytes;
  const remaining = info.dataRemainingBytes;
  if (total === undefined || remaining === undefined || total === 0) return undefined;
  return Math.max(0, Math.min(100, 100 - (remaining / total) * 100));
}
