/**
 * The move engine's settings: the VM's migration policy (src/model/migration.ts, where its
 * defaults and rules live) plus engine-only tuning. A separate type from MigrationPolicy because
 * it is a different thing: the policy *after* resolution for one move — the strategy may have
 * overridden the mode, the caller decides forceSwitchWhenEnabled from the hosts' QEMU, and the
 * switch heuristics have knobs users do not set (tests and benchmarks do).
 */
import { ValidationError } from "../errors.js";
import { MIGRATION_DEFAULTS, MODEL_SPELLING, migrationProblems, spell, type MigrationPolicy, type Problem } from "../model/index.js";

export interface MigrationSettings extends Pick<
  MigrationPolicy,
  "mode" | "switch" | "bandwidthMib" | "postcopyBandwidthMib" | "maxDowntimeMs" | "timeoutS" | "copyStorage"
> {
  /** switch = "timeout": switch after this many seconds per GiB of RAM (+ disk when copied). */
  timeoutPerGiBS?: number;
  /** switch = "stall": switch when an iteration removes less than this share of the remaining. */
  stallProgressPercent?: number;
  /**
   * Set by the caller (not the user) on QEMU < FORCED_SWITCH_BELOW_QEMU (src/libvirt/versions.ts):
   * there, once post-copy is enabled, the switch must always happen.
   */
  forceSwitchWhenEnabled: boolean;
}

export const DEFAULT_SETTINGS: Readonly<MigrationSettings> = Object.freeze({
  mode: MIGRATION_DEFAULTS.mode,
  switch: MIGRATION_DEFAULTS.switch,
  timeoutS: MIGRATION_DEFAULTS.timeoutS,
  // KubeVirt's completion timeout per GiB.
  timeoutPerGiBS: 150,
  // nova's 2016 rule: an iteration after the first made < 10 % progress.
  stallProgressPercent: 10,
  copyStorage: MIGRATION_DEFAULTS.copyStorage,
  forceSwitchWhenEnabled: false,
});

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
const NUMBERS = ["bandwidthMib", "postcopyBandwidthMib", "maxDowntimeMs", "timeoutS", "timeoutPerGiBS", "stallProgressPercent"];
const BOOLEANS = ["copyStorage", "forceSwitchWhenEnabled"];

function reject(field: string, value: unknown, problem: string, fix: string): never {
  const shown = typeof value === "string" ? `"${value}"` : String(value);
  throw new ValidationError(`migration setting ${field} = ${shown}: ${problem}`, { field, value: shown, fix });
}

const rejectProblem = (p: Problem): never => reject(p.field, p.value, spell(p.reason, MODEL_SPELLING), spell(p.fix, MODEL_SPELLING));

/** A whole number in [min, max] (the engine-only knobs; the policy's bounds are the model's). */
function wholeNumber(field: string, value: number, min: number, max: number, unit: string, fix: string): number {
  if (!Number.isInteger(value)) return reject(field, value, `must be a whole number of ${unit}`, fix);
  if (value < min || value > max) return reject(field, value, `must be between ${min} and ${max} ${unit}`, fix);
  return value;
}

/**
 * The engine's settings from a partial input (tests, benchmarks, the placement service): types
 * checked, the model's migration rules applied (first problem thrown as a ValidationError naming
 * field, value and fix), defaults filled.
 */
