/**
 * Where a plan's fixed cost goes: one `terraform plan` run with TF_LOG=trace, read back into the
 * provider processes Terraform started and the phases of each — spawn to handshake (node start,
 * the bundle's modules, the TLS certificate, the socket), the provider's own start-up figure,
 * handshake to the first call, the calls it served, Shutdown to exit. Timestamps are Terraform's
 * (its log) and the provider's own log lines, which Terraform relays into the same file.
 */
import { readFileSync } from "node:fs";

export interface ProviderProcess {
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
  processes: ProviderProcess[];
  /** GetProviderSchema calls Terraform answered from its cache instead of asking a process. */
  cachedSchemaAnswers: number;
}

const TS = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)/;

/** Parses a TF_LOG=trace file of one command into its provider processes (which never overlap in a plan). */
export function parsePlanTrace(text: string): PlanTrace {
  const lines = text.split("\n").filter((l) => TS.test(l));
  const t = (l: string) => Date.parse(TS.exec(l)![1]!);
  const t0 = lines.length > 0 ? t(lines[0]!) : 0;
  const processes: ProviderProcess[] = [];
  let cur: (ProviderProcess & { handshakeAt?: number; firstCallAt?: number; shutdownAt?: number; startAbs: number }) | undefined;
  let cachedSchemaAnswers = 0;
  for (const l of lines) {
    const at = t(l);
    if (/\bprovider: starting plugin: path=.*livevirt/.test(l)) {
      cur = { startAbs: at, startedAt: at - t0, spawnToHandshakeMs: NaN, served: {}, lifetimeMs: NaN };
    } else if (!cur) {
      continue;
    } else if (/\bprovider: using plugin: version=/.test(l)) {
      cur.handshakeAt = at;
      cur.spawnToHandshakeMs = at - cur.startAbs;
    } else if (/plugin ready:/.test(l)) {
      const m = /startup_ms=(\d+)/.exec(l);
      if (m) cur.startupMs = Number(m[1]);
    } else if (/GRPCProvider\.v6: returning cached schema/.test(l)) {
      cachedSchemaAnswers += 1;
    } else if (/GRPCProvider\.v6: [A-Z]\w+\s*$/.test(l) && !/: Close\s*$/.test(l)) {
      if (cur.firstCallAt === undefined && cur.handshakeAt !== undefined) {
        cur.firstCallAt = at;
        cur.handshakeToFirstCallMs = at - cur.handshakeAt;
      }
    } else if (/provider\.terraform-provider-livevirt[^:]*: (\w+) done:/.test(l)) {
      const rpc = /provider\.terraform-provider-livevirt[^:]*: (\w+) done:/.exec(l)![1]!;
      cur.served[rpc] = (cur.served[rpc] ?? 0) + 1;
    } else if (/Shutdown requested/.test(l)) {
      cur.shutdownAt = at;
      if (cur.firstCallAt !== undefined) cur.callsMs = at - cur.firstCallAt;
    } else if (/\bprovider: plugin exited/.test(l)) {
      if (cur.shutdownAt !== undefined) cur.shutdownToExitMs = at - cur.shutdownAt;
      cur.lifetimeMs = at - cur.startAbs;
      const { handshakeAt: _h, firstCallAt: _f, shutdownAt: _s, startAbs: _a, ...done } = cur;
      processes.push(done);
      cur = undefined;
    }
  }
  const wallMs = lines.length > 1 ? t(lines[lines.length - 1]!) - t0 : 0;
  return { wallMs, processes, cachedSchemaAnswers };
}

export function readPlanTrace(path: string): PlanTrace {
  return parsePlanTrace(readFileSync(path, "utf8"));
}
