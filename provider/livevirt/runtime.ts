/** Per-process provider state shared by resources: set by ConfigureProvider. */
import { LivevirtError, ValidationError } from "../../src/errors.js";
import type { Drivers, HostSpec } from "./driver.js";

export class LivevirtRuntime {
  /** null until configured, or while the provider config is still unknown (plan before apply). */
  hosts: ReadonlyMap<string, HostSpec> | null = null;
  private drivers: Drivers | null = null;

  configure(hosts: HostSpec[] | null, drivers: Drivers | null): void {
    this.hosts = hosts ? new Map(hosts.map((h) => [h.name, h])) : null;
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

  /** Throws a ValidationError naming the declared hosts when `name` is not one of them. */
  requireHost(name: string, field: string): HostSpec | null {
    if (!this.hosts) return null;
    const h = this.hosts.get(name);
    if (h) return h;
    const declared = [...this.hosts.keys()];
    throw new ValidationError(`host ${JSON.stringify(name)} is not declared in the livevirt provider`, {
      field,
      value: name,
      fix: declared.length
        ? `use one of: ${declared.join(", ")} — or add a host { name = "${name}" uri = "…" } block to the provider`
        : `add a host { name = "${name}" uri = "…" } block to the provider`,
    });
  }
}
