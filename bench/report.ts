/** Markdown report pieces: tables, machine description. */
import { cpus, hostname, loadavg, release, totalmem } from "node:os";
import { execa } from "execa";

export function mdTable(header: string[], rows: (string | number)[][]): string {
  const esc = (c: string | number) => String(c).replace(/\|/g, "\\|");
  return [`| ${header.map(esc).join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`)].join("\n");
}

/** Prints a table to the terminal (plain aligned columns). */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? "").length)));
  for (const r of all) console.log(r.map((c, i) => String(c).padEnd(w[i]!)).join("  "));
}

export async function machineLines(extra: string[] = []): Promise<string> {
  const tf = await execa("terraform", ["version"], { reject: false });
  const c = cpus();
  return [
    `- machine: ${hostname()}, ${c.length} × ${c[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, ` +
      `load average at start ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    `- Node ${process.version}; ${String(tf.stdout).split("\n")[0] ?? "terraform ?"}`,
    ...extra.map((e) => `- ${e}`),
    `- date: ${new Date().toISOString()}`,
  ].join("\n");
}
