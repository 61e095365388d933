/** virsh's padded tables (`net-list`, `pool-list`): cells cut at the header's column offsets. */
import { ParseError } from "../../errors.js";

/**
 * The rows under the header line `header` matches, each cut into `columns` (the header's words, in
 * order; the first starts the line) at the offsets where the header has them — names may hold
 * spaces and virsh pads every cell. Separator and blank lines are skipped.
 */
export function tableRows(text: string, what: string, header: RegExp, columns: readonly string[]): string[][] {
  const lines = text.split(/\r?\n/);
  const headerIdx = lines.findIndex((l) => header.test(l));
  if (headerIdx < 0) throw new ParseError(`${what}: no header line`, what, text.slice(0, 300));
  const at = columns.slice(1).map((c) => lines[headerIdx]!.indexOf(c));
  return lines
    .slice(headerIdx + 1)
    .filter((l) => l.trim() !== "" && !/^-+$/.test(l.trim()))
    .map((l) => [0, ...at].map((start, i) => l.slice(start, at[i]).trim()));
}
