/**
 * Host access: the declared hosts of one configuration and the one way the domain reaches them —
 * a libvirt connection (`connect`) or the host shell (shell.ts). Preflight, the move engine and
 * placement all get their connections here.
 */
import { ValidationError } from "../errors.js";
import { Connection, type ConnectionOptions } from "../libvirt/virsh.js";
import { HostList, MODEL_SPELLING, spell, type Host } from "../model/index.js";
import { defaultShell } from "./shell.js";

/** A libvirt connection to `host` (virsh runs per call: nothing is opened here). */
export function connect(host: Host, options: ConnectionOptions = {}): Connection {
  return new Connection(host.uri, options);
}

/** The host with its shell decided: the user's, else the default for its URI. */
export function withDefaultShell(h: Host): Host {
  const shell = h.shell ?? defaultShell(h.uri);
  return shell === undefined ? h : { ...h, shell };
}

/** The declared hosts of one provider configuration, and one libvirt connection per host. */
export class HostRegistry {
  private readonly list: HostList;
  private readonly connections = new Map<string, Connection>();

  constructor(hosts: readonly Host[] | HostList) {
    const declared = hosts instanceof HostList ? hosts.hosts : hosts;
    this.list = new HostList(declared.map(withDefaultShell));
  }

  names(): string[] {
    return this.list.names();
  }

  /** The declared host, or undefined. */
  find(name: string): Host | undefined {
    return this.list.find(name);
  }

  /** The declared host; a ValidationError naming the declared ones otherwise. */
  target(name: string, field = "host"): Host {
    const h = this.list.find(name);
    if (h) return h;
    const p = this.list.problem(field, name)!;
    throw new ValidationError(`host ${JSON.stringify(name)} ${spell(p.reason, MODEL_SPELLING)}`, { field, value: name, fix: p.fix });
  }

  connection(name: string): Connection {
    let c = this.connections.get(name);
    if (!c) {
      c = connect(this.target(name));
      this.connections.set(name, c);
    }
    return c;
  }

  /** Host names with `first` (the last known host) tried first. */
  searchOrder(first?: string): string[] {
    const rest = this.names().filter((n) => n !== first);
    return first !== undefined && this.list.find(first) ? [first, ...rest] : rest;
  }
}
