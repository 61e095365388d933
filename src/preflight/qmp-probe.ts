/**
 * The bare-QEMU post-copy probe: a QEMU with no machine, waiting for an incoming migration, is
 * asked over QMP to enable `postcopy-ram`. That is the call libvirt makes on the destination at
 * the prepare step, and QEMU answers it by really opening userfaultfd (device first on QEMU ≥ 8.1,
 * then the syscall) — unlike `query-migrate-capabilities`, which always lists postcopy-ram.
 */
import type { Tri } from "./types.js";

/** Ids make the answers unambiguous even with events and stderr interleaved. */
export const QMP_PROBE_INPUT =
  [
    { execute: "qmp_capabilities", id: "lv-qmp" },
    { execute: "migrate-set-capabilities", arguments: { capabilities: [{ capability: "postcopy-ram", state: true }] }, id: "lv-postcopy" },
    { execute: "quit", id: "lv-quit" },
  ]
    .map((c) => JSON.stringify(c))
    .join("\n") + "\n";

/** argv after the emulator path. -no-user-config as libvirt does; nothing else is started. */
export const QEMU_PROBE_ARGS = ["-no-user-config", "-nodefaults", "-machine", "none", "-display", "none", "-incoming", "defer", "-qmp", "stdio"] as const;

export interface QmpProbeResult {
  postcopy: Tri;
  /** QEMU's own words ("Postcopy is not supported: Userfaultfd not available: …") or why unknown. */
  message: string;
  /** From the QMP greeting, e.g. "10.0.2". */
  qemuVersion?: string;
}

type QmpLine = {
  QMP?: { version?: { qemu?: { major: number; minor: number; micro: number } } };
  return?: unknown;
  error?: { desc?: string };
  event?: string;
  id?: string;
};

function lines(stdout: string): QmpLine[] {
  const out: QmpLine[] = [];
  for (const l of stdout.split("\n")) {
    const t = l.trim();
    if (!t.startsWith("{")) continue;
    try {
      out.push(JSON.parse(t) as QmpLine);
    } catch {
      // a partial line (QEMU killed mid-write): ignore
    }
  }
  return out;
}

export function parseQmpProbe(stdout: string, stderr = ""): QmpProbeResult {
  const all = lines(stdout);
  const v = all.find((l) => l.QMP)?.QMP?.version?.qemu;
  const qemuVersion = v ? `${v.major}.${v.minor}.${v.micro}` : undefined;
  const answers = all.filter((l) => !l.QMP && !l.event && ("return" in l || "error" in l));
  // With ids (our probe) pick by id; captured runs without ids answer in command order.
  const answer = answers.find((l) => l.id === "lv-postcopy") ?? (answers.some((l) => l.id !== undefined) ? undefined : answers[1]);
  const base = qemuVersion ? { qemuVersion } : {};
  // QEMU 7.2 prints the reason only on stderr ("postcopy_ram_supported_by_host: userfaultfd not available: …").
  const detail = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => /userfaultfd/i.test(l));
  if (!answer) {
    const why = stderr.trim().split("\n").slice(-2).join(" ").trim();
    return { ...base, postcopy: "unknown", message: `QEMU gave no answer to migrate-set-capabilities${why ? `: ${why}` : ""}` };
  }
  if ("return" in answer) return { ...base, postcopy: "yes", message: "QEMU enabled postcopy-ram" };
  const desc = answer.error?.desc ?? "error without description";
  if (/postcopy is not supported|userfaultfd/i.test(desc)) {
    const message = detail && !/userfaultfd/i.test(desc) ? `${desc} (${detail})` : desc;
    return { ...base, postcopy: "no", message };
  }
  return { ...base, postcopy: "unknown", message: `QEMU refused for another reason: ${desc}` };
}
