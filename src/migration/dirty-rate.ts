/**
 * The dirty-rate hint for decide(): QEMU reports no dirty rate during the first pre-copy pass, so
 * without a measurement taken beforehand `auto` can only judge a hot guest after pass 1 (as late
 * as virsh --postcopy-after-precopy). libvirt can measure it outside the job; it must be done
 * before the migration starts (during one it blocks ~30 s on the state lock, then fails).
 *
 * Cost measured in the lab (TCG): ~1.1 s with --seconds 1. Page sampling is noisy (28–54 MiB/s
 * for a guest rewriting 40 MiB/s); decide() treats it as a lower bound next to QEMU's figure.
 */
import type { HostTarget } from "../hosts.js";
import { measureDirtyRate } from "../libvirt/dirty-rate.js";
import type { MigrationSettings } from "./policy.js";
import { MIB } from "./progress.js";
import type { MoveLog } from "./monitor.js";

/** Only `auto` in post-copy mode uses the hint; others should not pay the second it costs. */
export function wantsDirtyRateHint(settings: MigrationSettings): boolean {
  return settings.mode === "postcopy" && settings.switch === "auto";
}

/** Bytes/s, or undefined when the host cannot measure (old libvirt/QEMU): auto then waits for pass 1. */
export async function measureDirtyRateHint(from: HostTarget, domain: string, log: MoveLog, signal?: AbortSignal): Promise<number | undefined> {
  try {
    const m = await measureDirtyRate(from.uri, domain, { seconds: 1, signal });
    log("info", `guest dirty rate before the move: ${m.mibPerS} MiB/s (${m.mode ?? "default mode"}, measured in ${m.durationMs} ms)`, {
      dirtyRateMibPerS: m.mibPerS,
      measureMs: m.durationMs,
    });
    return m.mibPerS * MIB;
  } catch (e) {
    if (signal?.aborted) throw e;
    log("warn", `could not measure the guest's dirty rate on ${from.name} (${(e as Error).message}); auto decides after the first pass`);
    return undefined;
  }
}
