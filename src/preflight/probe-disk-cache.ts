/**
 * Passing probe verdicts on disk, for a few minutes. Terraform starts a new provider process for
 * `plan` and another for `apply`, and apply plans again: without this, one `cdktf deploy` of a
 * move runs the ~5 s throw-away probe move twice. With it, the apply-time plan reuses the
 * plan-time verdict as long as the key (probe-cache-key.ts) is unchanged and the entry is young.
 *
 * Only passes are stored. A stale pass costs at most what an "unknown" verdict already accepts: the
 * real move fails at the destination's prepare step and the VM keeps running on the source. A
 * stale *fail* would be worse and sticky: an operator who just fixed the host would still be
 * refused, or — under onUnsupported = "recreate" — their VM rebooted instead of moved. And
 * "unknown" (the probe could not run: link, daemon) is transient by nature.
 *
 * Settings (environment, read on each use; Terraform passes its environment to providers):
 *   LIVEVIRT_PROBE_CACHE_TTL_S  seconds an entry is trusted (default 600); 0 or "off" disables
 *   LIVEVIRT_CACHE_DIR          directory (default $XDG_CACHE_HOME/livevirt, else ~/.cache/livevirt)
 *
 * The directory must belong to us and not be writable by group or others (0700 when we create
 * it), and each entry likewise (0600): a planted passing entry would override failing checks.
 * Entries are written to a temporary file and renamed into place, so concurrent plans never read
 * half an entry. Anything unexpected — unreadable, corrupt, foreign, from the future — is a miss:
 * the probe runs again. Cache trouble never fails a plan; it is reported in the probe's finding.
 */
import { makeDirs } from "../fs-dirs.js";
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { errorText } from "./known.js";

export const DEFAULT_TTL_S = 600;
const FORMAT = 1;
/** A clock step back of up to this much does not void entries; larger "future" entries do. */
const CLOCK_SKEW_MS = 60_000;

export type Env = Readonly<Record<string, string | undefined>>;

export type DiskCacheConfig = { enabled: true; dir: string; ttlMs: number } | { enabled: false; why: string };

/** What is kept of a passing probe: the finding; the check itself is rebuilt by probe.ts. */
export interface ProbeCacheEntry {
  key: string;
  createdAt: number;
  found: string;
  durationMs: number;
  moveMs: number;
  switched: boolean;
}

export function diskCacheConfig(env: Env = process.env, home: () => string = homedir): DiskCacheConfig {
  const raw = env.LIVEVIRT_PROBE_CACHE_TTL_S?.trim();
  let ttlS = DEFAULT_TTL_S;
  if (raw !== undefined && raw !== "") {
    if (raw === "0" || raw.toLowerCase() === "off") return { enabled: false, why: "disabled (LIVEVIRT_PROBE_CACHE_TTL_S)" };
    if (!/^\d+$/.test(raw)) return { enabled: false, why: `disabled: LIVEVIRT_PROBE_CACHE_TTL_S="${raw}" is not a number of seconds` };
    ttlS = Number(raw);
  }
  const explicit = env.LIVEVIRT_CACHE_DIR?.trim();
  const xdg = env.XDG_CACHE_HOME?.trim();
  let dir: string;
  if (explicit) dir = explicit;
  // XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
  else if (xdg && isAbsolute(xdg)) dir = join(xdg, "livevirt");
  else {
    const h = home();
    if (!h) return { enabled: false, why: "disabled: no home directory and no XDG_CACHE_HOME or LIVEVIRT_CACHE_DIR" };
    dir = join(h, ".cache", "livevirt");
  }
  if (!isAbsolute(dir)) return { enabled: false, why: `disabled: cache directory "${dir}" is not absolute` };
  return { enabled: true, dir, ttlMs: ttlS * 1000 };
}

export function entryPath(dir: string, pairId: string): string {
  return join(dir, `probe-${pairId}.json`);
}

const uid = () => process.geteuid?.() ?? -1;

/** Why `path` (already lstat-ed) must not be trusted, or undefined when it is ours and private. */
function foreign(path: string, kind: "dir" | "file"): string | undefined {
  const s = lstatSync(path);
  if (kind === "dir" ? !s.isDirectory() : !s.isFile()) return `${path} is not a ${kind === "dir" ? "directory" : "regular file"}`;
  if (uid() >= 0 && s.uid !== uid()) return `${path} belongs to uid ${s.uid}, not us (${uid()})`;
  if ((s.mode & 0o022) !== 0) return `${path} is writable by group or others (mode ${(s.mode & 0o777).toString(8)})`;
  return undefined;
}

export type Lookup = { hit: ProbeCacheEntry } | { miss: string };

function isEntry(v: unknown): v is ProbeCacheEntry & { format: number } {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const finite = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0;
  return (
    o.format === FORMAT &&
    typeof o.key === "string" &&
    /^[0-9a-f]{64}$/.test(o.key) &&
    finite(o.createdAt) &&
    typeof o.found === "string" &&
    finite(o.durationMs) &&
    finite(o.moveMs) &&
    typeof o.switched === "boolean"
  );
}

/**
 * The entry at `file` when it is well-formed, ours and fresh; otherwise why not. Whether it is
 * for this set-up is the caller's question (entryMatches): the key needs the host facts, which
 * are worth waiting for only when a fresh entry exists.
 */
export function readEntry(file: string, ttlMs: number, now = Date.now()): Lookup {
  let text: string;
  try {
    const dirProblem = foreign(dirname(file), "dir");
    if (dirProblem) return { miss: `cache directory not trusted: ${dirProblem}` };
    const fileProblem = foreign(file, "file");
    if (fileProblem) return { miss: `entry not trusted: ${fileProblem}` };
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { miss: code === "ENOENT" ? "no entry" : `unreadable: ${errorText(e)}` };
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { miss: "corrupt entry (not JSON)" };
  }
  if (!isEntry(v)) return { miss: "corrupt entry (unexpected shape or format)" };
  if (v.createdAt > now + CLOCK_SKEW_MS) return { miss: "entry dated in the future" };
  const ageMs = now - v.createdAt;
  if (ageMs >= ttlMs) return { miss: `entry expired (${Math.round(ageMs / 1000)} s old, ttl ${Math.round(ttlMs / 1000)} s)` };
  const { format: _format, ...entry } = v;
  return { hit: entry };
}

/** The entry is for this key; otherwise why the probe must run again. */
export function entryMatches(e: ProbeCacheEntry, key: string): Lookup {
  return e.key === key ? { hit: e } : { miss: "hosts or probe changed since the entry was written" };
}

/** Writes `entry` atomically (temp file + rename), creating the directory 0700. Returns an error text or undefined. */
export function writeEntry(file: string, entry: ProbeCacheEntry): string | undefined {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    makeDirs(dir, 0o700);
    const dirProblem = foreign(dir, "dir");
    if (dirProblem) return `not written: ${dirProblem}`;
    // wx: never follow or reuse a file someone else put at the temporary name.
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, JSON.stringify({ format: FORMAT, ...entry }));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    return undefined;
  } catch (e) {
    rmSync(tmp, { force: true });
    return `not written: ${errorText(e)}`;
  }
}
