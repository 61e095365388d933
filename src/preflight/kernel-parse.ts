/**
 * Parsers for the host-local kernel facts (outputs as captured on the lab machine, see
 * shared/samples). Each returns undefined when the text does not answer the question, so the
 * caller can report "unknown" rather than guess.
 */

/** `uname -r` → "6.18.44-fc-v782". */
export function parseUnameRelease(text: string): string | undefined {
  const line = text.trim();
  return /^\d+\.\d+\S*$/.test(line) ? line : undefined;
}

/** "6.18.44-fc-v782" → [6, 18]. */
export function kernelMajorMinor(release: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function kernelAtLeast(release: string, major: number, minor: number): boolean | undefined {
  const v = kernelMajorMinor(release);
  if (!v) return undefined;
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

/**
 * /proc/kallsyms lines: the userfaultfd syscall entry is `__x64_sys_userfaultfd` (x86-64),
 * `__arm64_sys_userfaultfd`, … or plain `sys_userfaultfd` on older kernels. Only kernels built
 * with CONFIG_USERFAULTFD have it (otherwise the syscall is sys_ni_syscall).
 */
export function kallsymsHasUserfaultfd(text: string): boolean {
  return text.split("\n").some((l) => /^\S+\s+[Tt]\s+(?:__[a-z0-9]+_sys_userfaultfd|sys_userfaultfd)$/.test(l.trim()));
}

/** Kernel config text → CONFIG_USERFAULTFD: true (=y), false (not set / =n), undefined (absent). */
export function kernelConfigUserfaultfd(text: string): boolean | undefined {
  for (const l of text.split("\n")) {
    const line = l.trim();
    if (/^CONFIG_USERFAULTFD=y$/.test(line)) return true;
    if (/^CONFIG_USERFAULTFD=n$/.test(line) || /^# CONFIG_USERFAULTFD is not set$/.test(line)) return false;
  }
  return undefined;
}

/** A one-number sysctl file (`cat /proc/sys/vm/unprivileged_userfaultfd` → 0). */
export function parseSysctlInt(text: string): number | undefined {
  const line = text.trim();
  return /^-?\d+$/.test(line) ? Number(line) : undefined;
}

export interface DeviceStat {
  /** Permission bits, e.g. 0o600. */
  mode: number;
  uid: number;
  gid: number;
  owner: string;
  group: string;
}

/** The format string STAT_FORMAT below produces: "600 0 0 root root character special file". */
export const STAT_FORMAT = "%a %u %g %U %G %F";

export function parseDeviceStat(text: string): DeviceStat | undefined {
  const m = /^([0-7]{1,4}) (\d+) (\d+) (\S+) (\S+) character special file$/.exec(text.trim());
  if (!m) return undefined;
  return { mode: parseInt(m[1]!, 8), uid: Number(m[2]), gid: Number(m[3]), owner: m[4]!, group: m[5]! };
}

/** `ls -l` form (as in the captured samples): "crw------- 1 root root 10, 257 … /dev/userfaultfd". */
export function parseLsDevice(text: string, path = "/dev/userfaultfd"): { mode: number; owner: string; group: string } | undefined {
  for (const l of text.split("\n")) {
    const m = /^c([r-][w-][xsS-])([r-][w-][xsS-])([r-][w-][xtT-])\S*\s+\d+\s+(\S+)\s+(\S+)\s+\d+,\s*\d+\s.*\s(\S+)$/.exec(l.trim());
    if (!m || m[6] !== path) continue;
    const bits = (t: string) => (t[0] === "r" ? 4 : 0) + (t[1] === "w" ? 2 : 0) + (/[xst]/.test(t[2]!) ? 1 : 0);
    return { mode: (bits(m[1]!) << 6) | (bits(m[2]!) << 3) | bits(m[3]!), owner: m[4]!, group: m[5]! };
  }
  return undefined;
}

/** `id -G USER` → numeric group ids. */
export function parseIdGroups(text: string): number[] | undefined {
  const line = text.trim();
  return /^\d+( \d+)*$/.test(line) ? line.split(" ").map(Number) : undefined;
}

/** "0600" style for messages. */
export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
