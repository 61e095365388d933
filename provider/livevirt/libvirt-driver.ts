/**
 * The real driver: the port (driver.ts) implemented with the domain services in src/placement
 * (lifecycle, preflight, move). The port speaks the model's types, so this file only connects
 * them and renders domain texts in HCL; decisions live in src/.
 */
import type { Logger } from "../plugin/log.js";
import { observeVirshCalls, type VirshCall } from "../../src/libvirt/index.js";
import { HostRegistry } from "../../src/hosts/registry.js";
import { VmLifecycle, declaredCpu, modelDisks, unmodeledDevices } from "../../src/placement/lifecycle.js";
import type { MoveLog } from "../../src/migration/engine.js";
import { resolveMigration, type HostList, type Vm } from "../../src/model/index.js";
import { formatReport, formatVerdict } from "../../src/preflight/index.js";
import { MoveService } from "../../src/placement/move.js";
import { SharedListings } from "../../src/placement/refresh.js";
import type { Drivers, HostInfo } from "./driver.js";
import { hcl } from "./spelling.js";
import { LivevirtError } from "../../src/errors.js";

/** "virsh dumpxml ×40" for a call that ran 40 commands in one process; the command's name otherwise. */
export function virshCallText(c: VirshCall): string {
  const first = c.command[3] ?? "";
  const verb = first.split(/\s/)[0];
  const n = c.command.length === 4 && first.includes(";") ? first.split(";").length : 1;
  return `virsh ${verb}${n > 1 ? ` ×${n}` : ""}`;
}

