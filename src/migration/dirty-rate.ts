/**
 * The dirty-rate hint for decide(), measured *alongside* the first pre-copy pass. QEMU reports no
 * dirty rate during pass 1, so without it `auto` can only judge a hot guest once the pass ends
 * (as late as virsh --postcopy-after-precopy).
 *
 * Why it costs nothing up front (measured in the lab, libvirt 11.3 / QEMU 10.0, TCG):
 * - `virsh domdirtyrate-calc` returns at once (~60–80 ms); QEMU then measures in its own thread.
 *   Started right before `virsh migrate`, the calculation runs during pass 1 and QEMU finishes it
 *   normally (42 MiB/s for a guest rewriting 40 MiB/s, migration running).
 * - The calc call itself takes a libvirt "modify" job: issued *during* a migration it waits for
 *   the migration's job (~30 s, then fails). So it must be issued before the migration starts.
 * - Reading the result (`domstats --dirtyrate`) is a "query" job, allowed during the migration
 *   (40–130 ms a call).
 *
 * Why a 2 s period (measured, 256 MiB guest rewriting 128 MiB, 8 readings each):
 *   guest MiB/s   1 s period    2 s period
 *        0        0 (all)       0 (all)
 *        8        6–14          4–10
 *       20        10–28         15–25
 *       40        24–50         33–53
 * Page sampling hashes 512 pages per GiB (128 here) and counts those that changed: a longer
 * period sees more changed pages, so less binomial noise. A hot guest's switch comes ~1 s later
 * than with 1 s, which costs far less than the misjudged borderline guests did.
 * While a guest boots it reads 56–67 MiB/s whatever its later rate: a move started then is judged
 * by that, and QEMU's own figure takes over once pass 1 ends (see decide.ts).
 */
import type { Host } from "../model/index.js";
import { readDirtyRate, startDirtyRateCalc, type DirtyRateStats } from "../libvirt/dirty-rate.js";
import type { DirtyRateSource, MoveLog } from "./monitor.js";
import type { MigrationSettings } from "./policy.js";
import { MIB } from "./progress.js";

/** Length of the page-sampling measurement, seconds (see the table above). */
export const HINT_PERIOD_S = 2;
/** Give up on a measurement this long after it should have finished. */
const OVERDUE_MS = 10_000;

/** Only `auto` in post-copy mode uses the hint. */
export function wantsDirtyRateHint(settings: MigrationSettings): boolean {
  return settings.mode === "postcopy" && settings.switch === "auto";
}

export interface ProbeDeps {
  /** The domain's last dirty-rate calculation (`domstats --dirtyrate`). */
  read(): Promise<DirtyRateStats>;
  /** What the host reported before we started ours: tells our result from an older one. */
  before: DirtyRateStats;
  periodS: number;
  /** Clock reading when the calculation was started. */
  startedAtMs: number;
  now: () => number;
  log: MoveLog;
  hostName: string;
}

/**
 * The reading side of a started calculation, polled by the monitor once per sample. It makes no
 * call before the period is over, and answers "unavailable" (never throws) when no result comes.
 */
export function dirtyRateProbe(d: ProbeDeps): DirtyRateSource {
  let settled: number | "unavailable" | undefined;
  let lastError = "";
  return {
    async poll() {
      if (settled !== undefined) return settled;
      const age = d.now() - d.startedAtMs;
      if (age < d.periodS * 1000) return "pending";
      let s: DirtyRateStats | undefined;
      try {
        s = await d.read();
      } catch (e) {
        // E.g. the stats call found the domain busy with another query: next sample.
        lastError = (e as Error).message;
      }
      // Ours started later than the one there before (host clock, 1 s resolution): a finished
      // earlier calculation started at least its period ago, so strictly later is always true.
      if (s?.status === "measured" && s.startTimeS > d.before.startTimeS && s.mibPerS !== undefined) {
        settled = s.mibPerS * MIB;
        d.log("info", `guest dirty rate during the first pass: ${s.mibPerS} MiB/s (${s.mode ?? "default mode"}, ${s.periodS} s)`, {
          dirtyRateMibPerS: s.mibPerS,
          measuredAfterMs: age,
        });
        return settled;
      }
      if (age > d.periodS * 1000 + OVERDUE_MS) {
        settled = "unavailable";
        d.log(
          "warn",
          `no dirty-rate result from ${d.hostName} ${Math.round(age / 1000)} s after starting it (${s ? `status ${s.status}` : lastError}); ` +
            `auto decides after the first pass`,
        );
        return settled;
      }
      return "pending";
    },
  };
}

/**
 * Starts the calculation on the source; call it right before the migration starts (see the top
 * of this file). Undefined when the host cannot measure (libvirt < 7.2 / QEMU < 5.2): `auto` then
 * judges after pass 1.
 */
export async function startDirtyRateProbe(
  from: Host,
  domain: string,
  log: MoveLog,
  signal?: AbortSignal,
  /** The host's last result, when the caller read it already (`domstats --dirtyrate`). */
  known?: DirtyRateStats,
): Promise<DirtyRateSource | undefined> {
  const opts = { timeoutMs: 10_000, signal };
  try {
    const before = known ?? (await readDirtyRate(from.uri, domain, opts));
    const startedAtMs = Date.now();
    await startDirtyRateCalc(from.uri, domain, { seconds: HINT_PERIOD_S }, opts);
    return dirtyRateProbe({
      read: () => readDirtyRate(from.uri, domain, { timeoutMs: 5_000 }),
      before,
      periodS: HINT_PERIOD_S,
      startedAtMs,
      now: Date.now,
      log,
      hostName: from.name,
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    log("warn", `cannot measure the guest's dirty rate on ${from.name} (${(e as Error).message}); auto decides after the first pass`);
    return undefined;
  }
}
