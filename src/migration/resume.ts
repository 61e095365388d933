/**
 * Recovery of a post-copy move whose link failed. After the switch there is no rollback: the
 * guest runs (or waits, paused "post-copy failed") on the destination while part of its memory is
 * still only on the source. The only way out is to resume the migration (libvirt ≥ 8.5
 * `--postcopy-resume`) once the hosts can talk again — destroying either side loses the guest.
 * So: retry the resume until it works or the move's time is up, then report exactly where it is.
 */
import type { HostTarget } from "../hosts.js";
import { startMigration } from "../libvirt/migrate.js";
import type { MigrateOptions } from "../libvirt/migrate-args.js";
import { inspectHost } from "./verify.js";
import type { MoveLog } from "./monitor.js";

export interface ResumeOptions {
  domain: string;
  from: HostTarget;
  to: HostTarget;
  /** The options the move was started with (resume needs the same transport and flags). */
  migrate: MigrateOptions;
  deadline: number;
  retryMs?: number;
  log: MoveLog;
}

/** True when a resume completed the move. */
export async function resumePostcopy(o: ResumeOptions): Promise<boolean> {
  const dest = o.to.migrationUri ?? o.to.uri;
  const retryMs = o.retryMs ?? 5_000;
  for (let attempt = 1; Date.now() < o.deadline; attempt++) {
    const d = await inspectHost(o.to, o.domain);
    if (d.present !== true || d.state?.reason !== "post-copy failed") {
      // Recovered by itself, or gone: nothing to resume; the caller looks again.
      o.log("info", `no post-copy resume needed on ${o.to.name}: ${d.state ? `${d.state.state} (${d.state.reason})` : "absent"}`);
      return d.present === true && d.state?.state === "running";
    }
    o.log("warn", `post-copy failed; resuming the move (attempt ${attempt})`, { host: o.to.name });
    const handle = startMigration(o.from.uri, o.domain, dest, {
      ...o.migrate,
      postcopy: true,
      postcopyResume: true,
      processTimeoutMs: Math.max(10_000, o.deadline - Date.now()),
    });
    try {
      await handle.done;
      o.log("info", "post-copy resume completed the move");
      return true;
    } catch (e) {
      o.log("warn", `post-copy resume failed: ${(e as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(retryMs, Math.max(0, o.deadline - Date.now()))));
  }
  return false;
}
