/**
 * The move's statistics, from the one place that has them. Measured in the lab (libvirt 11.3):
 * after a p2p --undefinesource move the source no longer knows the domain, so its
 * `domjobinfo --completed` fails ("failed to get domain"); the destination's says "Job type: None"
 * after post-copy. What remains is the source's job-completed event — so an event stream on the
 * source is opened before the migration starts and kept until the stats arrive.
 */
import type { Host } from "../model/index.js";
import { connect } from "../hosts/registry.js";
import type { DomJobInfo } from "../libvirt/parse/domjobinfo.js";
import type { LifecycleEvent } from "../libvirt/parse/events.js";
import type { MoveLog } from "./monitor.js";

export type StatsOrigin = "job-completed event" | "source completed job" | "last sample";

export interface SourceEvents {
  /** Resolves with the job-completed statistics, or undefined after `waitMs`. */
  completed(waitMs: number): Promise<DomJobInfo | undefined>;
  /** Lifecycle events seen so far ("Suspended Post-copy" confirms the switch on the source). */
  readonly lifecycle: readonly LifecycleEvent[];
  close(): Promise<void>;
}

/**
 * virsh prints nothing once its callback is registered; the job-completed event comes seconds
 * later at the earliest (end of the move), so a short settle time is enough in practice.
 */
export async function watchSourceEvents(from: Host, domain: string, log: MoveLog, settleMs = 300): Promise<SourceEvents> {
  const stream = connect(from).events({ domain });
  const lifecycle: LifecycleEvent[] = [];
  let stats: DomJobInfo | undefined;
  let gotStats!: () => void;
  const statsArrived = new Promise<void>((r) => (gotStats = r));
  const pump = (async () => {
    try {
      for await (const ev of stream) {
        if (ev.type === "lifecycle") {
          lifecycle.push(ev);
          log("debug", `source event: ${ev.event} ${ev.detail}`.trim(), { host: from.name });
        } else if (ev.type === "job-completed" && ev.domain === domain) {
          stats = ev.stats;
          gotStats();
        }
      }
    } catch (e) {
      log("debug", `source event stream ended: ${(e as Error).message}`, { host: from.name });
    }
  })();
  await new Promise((r) => setTimeout(r, settleMs));
  return {
    lifecycle,
    async completed(waitMs) {
      if (!stats) await Promise.race([statsArrived, new Promise((r) => setTimeout(r, waitMs))]);
      return stats;
    },
    async close() {
      await stream.close();
      await pump;
    },
  };
}

/**
 * Completed-job statistics: the event if it came, else the source's completed job (works when
 * the source still knows the domain, e.g. without --undefinesource), else undefined.
 */
export async function completedStats(
  events: SourceEvents,
  from: Host,
  domain: string,
  log: MoveLog,
  waitMs = 5_000,
): Promise<{ stats: DomJobInfo; origin: StatsOrigin } | undefined> {
  const ev = await events.completed(waitMs);
  if (ev) return { stats: ev, origin: "job-completed event" };
  try {
    const info = await connect(from, { timeoutMs: 10_000 }).domJobInfo(domain, { completed: true, keepCompleted: true });
    if (info.type === "Completed") return { stats: info, origin: "source completed job" };
  } catch (e) {
    log("debug", `no completed-job statistics on ${from.name}: ${(e as Error).message}`);
  }
  return undefined;
}
