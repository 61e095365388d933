/**
 * `virsh migrate --help`: which flags this virsh knows (e.g. --postcopy-resume only since 8.5,
 * --available-switchover-bandwidth in 11.x). Read from the OPTIONS section, which lists one
 * option per line, rather than the wrapped SYNOPSIS.
 */
import { ParseError } from "../../errors.js";

export interface MigrateHelp {
  /** Option names without dashes, e.g. "postcopy-after-precopy". */
  options: Set<string>;
  /** Options that take a value, with its kind ("string", "number"). */
  valueKinds: Map<string, string>;
}

export function parseMigrateHelp(text: string): MigrateHelp {
  const options = new Set<string>();
  const valueKinds = new Map<string, string>();
  const start = text.search(/^\s*OPTIONS\s*$/m);
  if (start < 0) throw new ParseError("virsh migrate --help: no OPTIONS section", "virsh migrate --help", text.slice(0, 400));
  for (const line of text.slice(start).split(/\r?\n/)) {
    // "    --postcopy-bandwidth <number>  …" or "    [--domain] <string>  …"
    const m = /^\s+\[?--([a-z0-9-]+)\]?(?:\s+<(\w+)>)?/.exec(line);
    if (!m) continue;
    options.add(m[1]!);
    if (m[2]) valueKinds.set(m[1]!, m[2]);
  }
  return { options, valueKinds };
}
