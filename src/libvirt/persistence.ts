/**
 * Whether a domain has a persistent definition on a host (`virsh dominfo` → "Persistent: yes").
 * A move with --persistent --undefinesource must leave exactly one definition, on the destination;
 * `list` cannot tell a transient running domain from a persistent one, dominfo can.
 */
import { ParseError } from "../errors.js";
import { keyValueLines } from "./parse/key-value.js";
import { runVirsh, type RunOptions } from "./run-virsh.js";

export function parseDomInfoPersistent(text: string): boolean {
  const v = keyValueLines(text).get("Persistent");
  if (v === "yes") return true;
  if (v === "no") return false;
  throw new ParseError(`virsh dominfo: cannot read "Persistent: ${v ?? "(missing)"}"`, "virsh dominfo", text.slice(0, 300));
}

/** Throws DomainNotFoundError when the host does not know the domain at all. */
export async function isPersistent(uri: string, domain: string, opts?: RunOptions): Promise<boolean> {
  return parseDomInfoPersistent(await runVirsh(uri, ["dominfo", "--domain", domain], opts));
}
