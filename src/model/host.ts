/** A libvirt host livevirt may place VMs on, and the rules about a list of them. */
import { ref, type Problem } from "./problem.js";
import { URI_FIX, redactSecrets, uriProblem } from "./uri.js";

export interface Host {
  /** Short name VMs use in `host`, e.g. "a". A lowercase letter, then up to 31 of a–z, 0–9, _ and -. */
  readonly name: string;
  /**
   * libvirt URI livevirt (Terraform, on this machine) connects to, e.g. "qemu+ssh://root@kvm-a/system",
   * "qemu:///system" or "qemu+unix:///system?socket=/path/libvirt-sock". May hold a password: never log it raw.
   */
  readonly uri: string;
  /**
   * URI the *other* hosts' libvirt daemons use to reach this one for peer-to-peer live migration,
   * e.g. "qemu+tcp://10.77.0.2/system".
   * @default uri (only right when the same URI works from every host, e.g. qemu+ssh://kvm-b/system)
   */
  readonly migrationUri?: string;
  /**
   * argv prefix that runs a command on this host, for the host-local post-copy checks (sysctl,
   * /dev/userfaultfd, qemu.conf), e.g. ["ssh", "root@kvm-a"]; [] = this machine.
   * @default this machine for qemu:/// and qemu+unix URIs, ssh for qemu+ssh URIs; otherwise those checks report "unknown"
   */
  readonly shell?: readonly string[];
}

/** Host names: short, lowercase, usable in messages, file names and Terraform values alike. */
export const HOST_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const HOST_NAME_RULE = "1–32 characters: a lowercase letter first, then lowercase letters, digits, _ or -";

/**
 * Every problem with a declared host list (`at` is the list's field id). Values of another type
 * than the rule's are left to the layer's shape check.
 */
export function hostsProblems(hosts: unknown, at = "hosts"): Problem[] {
  const out: Problem[] = [];
  if (!Array.isArray(hosts)) return out;
  if (hosts.length === 0) {
    out.push({ field: at, value: hosts, reason: "must declare at least one host", fix: 'declare at least one host: a name and a libvirt URI, e.g. name "a", uri "qemu:///system"' });
  }
  const seen = new Map<string, number>();
  hosts.forEach((raw: unknown, i) => {
    if (raw === null || typeof raw !== "object") return;
    const h = raw as Record<string, unknown>;
    const f = (k: string) => `${at}.${i}.${k}`;
    if (typeof h.name === "string") {
      if (!HOST_NAME.test(h.name)) {
        out.push({ field: f("name"), value: h.name, reason: `must be ${HOST_NAME_RULE}`, fix: `name the host like "a", "kvm-b" or "rack1_host3" (${HOST_NAME_RULE})` });
      } else if (seen.has(h.name)) {
        out.push({ field: f("name"), value: h.name, reason: `is already the name of ${ref(`${at}.${seen.get(h.name)}`)}`, fix: "give each host its own name" });
      } else seen.set(h.name, i);
    }
    // An empty argv (or an empty word) would run the host-local checks on this machine instead of
    // the host, reading another machine's facts without saying so.
    if (Array.isArray(h.shell) && (h.shell.length === 0 || h.shell.some((w) => typeof w === "string" && w.trim() === ""))) {
      out.push({
        field: f("shell"),
        value: h.shell,
        reason: "must be a non-empty argv without empty or blank words",
        fix: 'give the command as argv words, e.g. ["ssh", "root@kvm-a"], or leave it out for the default',
      });
    }
    for (const key of ["uri", "migrationUri"] as const) {
      const uri = h[key];
      if (typeof uri !== "string") continue;
      const problem = uriProblem(uri);
      if (problem) {
        const fix = key === "uri" ? URI_FIX : `${URI_FIX}; it must be reachable from the other hosts, e.g. qemu+tcp://10.77.0.2/system`;
        out.push({ field: f(key), value: redactSecrets(uri), reason: `is not usable: ${problem}`, fix });
      }
    }
  });
  return out;
}

/** `name` (at `field`) is not one of the declared hosts. */
export function unknownHostProblem(field: string, name: string, declared: readonly string[]): Problem {
  const names = declared.map((n) => JSON.stringify(n)).join(", ");
  return {
    field,
    value: name,
    reason: "is not a declared host",
    fix: declared.length ? `use one of the declared hosts: ${names} — or declare a host named ${JSON.stringify(name)}` : `declare a host named ${JSON.stringify(name)}`,
  };
}

/** The declared hosts of one configuration (a stack's LivevirtHosts, a provider's host blocks), by name. */
export class HostList {
  private readonly byName: ReadonlyMap<string, Host>;
  constructor(readonly hosts: readonly Host[]) {
    this.byName = new Map(hosts.map((h) => [h.name, h]));
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
  find(name: string): Host | undefined {
    return this.byName.get(name);
  }
  /** The problem of naming `name` at `field`, or null when it is declared. */
  problem(field: string, name: string): Problem | null {
    return this.byName.has(name) ? null : unknownHostProblem(field, name, this.names());
  }
}
