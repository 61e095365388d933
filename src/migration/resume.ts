/**
 * Recovery of a post-copy move whose link failed. After the switch there is no rollback: the
 * guest's vCPUs are on the destination while part of its memory is still only on the source, so
 * destroying either side loses the guest. Measured on the lab (libvirt 11.3 / QEMU 10.0, veth cut):
 *
 * - QEMU does not notice a cut link: its migration stream is plain TCP, which retransmits for
 *   ~15 min (tcp_retries2). The destination still says "running (post-copy)" (the guest is
 *   actually stalled on missing pages) and the source "paused (post-copy)".
 * - libvirt's keepalive on the peer-to-peer connection gives up after ~26–30 s: `virsh migrate`
 *   fails with "client socket is closed" and the source turns "paused (post-copy failed)" — but
 *   libvirt does not stop QEMU's stream.
 * - When the link returns, TCP delivers again (after its retransmission back-off: ~15 s after a
 *   40 s cut) and QEMU finishes the move by itself; libvirt completes it "unattended": the
 *   destination becomes "running (migrated)", persistent — but the source keeps its definition
 *   ("shut off (migrated)"), --undefinesource is not honoured on that path.
 * - `--postcopy-resume` is refused while QEMU's stream lives ("QEMU reports migration is still
 *   running"). Forcing the stream down (`domjobabort --postcopy`) makes a resume possible in
 *   principle, but on libvirt 11.3.0 every resume that reached the destination's prepare step
 *   crashed the destination's libvirtd (SIGSEGV in qemuProcessIncomingDefNew, which reads its
 *   fifth argument, the incoming fd pointer, unchecked — the resume's prepare step passes none;
 *   seen in gdb on 11.3.0, 5 of 5 attempts, also with an explicit --migrateuri). QEMU survives
 *   that, the daemon does not. libvirt 9.0 (Debian 12's own) resumes: measured on the lab with
 *   the sockets reset by `ss -K`, both QEMUs "post-copy failed" within 0.1 s, the resume done.
 *
 * - A resume needs the destination's QEMU to answer libvirt's `migrate-recover`. Measured on the
 *   lab (QEMU 7.2, TCG): when the stream broke in the first instant after the switch, the guest's
 *   interrupt delivery faulted on a page still on the source while holding QEMU's main lock
 *   (gdb: do_interrupt_all → tlb_fill → userfault), the monitor never answered, and the resume hung
 *   in the destination's prepare step until the move's timeout — both daemons keep that job until
 *   the destination QEMU goes. QEMU accepts migrate-recover out of band for this; libvirt does not
 *   use that. Broken once the guest ran on the destination (its hot pages there), resumes worked.
 *
 * So the recovery waits for the stream to come back and finishes what libvirt's unattended path
 * leaves undone (the stale source definition). A `--postcopy-resume` is issued only when both
 * QEMUs have really dropped the stream (destination "post-copy failed") and the destination's
 * libvirt is not one known to crash on it. Otherwise it reports, at the deadline, where the VM is.
 */
import type { Host } from "../model/index.js";
import { startMigration } from "../libvirt/migrate.js";
import type { MigrateOptions } from "../libvirt/migrate-args.js";
import { connect } from "../hosts/registry.js";
import { LIBVIRT_RECOVERY_MIN, RESUME_CRASHES_DESTINATION, canResumePostcopy } from "../libvirt/versions.js";
import type { Connection } from "../libvirt/virsh.js";
import type { HostView, HostViews } from "./errors.js";
import type { MoveLog } from "./monitor.js";
import { inspectBoth } from "./verify.js";

export interface ResumeOptions {
  domain: string;
  from: Host;
  to: Host;
  /** The options the move was started with (resume needs the same transport and flags). */
  migrate: MigrateOptions;
  deadline: number;
  /** How often both hosts are asked (default 2 s). */
  pollMs?: number;
  /** Pause between two resume attempts (default 5 s). */
  retryMs?: number;
  log: MoveLog;
}

/** What the two views say about a post-copy move that lost its link; pure. */
export type PostcopyPicture =
  /** Destination runs the guest normally, source has no running copy: the move is done. */
  | "completed"
  /** Both QEMUs dropped the stream: only a --postcopy-resume brings the missing pages. */
  | "needs-resume"
  /** The stream may still live (QEMU has not noticed the lost link): it continues when the link returns. */
  | "waiting"
  /** Anything else (a host did not answer, the guest is gone…): keep looking until the deadline. */
  | "unclear";

const postcopyReason = (v: HostView) => v.present === true && (v.state?.reason ?? "").startsWith("post-copy");
const isActive = (v: HostView) => v.present === true && v.state !== undefined && !["shut off", "crashed", "no state"].includes(v.state.state);

export function judgePostcopy(views: HostViews): PostcopyPicture {
  const { source: s, destination: d } = views;
  if (s.present === "unknown" || d.present === "unknown") return "unclear";
  if (d.present === true && d.state?.state === "running" && !postcopyReason(d) && !isActive(s)) return "completed";
  if (d.state?.reason === "post-copy failed" && (s.present === false || s.state?.reason === "post-copy failed")) return "needs-resume";
  if (postcopyReason(d) && postcopyReason(s)) return "waiting";
  return "unclear";
}

/**
 * The stale definition libvirt's unattended completion leaves on the source ("shut off
 * (migrated)") is what --undefinesource would have removed: remove it, but only when the
 * destination holds the persistent definition.
 */