export function validateSettings(partial: Partial<MigrationSettings> | Record<string, unknown> = {}): MigrationSettings {
  const p = partial as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      reject(key, p[key], "is not a migration setting", `remove it or use one of ${KNOWN_KEYS.join(", ")}`);
    }
  }
  const has = (k: keyof MigrationSettings) => p[k] !== undefined;
  for (const k of NUMBERS) if (p[k] !== undefined && typeof p[k] !== "number") reject(k, p[k], "must be a number", `set ${k} to a number`);
  for (const k of BOOLEANS) if (p[k] !== undefined && typeof p[k] !== "boolean") reject(k, p[k], "must be true or false", `set ${k} to true or false`);
  for (const k of ["mode", "switch"]) if (p[k] !== undefined && typeof p[k] !== "string") reject(k, p[k], "must be a string", `set ${k} to a string`);
  const problems = migrationProblems(p, "");
  if (problems[0]) rejectProblem(problems[0]);

  const mode = (p.mode as MigrationSettings["mode"] | undefined) ?? DEFAULT_SETTINGS.mode;
  const sw = (p.switch as MigrationSettings["switch"] | undefined) ?? DEFAULT_SETTINGS.switch;
  // Settings that only mean something after a switch would be silently ignored in precopy mode.
  if (mode === "precopy") {
    for (const k of ["timeoutPerGiBS", "stallProgressPercent"] as const) {
      if (has(k)) reject(k, p[k], 'only applies to mode = "postcopy"', `remove ${k}, or set mode = "postcopy"`);
    }
  }
  // Tuning for one policy given with another is a mistake the user would not notice.
  if (has("timeoutPerGiBS") && sw !== "timeout") {
    reject("timeoutPerGiBS", p.timeoutPerGiBS, `only applies to switch = "timeout" (switch is "${sw}")`, 'remove timeoutPerGiBS, or set switch = "timeout"');
  }
  if (has("stallProgressPercent") && sw !== "stall") {
    reject(
      "stallProgressPercent",
      p.stallProgressPercent,
      `only applies to switch = "stall" (switch is "${sw}")`,
      'remove stallProgressPercent, or set switch = "stall"',
    );
  }

  const out: MigrationSettings = {
    mode,
    switch: sw,
    timeoutS: (p.timeoutS as number | undefined) ?? DEFAULT_SETTINGS.timeoutS,
    timeoutPerGiBS: has("timeoutPerGiBS")
      ? wholeNumber(
          "timeoutPerGiBS",
          p.timeoutPerGiBS as number,
          1,
          MAX_PER_GIB_S,
          "seconds",
          `set timeoutPerGiBS between 1 and ${MAX_PER_GIB_S} (KubeVirt uses 150)`,
        )
      : DEFAULT_SETTINGS.timeoutPerGiBS,
    stallProgressPercent: has("stallProgressPercent")
      ? wholeNumber("stallProgressPercent", p.stallProgressPercent as number, 1, 99, "percent", "set stallProgressPercent between 1 and 99 (nova used 10)")
      : DEFAULT_SETTINGS.stallProgressPercent,
    copyStorage: (p.copyStorage as boolean | undefined) ?? DEFAULT_SETTINGS.copyStorage,
    forceSwitchWhenEnabled: (p.forceSwitchWhenEnabled as boolean | undefined) ?? DEFAULT_SETTINGS.forceSwitchWhenEnabled,
  };
  for (const k of ["bandwidthMib", "postcopyBandwidthMib", "maxDowntimeMs"] as const) if (has(k)) Object.assign(out, { [k]: p[k] });
  return out;
}

/** The engine's settings for moving a VM under its declared policy. */
export function engineSettings(policy: MigrationPolicy, forceSwitchWhenEnabled = false): MigrationSettings {
  return validateSettings({
    mode: policy.mode,
    timeoutS: policy.timeoutS,
    copyStorage: policy.copyStorage,
    forceSwitchWhenEnabled,
    ...(policy.mode === "postcopy" ? { switch: policy.switch } : {}),
    ...(policy.bandwidthMib !== undefined ? { bandwidthMib: policy.bandwidthMib } : {}),
    ...(policy.postcopyBandwidthMib !== undefined ? { postcopyBandwidthMib: policy.postcopyBandwidthMib } : {}),
    ...(policy.maxDowntimeMs !== undefined ? { maxDowntimeMs: policy.maxDowntimeMs } : {}),
  });
}
