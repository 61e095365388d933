/**
 * Settings of one live migration: how it may run (pre-copy only, or pre-copy then post-copy) and
 * when the monitor switches. Validated once, at plan time, so that a move never starts with a
 * combination that would be silently ignored or refused halfway by libvirt.
 */
import { ValidationError } from "../errors.js";

export type MigrationMode = "postcopy" | "precopy";
export type SwitchPolicy = "auto" | "first-pass" | "stall" | "timeout";

export interface MigrationSettings {
  /** "precopy" never switches and aborts at the timeout; "postcopy" enables the switch. */
  mode: MigrationMode;
  /** When to switch to post-copy (mode "postcopy" only). */
  switch: SwitchPolicy;
  /** Pre-copy bandwidth cap, MiB/s (virsh --bandwidth). Unset: unlimited. */
  bandwidthMib?: number;
  /** Post-copy bandwidth cap, MiB/s (virsh --postcopy-bandwidth, libvirt ≥ 5.1). Unset: unlimited. */
  postcopyBandwidthMib?: number;
  /** Longest pause accepted for the final stop-and-copy (QEMU downtime-limit). Unset: QEMU's 300 ms. */
  maxDowntimeMs?: number;
  /** Overall limit for pre-copy: precopy mode aborts, postcopy mode switches. */
  timeoutS: number;
  /** switch = "timeout": switch after this many seconds per GiB of RAM (+ disk when copied). */
  timeoutPerGiBS?: number;
  /** switch = "stall": switch when an iteration removes less than this share of the remaining. */
  stallProgressPercent?: number;
  /** Copy non-shared disks too (--copy-storage-all). */
  copyStorage: boolean;
  /**
   * Set by the caller (not the user) on QEMU < 8: there, guests whose move had post-copy enabled
   * but converged in pre-copy crashed later (~4 % under 7.2 TCG), so the switch must always happen.
   */
  forceSwitchWhenEnabled: boolean;
}

/** QEMU's default downtime-limit, used when maxDowntimeMs is unset. */
export const QEMU_DEFAULT_MAX_DOWNTIME_MS = 300;

export const DEFAULT_SETTINGS: Readonly<MigrationSettings> = Object.freeze({
  mode: "postcopy",
  switch: "auto",
  // 30 min, as the bpg/proxmox provider: a Terraform apply should fail rather than hang.
  timeoutS: 1800,
  // KubeVirt's completion timeout per GiB.
  timeoutPerGiBS: 150,
  // nova's 2016 rule: an iteration after the first made < 10 % progress.
  stallProgressPercent: 10,
  copyStorage: false,
  forceSwitchWhenEnabled: false,
});

/** Sanity bounds: beyond them a value is a typo (unit mix-up), not a wish. */
const MAX_BANDWIDTH_MIB = 1_000_000; // ~8 Tbit/s
const MAX_DOWNTIME_MS = 60_000; // a minute-long pause is no longer a live migration
const MAX_TIMEOUT_S = 7 * 24 * 3600;
const MAX_PER_GIB_S = 3600;

const KNOWN_KEYS: readonly (keyof MigrationSettings)[] = [
  "mode",
  "switch",
  "bandwidthMib",
  "postcopyBandwidthMib",
  "maxDowntimeMs",
  "timeoutS",
  "timeoutPerGiBS",
  "stallProgressPercent",
  "copyStorage",
  "forceSwitchWhenEnabled",
];

