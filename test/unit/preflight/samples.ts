/** Reads the captured outputs in /work/shared/samples (read-only) without their capture framing. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const SAMPLES = process.env.LIVEVIRT_SAMPLES ?? "/work/shared/samples";
export const BPO = "backports-libvirt11.3-qemu10.0";

export function rawSample(name: string, dir = ""): string {
  return readFileSync(join(SAMPLES, dir, name), "utf8");
}

/** Output only: leading `$ cmd` / `# note` lines and everything from the `[exit N]` line dropped. */
export function sampleOutput(name: string, dir = ""): string {
  const lines = rawSample(name, dir).split("\n");
  while (lines.length > 0 && /^(\$ |# )/.test(lines[0]!)) lines.shift();
  const exit = lines.findIndex((l) => /^\[exit \d+\]$/.test(l));
  return (exit >= 0 ? lines.slice(0, exit) : lines).join("\n");
}

/** An XML capture: from its first "<" to its last ">" (captures add `$ virsh …` and `[exit 0]` lines). */
export function xmlSample(name: string, dir = ""): string {
  const t = rawSample(name, dir);
  const end = t.lastIndexOf(">");
  return t.slice(t.indexOf("<"), end + 1) + "\n";
}
