import { DomainNotFoundError, LibvirtError, LivevirtError } from "../errors.js";
import { buildDomainXml } from "../libvirt/domain-xml.js";
import type { HostRegistry } from "./registry.js";
import type { Placement, VmDefinition } from "./types.js";

/**
 * Create, find, and delete VMs on declared hosts. A VM is known by its libvirt UUID; its host
 * is wherever libvirt says it is — searching every declared host is how a VM moved or removed
 * behind Terraform's back shows up as drift in the next plan.
 */
export class VmLifecycle {
  constructor(private readonly hosts: HostRegistry) {}

  async resolveDomainType(def: VmDefinition): Promise<"kvm" | "qemu"> {
    if (def.domainType !== "auto") return def.domainType;
    try {
      const caps = await this.hosts.connection(def.host).domCapabilities({ virttype: "kvm" });
      return caps.domainType === "kvm" ? "kvm" : "qemu";
    } catch (e) {
      if (e instanceof LibvirtError) return "qemu"; // libvirt refuses kvm capabilities where there is no KVM
      throw e;
    }
  }

  /** Defines the VM persistently and starts it; a name already taken on the host is an error. */
  async create(def: VmDefinition): Promise<Placement> {
    const c = this.hosts.connection(def.host);
    const taken = (await c.listDomains({ all: true })).some((d) => d.name === def.name);
    if (taken) {
      throw new LivevirtError(`a domain named "${def.name}" already exists on host ${def.host}`, {
        field: "name",
        value: def.name,
        host: def.host,
        fix: `choose another name, or adopt the existing domain with \`terraform import\` (id "${def.host}/${def.name}")`,
      });
    }
    const type = await this.resolveDomainType(def);
    const xml = buildDomainXml({
      name: def.name,
      memoryMib: def.memoryMib,
      vcpus: def.vcpus,
      type,
      kernel: def.kernel ?? undefined,
      initrd: def.initrd ?? undefined,
      cmdline: def.cmdline ?? undefined,
      disks: def.disks,
      consoleLog: def.consoleLog ?? undefined,
    });
    await c.defineXml(xml);
    try {
      await c.start(def.name);
    } catch (e) {
      // A definition that cannot start would be left behind as an orphan Terraform never saw.
      await c.undefine(def.name, { missingOk: true });
      throw e;
    }
    const found = await this.findOn(def.host, def.name);
    if (!found) throw new LivevirtError(`domain "${def.name}" vanished from host ${def.host} right after it started`, { host: def.host });
    return found;
  }

  /** The domain with this UUID (or name) on one host, or null. */
  async findOn(host: string, idOrName: string): Promise<Placement | null> {
    const c = this.hosts.connection(host);
    try {
      const info = await c.dumpXml(idOrName);
      const st = await c.domainState(info.uuid);
      return { uuid: info.uuid, name: info.name, host, domainType: info.type === "kvm" ? "kvm" : "qemu", state: st.state, reason: st.reason };
    } catch (e) {
      if (e instanceof DomainNotFoundError) return null;
      if (e instanceof LibvirtError && /failed to connect|Cannot recv data|Connection refused/i.test(e.message)) {
        throw new LivevirtError(`host ${host} does not answer: ${e.message}`, {
          host,
          fix: `check that libvirtd on host ${host} is reachable with its uri (try \`virsh -c URI version\`), then plan again`,
        });
      }
      throw e;
    }
  }

  /**
   * Where the VM is now: the last known host first, then every other declared host. When it is
   * on two hosts (a failed post-copy can leave a paused copy), the running one wins.
   */
  async locate(uuid: string, lastHost?: string): Promise<Placement | null> {
    const found: Placement[] = [];
    for (const host of this.hosts.searchOrder(lastHost)) {
      const p = await this.findOn(host, uuid);
      if (p) {
        if (p.state === "running") return p;
        found.push(p);
      }
    }
    return found[0] ?? null;
  }

  /** Stops and undefines the VM wherever it is; a VM already gone is success. */
  async delete(uuid: string, lastHost?: string): Promise<void> {
    // More than one round only when copies sit on several hosts (after a failed post-copy).
    for (let round = 0; round < this.hosts.names().length; round++) {
      const p = await this.locate(uuid, lastHost);
      if (!p) return;
      const c = this.hosts.connection(p.host);
      await c.destroy(p.uuid);
      await c.undefine(p.uuid, { missingOk: true });
    }
    const left = await this.locate(uuid, lastHost);
    if (left) throw new LivevirtError(`domain ${uuid} is still defined on host ${left.host} after undefine`, { host: left.host });
  }

  /** `terraform import` ids: a UUID, "host/name", or a bare name searched on every host. */
  async importId(id: string): Promise<Placement> {
    const slash = id.indexOf("/");
    const hit =
      slash > 0
        ? await this.findOn(this.hosts.target(id.slice(0, slash)).name, id.slice(slash + 1))
        : await this.locate(id);
    if (!hit) {
      throw new LivevirtError(`no domain "${id}" on any declared host (${this.hosts.names().join(", ")})`, {
        field: "id",
        value: id,
        fix: 'import by UUID, "host/name" or name of a domain that exists on a declared host',
      });
    }
    return hit;
  }
}
