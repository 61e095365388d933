/**
 * The provider's host blocks: validation (names, URIs) and conversion to HostSpec. URIs may
 * carry passwords, so every value quoted back to the user is redacted.
 */
import { ValidationError } from "../../src/errors.js";
import { isUnknown, type ObjectValue } from "../framework/values.js";
import { redactSecrets } from "../redact.js";
import type { HostSpec } from "./driver.js";

export const HOST_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** libvirt remote transports (https://libvirt.org/uri.html) plus the test driver for labs. */
const TRANSPORTS = new Set(["", "ssh", "libssh", "libssh2", "tls", "tcp", "unix", "ext"]);
const DRIVERS = new Set(["qemu", "test"]);
const QEMU_PATHS = new Set(["/system", "/session", "/embed"]);

/** Why `uri` is not a usable libvirt URI, or null when it is. */
export function uriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "it is not a URI";
  }
  const scheme = url.protocol.replace(/:$/, "");
  const [driver = "", transport = ""] = scheme.split("+", 2);
  if (!DRIVERS.has(driver) || !TRANSPORTS.has(transport)) return `scheme "${scheme}" is not a libvirt scheme livevirt knows`;
  if (driver === "qemu" && !QEMU_PATHS.has(url.pathname)) return `path "${url.pathname}" should be /system (or /session)`;
  if (transport && transport !== "unix" && !url.hostname) return `transport "${transport}" needs a host name`;
  return null;
}

const URI_FIX =
  "use a libvirt URI such as qemu:///system, qemu+ssh://root@kvm-a/system, qemu+tls://kvm-a/system or qemu+unix:///system?socket=/path";

/** All problems with the host blocks; unknown values (known only after apply) are skipped. */
export function hostProblems(config: ObjectValue): ValidationError[] {
  const errors: ValidationError[] = [];
  const blocks = config.host;
  if (!Array.isArray(blocks)) return errors;
  const seen = new Map<string, number>();
  blocks.forEach((raw, i) => {
    const b = raw as ObjectValue;
    const name = b.name;
    if (typeof name === "string") {
      if (!HOST_NAME.test(name)) {
        errors.push(
          new ValidationError(`host name ${JSON.stringify(name)} is not valid`, {
            field: `host.${i}.name`,
            value: name,
            fix: "use 1–32 characters: a lowercase letter first, then lowercase letters, digits, _ or -",
          }),
        );
      } else if (seen.has(name)) {
        errors.push(
          new ValidationError(`host name ${JSON.stringify(name)} is declared twice`, {
            field: `host.${i}.name`,
            value: name,
            host: name,
            fix: `give each host block its own name (host #${seen.get(name)! + 1} already uses it)`,
          }),
        );
      } else seen.set(name, i);
    }
    // An empty argv (or an empty word) would run the host-local checks on this machine instead of
    // the host, reading another machine's facts without saying so.
    const shell = b.shell;
    if (Array.isArray(shell) && (shell.length === 0 || shell.some((w) => w === "" || (typeof w === "string" && w.trim() === "")))) {
      errors.push(
        new ValidationError(`host ${typeof name === "string" ? name : `#${i + 1}`}: shell must be a non-empty argv without empty words`, {
          field: `host.${i}.shell`,
          value: JSON.stringify(shell),
          host: typeof name === "string" ? name : undefined,
          fix: 'give the command as argv words, e.g. ["ssh", "root@kvm-a"], or leave shell out for the default',
        }),
      );
    }
    for (const key of ["uri", "migration_uri"] as const) {
      const uri = b[key];
      if (typeof uri !== "string") continue;
      const problem = uriProblem(uri);
      if (problem) {
        errors.push(
          new ValidationError(`host ${typeof name === "string" ? name : `#${i + 1}`}: ${key} is not usable: ${problem}`, {
            field: `host.${i}.${key}`,
            value: redactSecrets(uri),
            host: typeof name === "string" ? name : undefined,
            fix: URI_FIX,
          }),
        );
      }
    }
  });
  return errors;
}

/**
 * True when two declared hosts are the same libvirt endpoint (the same URI under two names): a
 * "move" between them would be a migration to the same host, which libvirt refuses at apply.
 */
export function sameEndpoint(a: HostSpec, b: HostSpec): boolean {
  return normalizedUri(a.uri) === normalizedUri(b.uri);
}

/** Scheme, host (case-insensitive), port, path and sorted query; user and password do not make another host. */
function normalizedUri(uri: string): string {
  try {
    const u = new URL(uri);
    const query = [...u.searchParams].map(([k, v]) => `${k}=${v}`).sort().join("&");
    return `${u.protocol.toLowerCase()}//${u.hostname.toLowerCase()}:${u.port}${u.pathname}?${query}`;
  } catch {
    return uri;
  }
}

/** HostSpecs from a validated config; null when part of it is still unknown. */
export function hostSpecs(config: ObjectValue): HostSpec[] | null {
  const blocks = config.host;
  if (!Array.isArray(blocks)) return null;
  const specs: HostSpec[] = [];
  for (const raw of blocks) {
    const b = raw as ObjectValue;
    if (isUnknown(b.name) || isUnknown(b.uri) || isUnknown(b.migration_uri) || isUnknown(b.shell)) return null;
    const shell = Array.isArray(b.shell) && b.shell.every((a) => typeof a === "string") ? (b.shell as string[]) : null;
    specs.push({ name: String(b.name), uri: String(b.uri), migrationUri: typeof b.migration_uri === "string" ? b.migration_uri : null, shell });
  }
  return specs;
}
