/** A libvirt host livevirt may place VMs on, and the rules about a list of them. */
import { oneOf, ref, wholeNumber, type Problem } from "./problem.js";
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
   * Address (IP or DNS name) where this host receives migration data — its address on a dedicated
   * migration network, e.g. "10.77.0.2". Moves into this host send memory (and copied disks) there:
   * its QEMU listens on it and the source connects to it (libvirt's migrate URI tcp://ADDRESS and
   * listen address). With migration TLS, its certificate must name this address.
   * @default libvirt's choice: the destination's qemu.conf migration_host, else its hostname
   */
  readonly migrationAddress?: string;
  /**
   * argv prefix that runs a command on this host, for the host-local post-copy checks (sysctl,
   * /dev/userfaultfd, qemu.conf), e.g. ["ssh", "root@kvm-a"]; [] = this machine.
   * @default this machine for qemu:/// and qemu+unix URIs, ssh for qemu+ssh URIs; otherwise those checks report "unknown"
   */
  readonly shell?: readonly string[];
  /**
   * "active": VMs may be placed and moved here. "cordoned": no VM may be placed or moved here
   * (those already here stay). "draining": every VM must leave — a plan keeping one here fails.
   * @default "active"
   */
  readonly state?: HostState;
  /** Memory (MiB) livevirt may place here, all its VMs together; checked across each plan. @default what the host has free */
  readonly capacityMemoryMib?: number;
  /** vCPUs livevirt may place here, all its VMs together (a count, not a ratio). @default unlimited */
  readonly capacityVcpus?: number;
  /**
   * Moves out of this host that may run at once; more wait in line (FIFO) in the apply. They share
   * the host's link, CPU and dirty-page tracking, so two at once make both slower. @default 1 (as nova)
   */
  readonly maxOutboundMoves?: number;
  /** Moves into this host that may run at once; more wait in line. @default unlimited */
  readonly maxInboundMoves?: number;
}

export const HOST_STATES = ["active", "cordoned", "draining"] as const;
export type HostState = (typeof HOST_STATES)[number];
export const CAPACITY_MEMORY_RANGE = [16, 1 << 30] as const;
export const CAPACITY_VCPUS_RANGE = [1, 1_000_000] as const;
export const MOVES_PER_HOST_RANGE = [1, 64] as const;
/** Concurrent moves out of a host when maxOutboundMoves is not set. */
export const DEFAULT_OUTBOUND_MOVES = 1;

/** A DNS name (labels of letters, digits and inner hyphens) or an IPv4/IPv6 literal — what libvirt may put in tcp://ADDRESS. */
export function isNetworkAddress(a: string): boolean {
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(a)) return a.split(".").every((o) => Number(o) <= 255);
  if (a.includes(":")) return isIpv6(a);
  return a.length <= 253 && a.split(".").every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l)) && !/^[\d.]+$/.test(a);
}

/** Eight groups of 1–4 hex digits, or fewer with one "::" (no embedded IPv4 form: not needed for a migration network). */
function isIpv6(a: string): boolean {
  const halves = a.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length <= 7 : groups.length === 8;
}

