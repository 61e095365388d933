import { ValidationError } from "../errors.js";
import type { HostTarget } from "../hosts.js";
import { Connection } from "../libvirt/virsh.js";
import { defaultShell } from "./shell.js";

/** The declared hosts of one provider configuration, and one libvirt connection per host. */
export class HostRegistry {
  private readonly byName = new Map<string, HostTarget>();
  private readonly connections = new Map<string, Connection>();

  constructor(hosts: readonly HostTarget[]) {
    for (const h of hosts) this.byName.set(h.name, { ...h, shell: h.shell ?? defaultShell(h.uri) });
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  target(name: string): HostTarget {
    const h = this.byName.get(name);
    if (!h) {
      throw new ValidationError(`host "${name}" is not declared in the provider configuration`, {
        field: "host",
        value: name,
        fix: `use one of: ${this.names().join(", ")} — or add a host block named "${name}"`,
      });
    }
    return h;
  }

  connection(name: string): Connection {
    let c = this.connections.get(name);
    if (!c) {
      c = new Connection(this.target(name).uri);
      this.connections.set(name, c);
    }
    return c;
  }

  /** Host names with `first` (the last known host) tried first. */
  searchOrder(first?: string): string[] {
    const rest = this.names().filter((n) => n !== first);
    return first !== undefined && this.byName.has(first) ? [first, ...rest] : rest;
  }
}
