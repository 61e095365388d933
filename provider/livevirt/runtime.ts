/** Per-process provider state shared by resources: set by ConfigureProvider. */
import { LivevirtError } from "../../src/errors.js";
import { HostList, duplicateMacProblem, type Host, type MacOwner, type Vm } from "../../src/model/index.js";
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

  /** MACs declared by the VMs planned in this process (one plan): mac → owner. */
  private readonly macs = new Map<string, MacOwner>();

  /**
   * Registers the VM's declared MACs; a MAC another VM of this plan declared fails this VM's plan
   * (Terraform plans every resource of one plan in one provider process).
   */
  claimMacs(vm: Pick<Vm, "name" | "networkInterfaces">): void {
    const mine: MacOwner[] = [];
    vm.networkInterfaces.forEach((n, i) => {
      if (typeof n.mac === "string") mine.push({ vm: `livevirt_vm "${vm.name}"`, field: `networkInterfaces.${i}.mac`, mac: n.mac.toLowerCase() });
    });
    for (const m of mine) {
      const p = duplicateMacProblem(m, this.macs.values());
      if (p) throw problemError(p);
    }
    for (const m of mine) this.macs.set(m.mac, m);
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
