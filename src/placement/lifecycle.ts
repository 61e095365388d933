import { DomainNotFoundError, LibvirtError, LivevirtError } from "../errors.js";
import { buildDomainXml, interfaceXml, resizedDomainXml, type DomainSize } from "../libvirt/domain-xml.js";
import type { DomainState } from "../libvirt/parse/domstate.js";
import { inspectCopy } from "../migration/orphan-job.js";
import type { HostRegistry } from "../hosts/registry.js";
import {
  DISK_DEFAULTS,
  InterfaceUpdateFailed,
  NIC_DEFAULTS,
  attachDisks,
  isCpuMode,
  isVolumeDisk,
  type Disk,
  type NetworkInterface,
  type Placement,
  type ResolvedDomainType,
  type Vm,
} from "../model/index.js";
import { homeCopy, needsSides, type Copy } from "./which-copy.js";
import { networkCheck, storageCheck } from "../preflight/fit.js";
import type { DomainDisk, DomainInterface, DomainXmlInfo } from "../libvirt/parse/dumpxml.js";

const MIB = 1024 * 1024;
/** How long a restart waits for the guest to shut down on its own (ACPI) before it is destroyed. */
export const RESTART_GRACE_MS = 10_000;

/** The source's definition after a move libvirt completed without --undefinesource's clean-up. */
const isLeftover = (s: { state: string; reason: string }) => s.state === "shut off" && s.reason === "migrated";

/** Longest wait for the XML of a domain in post-copy (see describe()). */
const POSTCOPY_XML_WAIT_MS = 10 * 60_000;

/**
 * Create, find, and delete VMs on declared hosts. A VM is known by its libvirt UUID; its host
 * is wherever libvirt says it is — searching every declared host is how a VM moved or removed
 * behind Terraform's back shows up as drift in the next plan.
 */
export class VmLifecycle {
  constructor(private readonly hosts: HostRegistry) {}

  async resolveDomainType(def: Pick<Vm, "host" | "domainType">): Promise<ResolvedDomainType> {
    if (def.domainType !== "auto") return def.domainType;
    try {
      const caps = await this.hosts.connection(def.host).domCapabilities({ virttype: "kvm" });
      return caps.domainType === "kvm" ? "kvm" : "qemu";
    } catch (e) {
      if (e instanceof LibvirtError) return "qemu"; // libvirt refuses kvm capabilities where there is no KVM
      throw e;
    }
  }

