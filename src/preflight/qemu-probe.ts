/**
 * Runs the bare-QEMU post-copy probe (see qmp-probe.ts) ON the host, as the user libvirt runs
 * QEMU as. Running it as root on a host whose QEMU runs as libvirt-qemu would answer the wrong
 * question: userfaultfd permission is decided by that process's uid, groups and capabilities.
 */
import { QEMU_PROBE_ARGS, QMP_PROBE_INPUT, parseQmpProbe, type QmpProbeResult } from "./qmp-probe.js";
import { runOnHost } from "../hosts/shell.js";
import type { Host } from "../model/index.js";

export const QEMU_PROBE_TIMEOUT_MS = 5_000;

export interface QemuProbeRun extends QmpProbeResult {
  /** How it was run, for the report ("uid 0 (as libvirt runs it)", "setpriv uid 64055 …"). */
  ranAs: string;
  durationMs: number;
}

/**
 * argv for the probe. A non-root QEMU is started through setpriv with the user's supplementary
 * groups (--init-groups), as libvirt does when it drops to the configured user; its capabilities
 * are then empty, which is what libvirt gives a non-root QEMU with clear_emulator_capabilities=1.
 */
export function qemuProbeArgv(emulator: string, uid: number, gid: number, initGroups = true): string[] {
  const qemu = [emulator, ...QEMU_PROBE_ARGS];
  if (uid === 0) return qemu;
  return ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, initGroups ? "--init-groups" : "--clear-groups", ...qemu];
}

export async function runQemuProbe(
  target: Host,
  q: { emulator: string; uid: number; gid: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<QemuProbeRun | { unavailable: string }> {
  const started = Date.now();
  const timeoutMs = q.timeoutMs ?? QEMU_PROBE_TIMEOUT_MS;
  let argv = qemuProbeArgv(q.emulator, q.uid, q.gid);
  let r = await runOnHost(target, argv, { input: QMP_PROBE_INPUT, timeoutMs, signal: q.signal });
  // --init-groups needs a passwd entry for the uid; without one libvirt sets no extra groups either.
  if (r.kind === "ran" && r.exitCode !== 0 && /init-groups|not found/i.test(r.stderr) && !r.stdout.includes("QMP")) {
    argv = qemuProbeArgv(q.emulator, q.uid, q.gid, false);
    r = await runOnHost(target, argv, { input: QMP_PROBE_INPUT, timeoutMs, signal: q.signal });
  }
  if (r.kind === "unavailable") return { unavailable: r.reason };
  const parsed = parseQmpProbe(r.stdout, r.stderr);
  const ranAs = q.uid === 0 ? "uid 0 with its capabilities (as libvirt runs a root QEMU)" : `${argv.slice(0, 4).join(" ")} (as libvirt runs QEMU)`;
  if (parsed.postcopy === "unknown" && r.exitCode !== 0) {
    parsed.message += ` (exit ${r.exitCode}: ${r.stderr.trim().split("\n").slice(-1)[0] ?? ""})`;
  }
  return { ...parsed, ranAs, durationMs: Date.now() - started };
}
