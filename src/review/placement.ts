/**
 * Where every VM of the plan is before and after it, per host (pure): the picture a reviewer of a
 * drain or a rebalance needs — each host's VMs and memory before and after against its declared
 * capacity, what comes in and goes out, cordoned and draining hosts marked. Rendered as a table
 * (Markdown, HTML) and as a self-contained SVG (the HTML inlines it; `npm run review` writes it
 * beside review.md, which links it).
 */
import { VM_DEFAULTS } from "../model/index.js";
import { escapeHtml as esc } from "./escape.js";
import type { PlanHost, VmChange } from "./plan-json.js";

export type PlacementChange = "moves" | "created" | "destroyed" | "replaced" | "updated" | "unchanged";

export interface PlacedVm {
  vm: string;
  before?: { host: string; memoryMib: number };
  /** Absent for a destroyed VM; host "(after apply)" when the plan does not know it yet. */
  after?: { host: string; memoryMib: number };
  change: PlacementChange;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const num = (v: unknown) => (typeof v === "number" ? v : undefined);

function side(a: Record<string, unknown> | null): { host: string; memoryMib: number } | undefined {
  if (!a) return undefined;
  return { host: str(a.host) ?? "(after apply)", memoryMib: num(a.memory_mib) ?? VM_DEFAULTS.memoryMib };
}

export function placementOf(vms: readonly VmChange[]): PlacedVm[] {
  const out: PlacedVm[] = [];
  for (const c of vms) {
    if (c.action === "read") continue;
    const vm = str(c.after?.name) ?? str(c.before?.name) ?? c.address;
    const before = c.action === "create" ? undefined : side(c.before);
    const after = c.action === "delete" ? undefined : side(c.after);
    const change: PlacementChange =
      c.action === "create"
        ? "created"
        : c.action === "delete"
          ? "destroyed"
          : c.action === "replace"
            ? "replaced"
            : c.action === "update"
              ? before?.host !== after?.host
                ? "moves"
                : "updated"
              : "unchanged";
    out.push({ vm, ...(before ? { before } : {}), ...(after ? { after } : {}), change });
  }
  return out.sort((x, y) => x.vm.localeCompare(y.vm));
}

export interface HostTotals {
  name: string;
  state?: string;
  capacityMemoryMib?: number;
  vmsBefore: number;
  vmsAfter: number;
  beforeMib: number;
  afterMib: number;
  /** Memory of VMs moving in / out. */
  inMib: number;
  outMib: number;
  movesIn: number;
  movesOut: number;
}

/** Per host, declared hosts first (in their order), then any other host the plan names. */
export function hostTotals(placed: readonly PlacedVm[], hosts: readonly PlanHost[]): HostTotals[] {
  const names = [...hosts.map((h) => h.name)];
  for (const p of placed) for (const s of [p.before, p.after]) if (s && !names.includes(s.host)) names.push(s.host);
  return names.map((name) => {
    const h = hosts.find((x) => x.name === name);
    const t: HostTotals = { name, vmsBefore: 0, vmsAfter: 0, beforeMib: 0, afterMib: 0, inMib: 0, outMib: 0, movesIn: 0, movesOut: 0 };
    if (h?.state) t.state = h.state;
    if (h?.capacityMemoryMib !== undefined) t.capacityMemoryMib = h.capacityMemoryMib;
    for (const p of placed) {
      if (p.before?.host === name) {
        t.vmsBefore++;
        t.beforeMib += p.before.memoryMib;
      }
      if (p.after?.host === name) {
        t.vmsAfter++;
        t.afterMib += p.after.memoryMib;
      }
      if (p.change === "moves" && p.after?.host === name) {
        t.movesIn++;
        t.inMib += p.after.memoryMib;
      }
      if (p.change === "moves" && p.before?.host === name) {
        t.movesOut++;
        t.outMib += p.before.memoryMib;
      }
    }
    return t;
  });
}

/** Shown when the plan changes where VMs are (moves, creates, destroys, replaces). */
export function showsPlacement(r: { placement: readonly PlacedVm[] }): boolean {
  return r.placement.some((p) => p.change !== "unchanged" && p.change !== "updated");
}

export const PLACEMENT_HEAD = ["host", "state", "VMs before → after", "memory MiB before → after", "capacity MiB", "moves out / in (MiB)"];

export function placementRows(totals: readonly HostTotals[]): string[][] {
  return totals.map((t) => [
    t.name,
    t.state ?? "active",
    `${t.vmsBefore} → ${t.vmsAfter}`,
    `${t.beforeMib} → ${t.afterMib}`,
    t.capacityMemoryMib === undefined ? "not declared" : `${t.capacityMemoryMib}${t.afterMib > t.capacityMemoryMib ? " (exceeded)" : ""}`,
    `${t.movesOut} (${t.outMib}) / ${t.movesIn} (${t.inMib})`,
  ]);
}

const COL = 200;
const GAP = 24;
const ROW = 20;
const COLOR: Record<PlacementChange, string> = {
  moves: "#2c6fbb",
  created: "#27ae60",
  destroyed: "#c0392b",
  replaced: "#d68910",
  updated: "#7f8c8d",
  unchanged: "#95a5a6",
};

/** Hosts side by side, "before" above "after": each VM a bar as wide as its memory, moves in blue with their other host. */
export function placementSvg(placed: readonly PlacedVm[], totals: readonly HostTotals[]): string {
  const maxMib = Math.max(1, ...totals.map((t) => Math.max(t.beforeMib, t.afterMib, t.capacityMemoryMib ?? 0)));
  const rows = Math.max(1, ...totals.map((t) => Math.max(t.vmsBefore, t.vmsAfter)));
  const panelH = 48 + rows * ROW;
  const W = GAP + totals.length * (COL + GAP);
  const H = 40 + 2 * (panelH + 30);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11" role="img" ` +
      `aria-label="placement before and after the plan">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
  ];
  const panel = (label: "before" | "after", top: number) => {
    out.push(`<text x="${GAP}" y="${top - 8}" font-weight="bold" font-size="13">${label === "before" ? "Before the plan" : "After the plan"}</text>`);
    totals.forEach((t, i) => {
      const x = GAP + i * (COL + GAP);
      const marked = t.state === "draining" || t.state === "cordoned";
      out.push(
        `<rect class="host" data-host="${esc(t.name)}" x="${x}" y="${top}" width="${COL}" height="${panelH}" fill="${marked ? "#fdf2e9" : "#f8f9f9"}" ` +
          `stroke="${marked ? "#d68910" : "#aab"}"${marked ? ' stroke-dasharray="5 3"' : ""}/>`,
      );
      out.push(`<text x="${x + 6}" y="${top + 14}" font-weight="bold">${esc(t.name)}${marked ? ` (${esc(t.state!)})` : ""}</text>`);
      const used = label === "before" ? t.beforeMib : t.afterMib;
      const cap = t.capacityMemoryMib;
      const barW = COL - 12;
      out.push(`<rect x="${x + 6}" y="${top + 20}" width="${barW}" height="8" fill="#eee"/>`);
      out.push(
        `<rect x="${x + 6}" y="${top + 20}" width="${((Math.min(used, cap ?? maxMib) / (cap ?? maxMib)) * barW).toFixed(1)}" height="8" ` +
          `fill="${cap !== undefined && used > cap ? "#c0392b" : "#5d6d7e"}"/>`,
      );
      out.push(`<text x="${x + 6}" y="${top + 40}" fill="#555">${used} MiB${cap !== undefined ? ` of ${cap}` : ""}</text>`);
      const here = placed.filter((p) => (label === "before" ? p.before?.host : p.after?.host) === t.name);
      here.forEach((p, j) => {
        const s = (label === "before" ? p.before : p.after)!;
        const y = top + 48 + j * ROW;
        const w = Math.max(4, (s.memoryMib / maxMib) * (COL - 12));
        const other =
          p.change === "moves"
            ? label === "before"
              ? ` → ${p.after?.host}`
              : ` ← ${p.before?.host}`
            : p.change !== "unchanged" && p.change !== "updated"
              ? ` (${p.change})`
              : "";
        out.push(
          `<rect class="vm" data-placed-vm="${esc(p.vm)}" data-change="${p.change}" x="${x + 6}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 4}" ` +
            `fill="${COLOR[p.change]}" opacity="0.25"/>`,
        );
        out.push(`<text x="${x + 9}" y="${y + 12}" fill="${COLOR[p.change]}">${esc(p.vm)} · ${s.memoryMib} MiB${esc(other)}</text>`);
      });
    });
  };
  panel("before", 40);
  panel("after", 40 + panelH + 30);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** The header's per-host line: "a 448 → 128 MiB (2 out) · b 384 → 736 MiB (2 in)", hosts the plan changes only. */
export function hostsLine(totals: readonly HostTotals[]): string {
  return totals
    .filter((t) => t.beforeMib !== t.afterMib || t.movesIn || t.movesOut)
    .map((t) => {
      const q = [t.movesOut ? `${t.movesOut} out` : "", t.movesIn ? `${t.movesIn} in` : ""].filter(Boolean).join(", ");
      return `${t.name}${t.state && t.state !== "active" ? ` (${t.state})` : ""} ${t.beforeMib} → ${t.afterMib} MiB${q ? ` (${q})` : ""}`;
    })
    .join(" · ");
}

/** The header's provenance line: "stack livevirt-example · commit 3b7fa04 · plan sha256 0123456789ab". */
export function sourceLine(s: { planSha256: string; stack?: string; commit?: string } | undefined): string {
  if (!s) return "";
  return [s.stack ? `stack ${s.stack}` : "", s.commit ? `commit ${s.commit}` : "", `plan sha256 ${s.planSha256.slice(0, 12)}`].filter(Boolean).join(" · ");
}
