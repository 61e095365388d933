/**
 * Finding a process among the descendants of one we started, from /proc. Used to pause one
 * Terraform (SIGSTOP/SIGCONT) so that a concurrency test does not depend on how fast each side runs.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** The executable's name as the kernel keeps it (≤ 15 characters). */
  comm: string;
}

/** "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): ProcInfo | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(text.slice(close + 2).split(" ")[1]);
  return Number.isInteger(pid) && Number.isInteger(ppid) ? { pid, ppid, comm: text.slice(open + 1, close) } : undefined;
}

function allProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const p = parseStat(readFileSync(`/proc/${d}/stat`, "utf8"));
      if (p) out.push(p);
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

/** Every live descendant of `root` (not root itself). */
export function descendants(root: number): ProcInfo[] {
  const all = allProcesses();
  const found: ProcInfo[] = [];
  let frontier = new Set([root]);
  while (frontier.size > 0) {
    const next = all.filter((p) => frontier.has(p.ppid));
    found.push(...next);
    frontier = new Set(next.map((p) => p.pid));
  }
  return found;
}
