/**
 * Where a plan's fixed cost goes: one `terraform plan` run with TF_LOG=trace, read back into the
 * provider processes Terraform started and the phases of each — spawn to handshake (node start,
 * the bundle's modules, the TLS certificate, the socket), the provider's own start-up figure,
 * handshake to the first call, the calls it served, Shutdown to exit. Timestamps are Terraform's
 * (its log) and the provider's own log lines, which Terraform relays into the same file; the file is
 * split into processes by the apply benchmark's reader (bench/apply-trace.ts).
 */
import { readFileSync } from "node:fs";
import { parseTrace } from "./apply-trace.js";

export interface ProcessPhases {
  /** ms after the terraform process's first log line. */
  startedAt: number;
  spawnToHandshakeMs: number;
  /** The provider's own `startup_ms` (node process start → socket listening, performance.now()). */
  startupMs?: number;
  handshakeToFirstCallMs?: number;
  /** Calls the provider itself answered (its "<RPC> done" lines), by name. */
  served: Record<string, number>;
  /** First call → Shutdown requested. */
  callsMs?: number;
  shutdownToExitMs?: number;
  lifetimeMs: number;
}

export interface PlanTrace {
  wallMs: number;
  processes: ProcessPhases[];
  /** GetProviderSchema calls Terraform answered from its cache instead of asking a process. */
  cachedSchemaAnswers: number;
}

/** A TF_LOG=trace file of one command (bench/apply-trace.ts reads it) as its livevirt provider processes, each one that ended. */
export function parsePlanTrace(text: string): PlanTrace {
  const t = parseTrace(text);
  const t0 = t.firstAt ?? 0;
  const processes = t.processes
    .filter((p) => /livevirt/.test(p.path) && p.exitAt !== null)
    .map((p): ProcessPhases => {
      const served: Record<string, number> = {};
      for (const r of p.rpcs) served[r.name] = (served[r.name] ?? 0) + 1;
      const since = (from: number | null, to: number | null) => (from !== null && to !== null ? to - from : undefined);
      return {
        startedAt: p.startAt - t0,
        spawnToHandshakeMs: since(p.startAt, p.handshakeAt) ?? NaN,
        ...(p.startupMs !== null ? { startupMs: p.startupMs } : {}),
        handshakeToFirstCallMs: since(p.handshakeAt, p.firstCallAt),
        served,
        callsMs: since(p.firstCallAt, p.shutdownAt),
        shutdownToExitMs: since(p.shutdownAt, p.exitAt),
        lifetimeMs: p.exitAt! - p.startAt,
      };
    });
  return { wallMs: t.firstAt !== null && t.lastAt !== null ? t.lastAt - t.firstAt : 0, processes, cachedSchemaAnswers: t.cachedSchemaAnswers };
}

export function readPlanTrace(path: string): PlanTrace {
  return parsePlanTrace(readFileSync(path, "utf8"));
}