  /**
   * Plan-time check of a VM about to be created on def.host: the host offers its CPU model, has
   * its pool volumes (fit.storage: pool active, volume there, of the declared format) and its
   * networks and bridges (fit.network). A miss is a LivevirtError naming VM, host, the pool or
   * network and a fix; "unknown" (list or shell unreadable) lets the plan through — libvirt's own
   * error at create stays.
   */
  async placeCheck(def: Vm, signal?: AbortSignal): Promise<void> {
    if (def.cpu !== null && !isCpuMode(def.cpu)) {
      const type = await this.resolveDomainType(def);
      const caps = await this.hosts.connection(def.host).domCapabilities({ virttype: type }, { signal });
      if (!caps.usableCpuModels.includes(def.cpu)) {
        const near = caps.usableCpuModels.filter((m) => !/-v\d+$/.test(m)).slice(-6);
        throw new LivevirtError(`VM ${def.name} cannot be created on host ${def.host}: CPU model ${def.cpu} is not usable there for ${type} domains`, {
          field: "‹cpu›",
          value: def.cpu,
          host: def.host,
          fix:
            `pick a model \`virsh domcapabilities --virttype ${type}\` lists as usable on host ${def.host}` +
            `${near.length ? ` (e.g. ${near.join(", ")})` : ""}, or ‹cpu=${JSON.stringify("host-model")}›`,
        });
      }
    }
    const s = await storageCheck(def, null, this.hosts.target(def.host), signal);
    if (s?.status === "fail") {
      // The first disk the finding names: its pool (missing, inactive) or its volume (missing, wrong format).
      const named = def.disks.findIndex(
        (d) => isVolumeDisk(d) && (s.found.includes(`"${d.pool}"`) || s.found.includes(`volume ${d.volume} in pool ${d.pool}`)),
      );
      const at = named >= 0 ? named : def.disks.findIndex(isVolumeDisk);
      const pool: "pool" | "volume" = s.found.includes(`"${def.disks[at]?.pool}"`) ? "pool" : "volume";
      throw new LivevirtError(`VM ${def.name} cannot be created on host ${def.host}: ${s.found}`, {
        field: `‹disks.${at}.${pool}›`,
        value: def.disks[at]?.[pool] ?? "",
        host: def.host,
        fix: s.fix ?? "",
      });
    }
    if (def.networkInterfaces.length === 0) return;
    const c = await networkCheck(def, this.hosts.target(def.host), signal);
    if (c.status !== "fail") return;
    const i = def.networkInterfaces.findIndex((n) => c.found.includes(`"${n.network ?? n.bridge}"`));
    const at = Math.max(i, 0);
    throw new LivevirtError(`VM ${def.name} cannot be created on host ${def.host}: ${c.found}`, {
      field: `‹networkInterfaces.${at}.${def.networkInterfaces[at]?.network ? "network" : "bridge"}›`,
      value: def.networkInterfaces[at]?.network ?? def.networkInterfaces[at]?.bridge ?? "",
      host: def.host,
      fix: c.fix ?? "",
    });
  }

