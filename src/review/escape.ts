/**
 * Escaping for the two outputs. Every string in a report comes from the plan — VM names,
 * host names, the provider's texts — and a plan is input from whoever wrote the stack, so
 * nothing is inserted unescaped.
 */

const HTML: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text and attribute values (always double-quoted by our renderer; ' escaped anyway). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Inline Markdown text (also inside table cells): Markdown punctuation backslash-escaped, HTML
 * metacharacters as entities (GitHub renders inline HTML), `|` escaped and newlines flattened
 * so a cell stays one cell.
 */
export function escapeMd(s: string): string {
  return s
    .replace(/[\\`*_[\]#~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML[c]!)
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ");
}

/** A fenced code block whose fence is longer than any backtick run in the text. */
export function mdFence(text: string, lang = "text"): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}