/** The URI libvirt gives the source's QEMU to send migration data to `address` (IPv6 in brackets). */
export const migrationDataUri = (address: string): string => `tcp://${address.includes(":") ? `[${address}]` : address}`;

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
    out.push({
      field: at,
      value: hosts,
      reason: "must declare at least one host",
      fix: 'declare at least one host: a name and a libvirt URI, e.g. name "a", uri "qemu:///system"',
    });
  }
  const seen = new Map<string, number>();
  hosts.forEach((raw: unknown, i) => {
    if (raw === null || typeof raw !== "object") return;
    const h = raw as Record<string, unknown>;
    const f = (k: string) => `${at}.${i}.${k}`;
    if (typeof h.name === "string") {
      if (!HOST_NAME.test(h.name)) {
        out.push({
          field: f("name"),
          value: h.name,
          reason: `must be ${HOST_NAME_RULE}`,
          fix: `name the host like "a", "kvm-b" or "rack1_host3" (${HOST_NAME_RULE})`,
        });
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
    oneOf(out, f("state"), h.state, HOST_STATES);
    wholeNumber(out, f("capacityMemoryMib"), h.capacityMemoryMib, CAPACITY_MEMORY_RANGE, "MiB", ", or leave it out to use what the host has free");
    wholeNumber(out, f("capacityVcpus"), h.capacityVcpus, CAPACITY_VCPUS_RANGE, "vCPUs", ", or leave it out");
    wholeNumber(out, f("maxOutboundMoves"), h.maxOutboundMoves, MOVES_PER_HOST_RANGE, "moves", `, or leave it out for ${DEFAULT_OUTBOUND_MOVES}`);
    wholeNumber(out, f("maxInboundMoves"), h.maxInboundMoves, MOVES_PER_HOST_RANGE, "moves", ", or leave it out for no limit");
    if (typeof h.migrationAddress === "string" && !isNetworkAddress(h.migrationAddress)) {
      out.push({
        field: f("migrationAddress"),
        value: h.migrationAddress,
        reason: "is not an IP address or a DNS name",
        fix: 'give the address only — no scheme, port or path — e.g. "10.77.0.2", "fd00:77::2" or "kvm-b.migration.example"',
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
    fix: declared.length
      ? `use one of the declared hosts: ${names} — or declare a host named ${JSON.stringify(name)}`
      : `declare a host named ${JSON.stringify(name)}`,
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

/**
 * The problem of a VM planned on `host` in its state, or null. `arriving`: the plan creates the VM
 * there or moves it there (a VM that stays on a cordoned host is fine; on a draining one it is not).
 */
export function hostStateProblem(
  field: string,
  vm: string,
  host: Pick<Host, "name" | "state">,
  arriving: boolean,
  others: readonly Pick<Host, "name" | "state">[],
): Problem | null {
  const state = host.state ?? "active";
  if (state === "active" || (state === "cordoned" && !arriving)) return null;
  const open = others.filter((h) => (h.state ?? "active") === "active" && h.name !== host.name).map((h) => JSON.stringify(h.name));
  const elsewhere = open.length ? `place ${vm} on an active host (${open.join(", ")})` : "mark another host active to place it on";
  return {
    field,
    value: host.name,
    reason:
      state === "draining" ? `host ${host.name} is draining: every VM must leave it` : `host ${host.name} is cordoned: no VM may be placed or moved there`,
    fix: `${elsewhere}, or set host ${host.name}'s state to "active"`,
  };
}

/** A VM landing on a host, for the capacity checks across a plan or a stack. */
export interface Landing {
  readonly vm: string;
  readonly memoryMib: number;
  readonly vcpus: number;
}

/**
 * Whether the VMs landing on `host` together fit what is left of its capacity: declared capacity
 * minus what is already used there (`usedMib`/`usedVcpus`, livevirt's and others' VMs that stay),
 * and the host's measured free memory. null when they fit; otherwise one problem naming the host,
 * every VM and the shortfall.
 */
export function capacityProblem(
  field: string,
  host: Pick<Host, "name" | "capacityMemoryMib" | "capacityVcpus">,
  landing: readonly Landing[],
  measured: { usedMib?: number; usedVcpus?: number; freeMib?: number } = {},
): Problem | null {
  const mem = landing.reduce((s, l) => s + l.memoryMib, 0);
  const cpus = landing.reduce((s, l) => s + l.vcpus, 0);
  const names = landing.map((l) => `${l.vm} (${l.memoryMib} MiB)`).join(", ");
  const short: string[] = [];
  if (host.capacityMemoryMib !== undefined) {
    const left = host.capacityMemoryMib - (measured.usedMib ?? 0);
    if (mem > left)
      short.push(
        `${mem - left} MiB over its declared capacity (${host.capacityMemoryMib} MiB${measured.usedMib ? `, ${measured.usedMib} MiB already used` : ""})`,
      );
  }
  if (measured.freeMib !== undefined && mem > measured.freeMib) short.push(`${mem - measured.freeMib} MiB more than it has free (${measured.freeMib} MiB)`);
  if (host.capacityVcpus !== undefined) {
    const left = host.capacityVcpus - (measured.usedVcpus ?? 0);
    if (cpus > left)
      short.push(
        `${cpus - left} vCPUs over its declared capacity (${host.capacityVcpus} vCPUs${measured.usedVcpus ? `, ${measured.usedVcpus} already used` : ""})`,
      );
  }
  if (short.length === 0) return null;
  return {
    field,
    value: host.name,
    reason:
      `host ${host.name} cannot take ${landing.length === 1 ? "this VM" : `these ${landing.length} VMs together`}: ` +
      `${names} need ${mem} MiB, ${short.join("; ")}`,
    fix: `place some of them on another host, make them smaller, or raise host ${host.name}'s capacity`,
  };
}