function reject(field: string, value: unknown, problem: string, fix: string): never {
  const shown = typeof value === "string" ? `"${value}"` : String(value);
  throw new ValidationError(`migration setting ${field} = ${shown}: ${problem}`, { field, value: shown, fix });
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  return reject(field, value, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`, `set ${field} to one of ${allowed.join(", ")}`);
}

function bool(field: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  return reject(field, value, "must be true or false", `set ${field} to true or false`);
}

/** A whole number in [min, max]; libvirt takes these as unsigned integers. */
function wholeNumber(field: string, value: unknown, min: number, max: number, unit: string, fix: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return reject(field, value, "must be a number", fix);
  if (!Number.isInteger(value)) return reject(field, value, `must be a whole number of ${unit}`, fix);
  if (value < min) return reject(field, value, `must be at least ${min} ${unit}`, fix);
  if (value > max) return reject(field, value, `must be at most ${max} ${unit}`, fix);
  return value;
}

/**
 * Fills defaults and rejects what cannot work or contradicts itself. Accepts unknown input (it comes
 * from user configuration); every error names the field, the value and the fix.
 */
export function validateSettings(partial: Partial<MigrationSettings> | Record<string, unknown> = {}): MigrationSettings {
  const p = partial as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      reject(key, p[key], "is not a migration setting", `remove it or use one of ${KNOWN_KEYS.join(", ")}`);
    }
  }
  const has = (k: keyof MigrationSettings) => p[k] !== undefined;

  const mode = has("mode") ? oneOf("mode", p.mode, ["postcopy", "precopy"] as const) : DEFAULT_SETTINGS.mode;
  const sw = has("switch") ? oneOf("switch", p.switch, ["auto", "first-pass", "stall", "timeout"] as const) : DEFAULT_SETTINGS.switch;

  // Settings that only mean something after a switch would be silently ignored in precopy mode.
  if (mode === "precopy") {
    for (const k of ["switch", "postcopyBandwidthMib", "timeoutPerGiBS", "stallProgressPercent"] as const) {
      if (has(k)) reject(k, p[k], 'only applies to mode = "postcopy"', `remove ${k}, or set mode = "postcopy"`);
    }
  }
  // Tuning for one policy given with another is a mistake the user would not notice.
  if (has("timeoutPerGiBS") && sw !== "timeout") {
    reject("timeoutPerGiBS", p.timeoutPerGiBS, `only applies to switch = "timeout" (switch is "${sw}")`, 'remove timeoutPerGiBS, or set switch = "timeout"');
  }
  if (has("stallProgressPercent") && sw !== "stall") {
    reject("stallProgressPercent", p.stallProgressPercent, `only applies to switch = "stall" (switch is "${sw}")`, 'remove stallProgressPercent, or set switch = "stall"');
  }

  const out: MigrationSettings = {
    mode,
    switch: sw,
    timeoutS: has("timeoutS")
      ? wholeNumber("timeoutS", p.timeoutS, 1, MAX_TIMEOUT_S, "seconds", `set timeoutS between 1 and ${MAX_TIMEOUT_S} (default ${DEFAULT_SETTINGS.timeoutS})`)
      : DEFAULT_SETTINGS.timeoutS,
    timeoutPerGiBS: has("timeoutPerGiBS")
      ? wholeNumber("timeoutPerGiBS", p.timeoutPerGiBS, 1, MAX_PER_GIB_S, "seconds", `set timeoutPerGiBS between 1 and ${MAX_PER_GIB_S} (KubeVirt uses 150)`)
      : DEFAULT_SETTINGS.timeoutPerGiBS,
    stallProgressPercent: has("stallProgressPercent")
      ? wholeNumber("stallProgressPercent", p.stallProgressPercent, 1, 99, "percent", "set stallProgressPercent between 1 and 99 (nova used 10)")
      : DEFAULT_SETTINGS.stallProgressPercent,
    copyStorage: has("copyStorage") ? bool("copyStorage", p.copyStorage) : DEFAULT_SETTINGS.copyStorage,
    forceSwitchWhenEnabled: has("forceSwitchWhenEnabled")
      ? bool("forceSwitchWhenEnabled", p.forceSwitchWhenEnabled)
      : DEFAULT_SETTINGS.forceSwitchWhenEnabled,
  };
  // 0 would mean "unlimited" to some libvirt versions and "nothing" to a reader: make it explicit.
  const bwFix = (k: string) => `set ${k} between 1 and ${MAX_BANDWIDTH_MIB} MiB/s, or leave it unset for unlimited`;
  if (has("bandwidthMib")) out.bandwidthMib = wholeNumber("bandwidthMib", p.bandwidthMib, 1, MAX_BANDWIDTH_MIB, "MiB/s", bwFix("bandwidthMib"));
  if (has("postcopyBandwidthMib")) {
    out.postcopyBandwidthMib = wholeNumber("postcopyBandwidthMib", p.postcopyBandwidthMib, 1, MAX_BANDWIDTH_MIB, "MiB/s", bwFix("postcopyBandwidthMib"));
  }
  if (has("maxDowntimeMs")) {
    out.maxDowntimeMs = wholeNumber("maxDowntimeMs", p.maxDowntimeMs, 1, MAX_DOWNTIME_MS, "ms", `set maxDowntimeMs between 1 and ${MAX_DOWNTIME_MS} ms, or leave it unset for QEMU's ${QEMU_DEFAULT_MAX_DOWNTIME_MS} ms`);
  }
  return out;
}