  /**
   * Brings the domain's interfaces from `before` to `after` in place — hot-unplug what went,
   * hot-plug what came, live and in the persistent definition — matched by MAC (an interface
   * whose network or model changed is unplugged and plugged again with its MAC). Returns the
   * interfaces the domain has afterwards. A failure part-way is a InterfaceUpdateFailed carrying
   * what the domain has then, so the state can say so.
   */
  async updateInterfaces(current: Placement, before: readonly NetworkInterface[], after: readonly NetworkInterface[]): Promise<readonly NetworkInterface[]> {
    const c = this.hosts.connection(current.host);
    const where = { live: current.state === "running" || current.state === "paused", config: true };
    const same = (x: NetworkInterface, y: NetworkInterface) => x.network === y.network && x.bridge === y.bridge && x.model === y.model;
    const keep = (n: NetworkInterface) => n.mac !== null && after.some((a) => a.mac === n.mac && same(a, n));
    const gone = before.filter((n) => n.mac !== null && !keep(n));
    const come = after.filter((a) => a.mac === null || !before.some((n) => n.mac === a.mac && same(a, n)));
    const now = async (): Promise<readonly NetworkInterface[]> => (await this.findOn(current.host, current.uuid))?.networkInterfaces ?? [];
    try {
      for (const n of gone) {
        await c.detachDevice(current.uuid, interfaceXml(n), where);
        // A running guest lets go of the device asynchronously (ACPI eject): wait until it has.
        const deadline = Date.now() + 30_000;
        while ((await now()).some((x) => x.mac === n.mac)) {
          if (Date.now() > deadline)
            throw new LivevirtError(`the guest of ${current.name} did not release its interface ${n.mac} within 30 s`, {
              host: current.host,
              fix: "check that the guest handles PCI hot-unplug (ACPI), or stop the VM and apply again",
            });
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      for (const n of come) await c.attachDevice(current.uuid, interfaceXml(n), where);
    } catch (e) {
      throw new InterfaceUpdateFailed(e, await now().catch(() => null));
    }
    return now();
  }

  /**
   * Resizes the VM where it is (`current`). "live": vCPUs plugged in and memory ballooned within
   * the maxima the domain has, in the running guest and its definition — the guest keeps
   * running. "restart": the definition gets the new sizes (only they change: every other element
   * of libvirt's own XML stays), the guest is shut down (ACPI; destroyed after `graceMs`) and
   * started again on the same host. Returns where the VM is afterwards.
   */
  async resize(current: Placement, to: DomainSize, how: "live" | "restart", opts: { graceMs?: number; signal?: AbortSignal } = {}): Promise<Placement> {
    const c = this.hosts.connection(current.host);
    if (how === "live") {
      const running = current.state === "running" || current.state === "paused";
      const where = { live: running, config: true };
      const now = await c.dumpXml(current.uuid, running ? {} : { inactive: true });
      if (to.vcpus !== now.vcpusCurrent) await c.setVcpus(current.uuid, to.vcpus, where);
      if (to.memoryMib * MIB !== (now.currentMemoryBytes ?? now.memoryBytes)) await c.setMemory(current.uuid, to.memoryMib, where);
    } else {
      const xml = (await c.dumpXml(current.uuid, { inactive: true })).xml;
      if (current.state === "running" || current.state === "paused") {
        await c.shutdown(current.uuid).catch(() => undefined);
        const deadline = Date.now() + (opts.graceMs ?? RESTART_GRACE_MS);
        while ((await this.stateOn(current.host, current.uuid))?.state === "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
        if ((await this.stateOn(current.host, current.uuid))?.state !== "shut off") await c.destroy(current.uuid);
      }
      await c.defineXml(resizedDomainXml(xml, to));
      await c.start(current.name);
    }
    const after = await this.findOn(current.host, current.uuid);
    if (!after) throw new LivevirtError(`domain ${current.name} vanished from host ${current.host} during its resize`, { host: current.host });
    return after;
  }

  /** Defines the VM persistently and starts it; a name already taken on the host is an error. */
  async create(def: Vm): Promise<Placement> {
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
      ...(def.maxMemoryMib !== null ? { maxMemoryMib: def.maxMemoryMib } : {}),
      ...(def.maxVcpus !== null ? { maxVcpus: def.maxVcpus } : {}),
      type,
      kernel: def.kernel ?? undefined,
      initrd: def.initrd ?? undefined,
      cmdline: def.cmdline ?? undefined,
      disks: attachDisks(def.disks),
      interfaces: def.networkInterfaces,
      ...cpuSpec(def.cpu),
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
    const st = await this.stateOn(host, idOrName);
    return st ? this.describe(host, idOrName, st) : null;
  }

  /**
   * Where the VM is now: the last known host first, then every other declared host. It shows on
   * two hosts during a move and after an interrupted one; which-copy.ts says which copy is the VM
   * (a running copy always; the post-copy destination over its paused source).
   *
   * States first, the XML only of the copy chosen: `dumpxml` of a domain that is one end of a
   * running migration waits for the migration's job lock — measured on libvirt 11.3, on the
   * destination during pre-copy it fails after 30 s with "cannot acquire state change lock (held by
   * monitor=remoteDispatchDomainMigratePrepare3Params)", and a refresh mid-move would fail with it;
   * `domstate` answers at once on both ends.
   */
  async locate(uuid: string, lastHost?: string): Promise<Placement | null> {
    const copies: (DomainState & Copy & { host: string })[] = [];
    const order = this.hosts.searchOrder(lastHost);
    for (const [i, host] of order.entries()) {
      const st = await this.stateOn(host, uuid);
      if (!st) continue;
      if (st.state === "running") {
        // A VM that arrived by migration may have left its definition on the source (only then:
        // the other hosts are asked for VMs that moved, not for every VM of every refresh). Asked
        // while its XML is read: one libvirt round trip instead of two.
        if (st.reason !== "migrated") return this.describe(host, uuid, st);
        const [found, others] = await Promise.all([this.describe(host, uuid, st), Promise.all(order.slice(i + 1).map((o) => this.stateOn(o, uuid)))]);
        if (!found) return found;
        const leftovers: string[] = [...copies.filter(isLeftover).map((c) => c.host)];
        for (const [j, o] of others.entries()) if (o && isLeftover(o)) leftovers.push(order[i + 1 + j]!);
        return { ...found, leftovers };
      }
      copies.push({ host, ...st });
    }
    if (needsSides(copies)) {
      // Both ends of a failed post-copy are paused: only the migration job tells them apart.
      for (const c of copies) c.side = (await inspectCopy(this.hosts.target(c.host), uuid)).side ?? "unknown";
    }
    const home = homeCopy(copies);
    return home ? this.describe(home.host, uuid, home) : null;
  }

  /** libvirt's state of the domain on one host, or null when it is not there. */
  private stateOn(host: string, idOrName: string): Promise<DomainState | null> {
    return this.ask(host, () => this.hosts.connection(host).domainState(idOrName));
  }

  /**
   * The placement of a copy whose state is known (null: it vanished meanwhile). An end of a
   * post-copy answers `dumpxml` only when the move is over (measured: 12 s on the lab); post-copy
   * always ends, at guest faults + post-copy bandwidth, so wait for it rather than fail at 30 s.
   */
  private async describe(host: string, idOrName: string, st: DomainState): Promise<Placement | null> {
    const timeoutMs = st.reason === "post-copy" ? POSTCOPY_XML_WAIT_MS : undefined;
    const info = await this.ask(host, () => this.hosts.connection(host).dumpXml(idOrName, {}, timeoutMs ? { timeoutMs } : {}));
    return info && placementOf(host, info, st);
  }

  /** One libvirt question: "not found" is null, an unreachable host a LivevirtError saying so. */
  private async ask<T>(host: string, q: () => Promise<T>): Promise<T | null> {
    try {
      return await q();
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

  /**
   * Removes a definition that locate() reported as a leftover on `host` — only while it still is
   * one (shut off after a migration) and the VM runs elsewhere: never the VM itself.
   */
  async removeLeftover(uuid: string, host: string): Promise<void> {
    const home = await this.locate(uuid);
    const st = await this.stateOn(host, uuid);
    if (!st) return;
    if (!isLeftover(st) || !home || home.host === host || home.state !== "running") {
      throw new LivevirtError(
        `domain ${uuid} on host ${host} is no longer a leftover of a move (${st.state} (${st.reason}); ` +
          `the VM ${home ? `is ${home.state} on ${home.host}` : "runs nowhere"}): not removed`,
        {
          host,
          fix: "plan again: the refresh shows what is there now",
        },
      );
    }
    await this.hosts.connection(host).undefine(uuid, { missingOk: true });
  }

  /** `terraform import` ids: a UUID, "host/name", or a bare name searched on every host. */
  async importId(id: string): Promise<Placement> {
    const slash = id.indexOf("/");
    const hit = slash > 0 ? await this.findOn(this.hosts.target(id.slice(0, slash)).name, id.slice(slash + 1)) : await this.locate(id);
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

/** Where a domain is, from its live XML and its state on `host` (locate, and the shared refresh listing). */
export function placementOf(host: string, info: Pick<DomainXmlInfo, "uuid" | "name" | "type" | "interfaces">, st: DomainState): Placement {
  return {
    uuid: info.uuid,
    name: info.name,
    host,
    domainType: info.type === "kvm" ? "kvm" : "qemu",
    state: st.state,
    reason: st.reason,
    networkInterfaces: modelInterfaces(info.interfaces),
  };
}

/**
 * The interfaces the model can describe, as the model's NetworkInterface: on a libvirt network or
 * a host bridge. A running domain reports what its interface really is: one on a libvirt network
 * in bridge mode reads `<interface type='bridge'><source network='lab-net' bridge='lvbr0'/>`
 * (seen on libvirt 11.3), so a source network wins over the type. Other kinds (user, direct
 * without a network, …) are not livevirt's to describe.
 */
export function modelInterfaces(found: readonly DomainInterface[]): NetworkInterface[] {
  return found
    .filter((n) => n.network || (n.type === "bridge" && n.bridge))
    .map((n) => ({
      network: n.network ?? null,
      bridge: n.network ? null : n.bridge!,
      mac: n.mac?.toLowerCase() ?? null,
      // libvirt omits <model> for its default; livevirt always writes one.
      model: (n.model ?? NIC_DEFAULTS.model) as NetworkInterface["model"],
    }));
}

/**
 * The disks the model can describe, as the model's Disk (import): image files (`type='file'`)
 * and pool volumes (`type='volume'`, back to pool + volume). Block devices, network disks, CD-ROMs
 * and the like are not livevirt's to describe (unmodeledDevices lists them). Imported disks are
 * assumed shared, as every disk is by default.
 */
export function modelDisks(found: readonly DomainDisk[]): Disk[] {
  return found.flatMap((d): Disk[] => {
    if (d.device !== "disk") return [];
    const format = d.format === "qcow2" ? "qcow2" : "raw";
    const base = { format, target: d.target ?? null, shared: DISK_DEFAULTS.shared } as const;
    if (d.type === "volume" && d.pool && d.volume) return [{ path: null, pool: d.pool, volume: d.volume, ...base }];
    if ((d.type === "file" || d.type === undefined) && d.path) return [{ path: d.path, pool: null, volume: null, ...base }];
    return [];
  });
}

/**
 * The VM's `cpu` as a domain's XML says it (import): a mode, a named model — or null for what
 * libvirt writes itself when none was asked for (on x86 TCG `<cpu mode='custom' check='none'>`
 * with qemu64), so an adopted VM's configuration leaves `cpu` out as it would for its own VMs.
 */
export function declaredCpu(cpu: { mode?: string; model?: string; check?: string } | undefined): string | null {
  if (!cpu) return null;
  if (cpu.mode === "host-model" || cpu.mode === "host-passthrough") return cpu.mode;
  if ((cpu.mode === "custom" || cpu.mode === undefined) && cpu.model && !(cpu.check === "none" && cpu.model === "qemu64")) return cpu.model;
  return null;
}

/** The domain's CPU from the VM's `cpu` (see Vm.cpu for the default). */
export function cpuSpec(cpu: string | null): { cpuMode?: "host-model" | "host-passthrough"; cpuModel?: string } {
  if (cpu === null) return {};
  return isCpuMode(cpu) ? { cpuMode: cpu } : { cpuModel: cpu };
}

/** Device kinds libvirt adds to every x86 domain by itself: a domain built from the model gets them back. */
const LIBVIRT_DEFAULTS = new Set(["emulator", "controller", "input mouse", "input keyboard", "memballoon none"]);

/**
 * What a domain has that livevirt's model does not describe — what re-creating it from the model
 * would drop (e.g. "graphics vnc", "rng virtio", "serial pty", "disk cdrom"). libvirt's own
 * defaults (controllers, PS/2 input, the emulator) are left out: a new domain gets them again.
 */
export function unmodeledDevices(x: Pick<DomainXmlInfo, "devices" | "disks" | "interfaces" | "serials" | "consoles">): string[] {
  const out: string[] = [];
  for (const d of x.disks) if (modelDisks([d]).length === 0) out.push(`disk ${d.device ?? d.type ?? "?"}`);
  for (const n of x.interfaces) if (modelInterfaces([n]).length === 0) out.push(`interface ${n.type || "?"}`);
  for (const c of [...x.serials.map((c) => ["serial", c] as const), ...x.consoles.map((c) => ["console", c] as const)])
    if (c[1].type !== "file") out.push(`${c[0]} ${c[1].type}`);
  const handled = /^(disk|interface|serial|console)( |$)/;
  for (const d of x.devices) if (!handled.test(d) && !LIBVIRT_DEFAULTS.has(d) && !d.startsWith("controller")) out.push(d);
  return out;
}
