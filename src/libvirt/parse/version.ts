/** `virsh version [--daemon]` output. */
import { ParseError } from "../../errors.js";

export interface VirshVersion {
  /** "Compiled against library: libvirt 11.3.0" */
  compiledAgainst: string;
  /** "Using library: libvirt 11.3.0" (the client library this virsh uses) */
  library: string;
  /** "Using API: QEMU 11.3.0" → driver "QEMU", version "11.3.0" */
  api: { driver: string; version: string };
  /** "Running hypervisor: QEMU 10.0.2" → name "QEMU", version "10.0.2" */
  hypervisor: { name: string; version: string };
  /** "Running against daemon: 11.3.0" — only with `--daemon` (and a remote/daemon connection). */
  daemon?: string;
}

function field(lines: Map<string, string>, key: string, text: string): string {
  const v = lines.get(key);
  if (v === undefined) throw new ParseError(`virsh version: missing "${key}"`, "virsh version", text.slice(0, 400));
  return v;
}

function nameAndVersion(value: string, key: string, text: string): { name: string; version: string } {
  const m = /^(.*\S)\s+(\d+(?:\.\d+)*)$/.exec(value);
  if (!m) throw new ParseError(`virsh version: cannot read "${key}: ${value}"`, "virsh version", text.slice(0, 400));
  return { name: m[1]!, version: m[2]! };
}

export function parseVersion(text: string): VirshVersion {
  const lines = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) lines.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const compiled = nameAndVersion(field(lines, "Compiled against library", text), "Compiled against library", text);
  const library = nameAndVersion(field(lines, "Using library", text), "Using library", text);
  const api = nameAndVersion(field(lines, "Using API", text), "Using API", text);
  const hv = nameAndVersion(field(lines, "Running hypervisor", text), "Running hypervisor", text);
  const daemon = lines.get("Running against daemon");
  return {
    compiledAgainst: compiled.version,
    library: library.version,
    api: { driver: api.name, version: api.version },
    hypervisor: hv,
    ...(daemon !== undefined ? { daemon } : {}),
  };
}