export function libvirtDrivers(declared: HostList, log: Logger): Drivers {
  const hosts = new HostRegistry(declared);
  const vms = new VmLifecycle(hosts);
  const moves = new MoveService(hosts, vms);
  // One debug line per virsh process this provider process runs: what a refresh or an apply cost.
  observeVirshCalls((c) => log.debug(virshCallText(c), { uri: c.command[2], ms: Math.round(c.ms), exit: c.exitCode ?? null, pid: process.pid }));
  const listings = new SharedListings(hosts, (uuid, lastHost) => vms.locate(uuid, lastHost), {
    onListing: (host, ms, r) =>
      r instanceof Error
        ? log.debug(`refresh listing of host ${host} failed (each VM is read on its own): ${r.message}`, { host, ms: Math.round(ms), pid: process.pid })
        : log.debug(`refresh listing of host ${host}: ${r.states.length} domains, ${r.described.size} described`, {
            host,
            ms: Math.round(ms),
            pid: process.pid,
          }),
  });
  /** A change through this process: what the listings said is no longer true (before: a listing taken meanwhile goes too). */
  const changing = async <T>(fn: () => Promise<T>): Promise<T> => {
    listings.invalidate();
    try {
      return await fn();
    } finally {
      listings.invalidate();
    }
  };
  return {
    vm: {
      create: (vm) => changing(() => vms.create(vm)),
      read: (ref) => vms.locate(ref.id, ref.host),
      refresh: (ref) => listings.read(ref.id, ref.host),
      placeCheck: async (vm, ctx) => {
        try {
          await vms.placeCheck(vm, ctx.signal);
        } catch (e) {
          if (e instanceof LivevirtError)
            throw new LivevirtError(hcl(e.message), { ...e.detail, field: e.detail.field && hcl(e.detail.field), fix: e.detail.fix && hcl(e.detail.fix) });
          throw e;
        }
      },
      preflight: async (ref, vm, ctx) => {
        const current = await vms.locate(ref.id, ref.host);
        if (!current) {
          throw new LivevirtError(`VM ${ref.name} (${ref.id}) is not on any declared host`, {
            host: ref.host,
            fix: "run `terraform apply -refresh-only` (or plan again) so Terraform learns it is gone and creates it",
          });
        }
        const report = await moves.preflight(current, vm, { probe: vm.migration.probe, signal: ctx.signal, planned: { from: ref.host } });
        ctx.log.info(hcl(formatReport(report)), { ms: report.timing.totalMs, cached: report.timing.cached });
        return hcl(formatVerdict(report));
      },
      prepareMove: (fromHost, toHost, ctx) => moves.prepare(fromHost, toHost, ctx.signal),
      move: async (current, vm, ctx) => {
        const log: MoveLog = (level, msg, fields) => ctx.log[level](hcl(`${vm.name}: ${msg}`), fields);
        const { placement, record } = await changing(() => moves.move(current, vm, { signal: ctx.signal, log }));
        return { placement, record: { ...record, preflight: hcl(record.preflight) } };
      },
      updateInterfaces: (current, before, after) => changing(() => vms.updateInterfaces(current, before, after)),
      resize: (current, to, how, ctx) => changing(() => vms.resize(current, to, how, { signal: ctx.signal })),
      hostUsage: async (name, what) => {
        const c = hosts.connection(name);
        const out: { usedMib?: number; usedVcpus?: number; freeMib?: number } = {};
        try {
          out.freeMib = Math.floor((await c.freeMemory()) / (1024 * 1024));
        } catch {
          // unknown: not checked against free memory
        }
        if (!what.used) return out;
        try {
          // The persistent definitions: they answer while a domain is an end of a migration.
          const doms = await c.listDomains({ all: true });
          const xs = await Promise.all(doms.map((d) => c.dumpXml(d.name, { inactive: true }, { timeoutMs: 10_000 }).catch(() => null)));
          out.usedMib = Math.round(xs.reduce((s, x) => s + (x ? x.memoryBytes : 0), 0) / (1024 * 1024));
          out.usedVcpus = xs.reduce((s, x) => s + (x ? x.vcpus : 0), 0);
        } catch {
          // unknown
        }
        return out;
      },
      unmodeled: async (ref) => {
        const p = await vms.locate(ref.id, ref.host);
        if (!p) return [];
        return unmodeledDevices(await hosts.connection(p.host).dumpXml(p.uuid, { inactive: true }));
      },
      removeLeftovers: async (ref, leftoverHosts, ctx) => {
        for (const h of leftoverHosts) {
          ctx.log.info(`${ref.name}: removing the definition a finished move left on host ${h} (shut off, migrated)`, { id: ref.id });
          await changing(() => vms.removeLeftover(ref.id, h));
        }
      },
      delete: (ref) => changing(() => vms.delete(ref.id, ref.host)),
      import: async (id) => {
        const placement = await vms.importId(id);
        const x = await hosts.connection(placement.host).dumpXml(placement.uuid, { inactive: true });
        const vm: Vm = {
          name: x.name,
          host: placement.host,
          // The current size, and the maximum only when the domain has headroom above it.
          memoryMib: Math.round((x.currentMemoryBytes ?? x.memoryBytes) / (1024 * 1024)),
          maxMemoryMib: x.currentMemoryBytes !== undefined && x.currentMemoryBytes < x.memoryBytes ? Math.round(x.memoryBytes / (1024 * 1024)) : null,
          vcpus: x.vcpusCurrent,
          maxVcpus: x.vcpusCurrent < x.vcpus ? x.vcpus : null,
          domainType: placement.domainType,
          // What the domain runs with: a mode, or the custom model's name; none = QEMU's default.
          cpu: declaredCpu(x.cpu),
          kernel: x.os.kernel ?? null,
          initrd: x.os.initrd ?? null,
          cmdline: x.os.cmdline ?? null,
          disks: modelDisks(x.disks),
          networkInterfaces: placement.networkInterfaces ?? [],
          consoleLog: x.serials.find((s) => s.type === "file")?.path ?? null,
          migration: resolveMigration(null),
        };
        return { placement, vm };
      },
    },
    hostInfo: {
      info: async (name): Promise<HostInfo> => {
        const c = hosts.connection(name);
        const [v, hostname, caps] = await Promise.all([c.version(), c.hostname(), c.capabilities()]);
        let kvm = false;
        try {
          kvm = (await c.domCapabilities({ virttype: "kvm" })).domainType === "kvm";
        } catch {
          kvm = false;
        }
        return {
          hostname,
          hostUuid: caps.uuid,
          libvirtVersion: v.daemon ?? v.library,
          qemuVersion: v.hypervisor.version,
          kernel: "unknown", // libvirt does not report it; the preflight reads it over the host shell
          arch: caps.arch,
          kvm,
          postcopy: "unknown",
          postcopyReason: "post-copy checks run at plan time for each move (see the VM's preflight)",
        };
      },
    },
  };
}
