/** How a host change moves a running VM: the policy a user declares, its defaults and rules. */
import { assign, oneOf, ref, wholeNumber, type Problem } from "./problem.js";

export const MIGRATION_MODES = ["postcopy", "precopy"] as const;
export const SWITCH_POLICIES = ["auto", "first-pass", "stall", "timeout"] as const;
export const ON_UNSUPPORTED = ["fail", "precopy", "recreate"] as const;
/**
 * Encryption of the migration data (QEMU's native TLS, `virsh migrate --tls`): "auto" encrypts
 * when both hosts have valid QEMU TLS material (checked at plan time) and moves in clear otherwise,
 * saying so in the plan; "required" refuses a move that cannot be encrypted; "off" never encrypts.
 */
export const MIGRATION_TLS = ["auto", "required", "off"] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];
export type SwitchPolicy = (typeof SWITCH_POLICIES)[number];
export type OnUnsupported = (typeof ON_UNSUPPORTED)[number];
export type MigrationTls = (typeof MIGRATION_TLS)[number];

/** The VM's migration policy, defaults resolved (also when the user wrote none). */
export interface MigrationPolicy {
  /** "precopy" never switches and aborts at the timeout; "postcopy" may switch. @default "postcopy" */
  readonly mode: MigrationMode;
  /** When pre-copy switches to post-copy (mode "postcopy" only). @default "auto" */
  readonly switch: SwitchPolicy;
  /** What a host change does when the hosts cannot post-copy. @default "fail" */
  readonly onUnsupported: OnUnsupported;
  /** Pre-copy bandwidth limit, MiB/s. @default unlimited */
  readonly bandwidthMib?: number;
  /** Post-copy bandwidth limit, MiB/s (mode "postcopy" only). @default unlimited */
  readonly postcopyBandwidthMib?: number;
  /** Longest tolerated pause for the final stop-and-copy, ms. @default QEMU's 300 ms */
  readonly maxDowntimeMs?: number;
  /** Give up on the move (pre-copy: abort; post-copy: switch) after this many seconds. @default 600 */
  readonly timeoutS: number;
  /** Copy non-shared disks during the move. @default false */
  readonly copyStorage: boolean;
  /** Run a throw-away post-copy move between the hosts at plan time (authoritative). @default true */
  readonly probe: boolean;
  /** Encrypt the migration data with QEMU's TLS: "auto" when both hosts are ready, "required", "off". @default "auto" */
  readonly tls: MigrationTls;
}

/** The one set of defaults: the provider's schema, the constructs' docs and the move engine use these. */
export const MIGRATION_DEFAULTS = {
  mode: "postcopy",
  switch: "auto",
  onUnsupported: "fail",
  // 10 min: a Terraform apply should fail rather than hang; what users see documented.
  timeoutS: 600,
  copyStorage: false,
  probe: true,
  // Encrypt whenever both hosts are set up for it: an operator who installed the certificates
  // wants them used, and the plan says which way each move goes.
  tls: "auto",
} as const satisfies Omit<MigrationPolicy, "bandwidthMib" | "postcopyBandwidthMib" | "maxDowntimeMs">;

/** QEMU's own downtime-limit, used when maxDowntimeMs is unset. */
export const QEMU_DEFAULT_MAX_DOWNTIME_MS = 300;

/** Sanity bounds: beyond them a value is a typo (unit mix-up), not a wish. */
export const BANDWIDTH_MIB_RANGE = [1, 1_000_000] as const; // ~8 Tbit/s; 0 would mean "unlimited" to some libvirt versions
export const MAX_DOWNTIME_MS_RANGE = [1, 60_000] as const; // a minute-long pause is no longer a live migration
export const TIMEOUT_S_RANGE = [1, 7 * 24 * 3600] as const;

/** The policy with defaults filled in for everything left out. */
export function resolveMigration(m: Partial<MigrationPolicy> | null | undefined): MigrationPolicy {
  const out: { -readonly [K in keyof MigrationPolicy]: MigrationPolicy[K] } = { ...MIGRATION_DEFAULTS };
  for (const [k, v] of Object.entries(m ?? {})) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Every problem with a migration policy (`at` is its field id: "migration" in a VM, "" for the
 * engine's bare settings). Values of another type than the rule's are not checked here.
 */
export function migrationProblems(m: Readonly<Record<string, unknown>> | null | undefined, at = "migration"): Problem[] {
  const out: Problem[] = [];
  if (!m || typeof m !== "object") return out;
  const f = (k: string) => (at ? `${at}.${k}` : k);
  oneOf(out, f("mode"), m.mode, MIGRATION_MODES);
  oneOf(out, f("switch"), m.switch, SWITCH_POLICIES);
  oneOf(out, f("onUnsupported"), m.onUnsupported, ON_UNSUPPORTED);
  oneOf(out, f("tls"), m.tls, MIGRATION_TLS);
  const unset = ", or leave it unset for unlimited";
  wholeNumber(out, f("bandwidthMib"), m.bandwidthMib, BANDWIDTH_MIB_RANGE, "MiB/s", unset);
  wholeNumber(out, f("postcopyBandwidthMib"), m.postcopyBandwidthMib, BANDWIDTH_MIB_RANGE, "MiB/s", unset);
  wholeNumber(out, f("maxDowntimeMs"), m.maxDowntimeMs, MAX_DOWNTIME_MS_RANGE, "ms", `, or leave it unset for QEMU's ${QEMU_DEFAULT_MAX_DOWNTIME_MS} ms`);
  wholeNumber(out, f("timeoutS"), m.timeoutS, TIMEOUT_S_RANGE, "seconds", ` (default ${MIGRATION_DEFAULTS.timeoutS})`);
  // Settings that only mean something after a switch would be silently ignored by a pre-copy move.
  if (m.mode === "precopy") {
    if (typeof m.switch === "string" && m.switch !== "auto") {
      out.push({
        field: f("switch"),
        value: m.switch,
        reason: "only applies to post-copy moves",
        fix: `remove ${ref(f("switch"))}, or set ${assign(f("mode"), "postcopy")}`,
      });
    }
    if (typeof m.postcopyBandwidthMib === "number") {
      out.push({
        field: f("postcopyBandwidthMib"),
        value: m.postcopyBandwidthMib,
        reason: "only applies to post-copy moves",
        fix: `remove ${ref(f("postcopyBandwidthMib"))}, or set ${assign(f("mode"), "postcopy")}`,
      });
    }
  }
  return out;
}
