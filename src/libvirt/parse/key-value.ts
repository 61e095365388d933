/** virsh's "Label:   value" listings (nodeinfo, domjobinfo, version). */
export function keyValueLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i <= 0 || /^\s/.test(line)) continue;
    out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}
