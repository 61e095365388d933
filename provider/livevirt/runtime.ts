/** Per-process provider state shared by resources: set by ConfigureProvider. */
import { LivevirtError } from "../../src/errors.js";
import { HostList, type Host } from "../../src/model/index.js";
import type { Drivers } from "./driver.js";
import { problemError } from "./spelling.js";

export class LivevirtRuntime {
  /** The declared hosts (the one list: the driver gets this same object); null until configured or while unknown. */
  hosts: HostList | null = null;
  private drivers: Drivers | null = null;

  configure(hosts: HostList | null, drivers: Drivers | null): void {
    this.hosts = hosts;
    this.drivers = drivers;
  }

  /** Drivers exist (provider configured with a fully known host list). */
  hostsKnown(): boolean {
    return this.drivers !== null;
  }

  driver(): Drivers {
    if (!this.drivers) {
      throw new LivevirtError("the livevirt provider is not configured yet", {
        fix: "make the provider's host blocks known at plan time (no values computed by other resources)",
      });
    }
    return this.drivers;
  }

  /** The declared host; a ValidationError naming the declared ones when `name` is not one of them. */
  requireHost(name: string, field: string): Host | null {
    if (!this.hosts) return null;
    const p = this.hosts.problem(field, name);
    if (p) throw problemError(p);
    return this.hosts.find(name)!;
  }
}