export function staleSourceDefinition(views: HostViews): boolean {
  const { source: s, destination: d } = views;
  return s.present === true && s.state?.state === "shut off" && d.persistent === true;
}

/** How a post-copy move that lost its link was completed. */
export interface Recovery {
  /** "resume": a --postcopy-resume reconnected the QEMUs; "stream": QEMU's own stream came back. */
  by: "resume" | "stream";
  /** From the start of the recovery (libvirt had reported the lost link) to the move's completion. */
  ms: number;
  /** --postcopy-resume calls issued (0 for "stream"). */
  attempts: number;
}

/** How the move completed, or why it could not be: what the caller's error says after "lost its connection: ". */
export type RecoveryResult = { ok: true; recovery: Recovery } | { ok: false; why: string };

/** Completes a post-copy move that lost its connection (by itself or by a resume), until the deadline. */
export async function resumePostcopy(o: ResumeOptions): Promise<RecoveryResult> {
  const t0 = Date.now();
  const dest = o.to.migrationUri ?? o.to.uri;
  const pollMs = o.pollMs ?? 2_000;
  const retryMs = o.retryMs ?? 5_000;
  const src = connect(o.from, { timeoutMs: 15_000 });
  let destVersion: string | undefined;
  let lastPicture: PostcopyPicture | undefined;
  let lastProgressLog = 0;
  let nextResumeAt = 0;
  let issued = 0;
  while (Date.now() < o.deadline) {
    const views = await inspectBoth(o.from, o.to, o.domain);
    const picture = judgePostcopy(views);
    if (picture !== lastPicture) {
      o.log("info", `post-copy recovery: ${picture} (${o.from.name}: ${describe(views.source)}; ${o.to.name}: ${describe(views.destination)})`);
      lastPicture = picture;
    }
    if (picture === "completed") {
      if (staleSourceDefinition(views)) {
        o.log("info", `the move completed without libvirt's source clean-up: removing the stale definition on ${o.from.name}`);
        await src.undefine(o.domain, { missingOk: true });
      }
      const recovery: Recovery = { by: issued > 0 ? "resume" : "stream", ms: Date.now() - t0, attempts: issued };
      o.log(
        "info",
        `post-copy move recovered ${issued > 0 ? `by --postcopy-resume (${issued} ${issued === 1 ? "call" : "calls"})` : "by its own stream"} ` +
          `in ${(recovery.ms / 1000).toFixed(1)} s`,
      );
      return { ok: true, recovery };
    }
    if (picture === "waiting" && Date.now() - lastProgressLog >= 10_000) {
      lastProgressLog = Date.now();
      o.log("warn", `post-copy stream to ${o.to.name} stalled or recovering; waiting for the link (source: ${await sourceProgress(src, o.domain)})`);
    }
    if (picture === "needs-resume" && Date.now() >= nextResumeAt) {
      destVersion ??= await daemonVersion(o.to);
      if (destVersion !== undefined && !canResumePostcopy(destVersion)) {
        // Both QEMUs are paused waiting for a recovery: nothing comes back by itself, so waiting
        // for the deadline would only delay the answer.
        const why = RESUME_CRASHES_DESTINATION.includes(destVersion)
          ? "crashes on --postcopy-resume"
          : `has no --postcopy-resume (libvirt ≥ ${LIBVIRT_RECOVERY_MIN})`;
        o.log("warn", `post-copy stream lost on both hosts; not resuming: libvirt ${destVersion} on ${o.to.name} ${why}`);
        return { ok: false, why: `both QEMUs dropped the migration stream, and libvirt ${destVersion} on ${o.to.name} ${why}, so livevirt did not resume it` };
      } else {
        issued++;
        o.log("warn", `post-copy stream lost on both hosts; resuming the move (attempt ${issued})`, { host: o.to.name });
        const handle = startMigration(o.from.uri, o.domain, dest, {
          ...o.migrate,
          postcopy: true,
          postcopyResume: true,
          processTimeoutMs: Math.max(10_000, o.deadline - Date.now()),
        });
        try {
          await handle.done;
          o.log("info", "post-copy resume completed the move");
        } catch (e) {
          o.log("warn", `post-copy resume failed: ${(e as Error).message}`);
        }
        nextResumeAt = Date.now() + retryMs;
        continue; // look again at once: a successful resume shows as "completed"
      }
    }
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(0, o.deadline - Date.now()))));
  }
  return {
    ok: false,
    why:
      issued > 0
        ? `${issued} --postcopy-resume ${issued === 1 ? "call" : "calls"} did not complete it within the move's timeout`
        : "it did not complete within the move's timeout",
  };
}

function describe(v: HostView): string {
  if (v.present === "unknown") return "unknown";
  if (!v.present) return "absent";
  return v.state ? `${v.state.state} (${v.state.reason})` : "present";
}

async function sourceProgress(src: Connection, domain: string): Promise<string> {
  try {
    const j = await src.domJobInfo(domain, {}, { timeoutMs: 10_000 });
    const mib = (b: number | null | undefined) => (b == null ? "?" : `${(b / 1048576).toFixed(1)} MiB`);
    return `job ${j.type}, ${mib(j.dataProcessedBytes)} sent, ${mib(j.dataRemainingBytes)} remaining`;
  } catch (e) {
    return `no job info (${(e as Error).message})`;
  }
}

async function daemonVersion(host: Host): Promise<string | undefined> {
  try {
    return (await connect(host, { timeoutMs: 15_000 }).version()).daemon;
  } catch {
    return undefined;
  }
}
