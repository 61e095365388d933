/**
 * hclog-compatible JSON logging on stderr. Terraform parses a stderr line as hclog only when it
 * has @level, @message and an @timestamp with exactly 6 fractional digits; anything else shows
 * up as unstructured noise. Level comes from TF_LOG_PROVIDER, then TF_LOG.
 */
export type Level = "trace" | "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
const OFF = 99;

export interface Logger {
  trace(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(module: string): Logger;
}

/** Terraform's own reading of TF_LOG: unset/"off" → nothing; "json" or unknown words → trace. */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.TF_LOG_PROVIDER || env.TF_LOG || "").trim().toLowerCase();
  if (raw === "" || raw === "off") return ORDER.warn; // warnings still help when users look at raw stderr
  if (raw in ORDER) return ORDER[raw as Level];
  return ORDER.trace;
}

/** 2025-01-02T03:04:05.123000Z — Go's hclog layout wants microseconds, JS has milliseconds. */
export function hclogTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export function createLogger(
  module = "provider.livevirt",
  threshold = levelFromEnv(),
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold || threshold === OFF) return;
    const rec = { "@level": level, "@message": msg, "@module": module, "@timestamp": hclogTimestamp(), ...fields };
    write(JSON.stringify(rec, errorReplacer) + "\n");
  };
  return {
    trace: (m, f) => emit("trace", m, f),
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (sub) => createLogger(`${module}.${sub}`, threshold, write),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}
