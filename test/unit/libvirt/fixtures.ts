/** Reads the captured samples in ./fixtures and strips the capture framing around the output. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

export const V9 = "libvirt9.0";
export const V11 = "libvirt11.3";

/** The file verbatim. */
export function raw(version: string, name: string): string {
  return readFileSync(join(DIR, version, name), "utf8");
}

/** The command's output: without the leading `$ cmd` / `# note` lines and the `[exit N]` line. */
export function sample(version: string, name: string): string {
  const lines = raw(version, name).split("\n");
  while (lines.length > 0 && /^(\$ |# )/.test(lines[0]!)) lines.shift();
  while (lines.length > 0 && (lines[lines.length - 1]!.trim() === "" || /^\[exit \d+\]$/.test(lines[lines.length - 1]!))) lines.pop();
  return lines.join("\n") + "\n";
}

/** The `error: …` text a capture recorded (stderr of a failed virsh), e.g. from a precheck log. */
export function capturedError(version: string, name: string): string {
  const m = /error: .*?(?=\s+exit=\d+|\s*$)/m.exec(raw(version, name));
  if (!m) throw new Error(`no error line in ${version}/${name}`);
  return m[0];
}

/** Strings that would break hand-made XML: markup, entities, both quotes, CDATA end. */
export const HOSTILE = `a<b&c"d'e]]>f`;
export const HOSTILE_CMDLINE = `console=ttyS0 x="</cmdline></os><devices><interface type='network'/></devices>" ]]> &amp; <!-- -->`;
