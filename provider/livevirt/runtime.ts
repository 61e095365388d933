/** Per-process provider state shared by resources: set by ConfigureProvider. */
import { LivevirtError } from "../../src/errors.js";
import { HostList, capacityProblem, duplicateMacProblem, type Host, type Landing, type MacOwner, type Vm } from "../../src/model/index.js";
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

  /** VMs this plan creates on or moves to each host (by VM name: a VM planned twice counts once). */
  private readonly landing = new Map<string, Map<string, Landing>>();
  /** What each host had when this process first asked (one plan: read once per host). */
  private readonly usage = new Map<string, Promise<{ usedMib?: number; usedVcpus?: number; freeMib?: number }>>();

  /**
   * Adds a VM landing on `host` in this plan and checks everything that lands there together
   * against the host's declared capacity (minus what it already has) and its free memory. The call
   * that overflows fails, naming the host, every VM landing there and the shortfall.
   */
  async land(host: Host, vm: Landing, measure: () => Promise<{ usedMib?: number; usedVcpus?: number; freeMib?: number }>): Promise<void> {
    const here = this.landing.get(host.name) ?? new Map<string, Landing>();
    this.landing.set(host.name, here);
    // Into the ledger first: Terraform plans resources concurrently, and every call that comes
    // back from the host below must see all the VMs landing by then.
    here.set(vm.vm, vm);
    const declared = host.capacityMemoryMib !== undefined || host.capacityVcpus !== undefined;
    // One VM alone is checked by its own move (fit.memory): the host is asked only when VMs land
    // together or a capacity is declared — an ordinary plan costs no extra host call.
    if (!declared && here.size < 2) return;
    if (!this.usage.has(host.name))
      this.usage.set(
        host.name,
        measure().catch(() => ({})),
      );
    const measured = await this.usage.get(host.name)!;
    const p = capacityProblem("host", host, [...here.values()], measured);
    if (p) throw problemError(p, { host: host.name });
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
