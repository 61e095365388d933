/**
 * virsh reports failures as `error: <message>` lines on stderr (sometimes several: a generic one
 * such as "failed to connect to the hypervisor" followed by libvirt's specific reason).
 */

/** `virsh migrate --verbose` draws `Migration: [ 12.34 %]` on stderr; it is not an error. */
const PROGRESS = /\r?Migration: \[\s*[\d.]+ %\]/g;

export function stripProgress(stderr: string): string {
  return stderr.replace(PROGRESS, "\n");
}

/** The libvirt messages in virsh's stderr, without the `error: ` prefix, in order. */
export function libvirtMessages(stderr: string): string[] {
  return stripProgress(stderr)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith("error: "))
    .map((l) => l.slice("error: ".length).trim())
    .filter((l) => l !== "");
}

/**
 * libvirt words "no such domain" differently by API and version: the daemon's
 * VIR_ERR_NO_DOMAIN ("Domain not found: no domain with matching name 'x'") and virsh's own
 * lookup failure ("failed to get domain 'x'").
 */
const NOT_FOUND = [/\bDomain not found\b/i, /\bfailed to get domain\b/i, /\bno domain with matching (name|uuid|id)\b/i];

export function isDomainNotFound(message: string): boolean {
  return NOT_FOUND.some((re) => re.test(message));
}

/** "Requested operation is not valid: domain is not running" (destroy of a stopped domain). */
export function isDomainNotRunning(message: string): boolean {
  return /\bdomain is not running\b/i.test(message);
}
