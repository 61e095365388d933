/**
 * The real driver: the provider's plain VM specs mapped onto the domain services in src/
 * (placement lifecycle, preflight, move engine). This file only translates; decisions live in src/.
 */
import { LivevirtError } from "../../src/errors.js";
import type { DiskSpec as DomainDisk } from "../../src/libvirt/domain-xml.js";
import { HostRegistry } from "../../src/placement/registry.js";
import { VmLifecycle } from "../../src/placement/lifecycle.js";
import type { Placement, VmDefinition } from "../../src/placement/types.js";
import type { MoveLog } from "../../src/migration/engine.js";
import { formatReport, formatVerdict } from "../../src/preflight/index.js";
import { MoveFailed, MoveService } from "../../src/placement/move.js";
import { VmMoveFailed, type DriverFactory, type HostFacts, type VmObserved, type VmRef, type VmSpec } from "./driver.js";
import { migrationPolicy } from "./vm-spec.js";

function definition(spec: VmSpec): VmDefinition {
  return {
    name: spec.name,
    host: spec.host,
    memoryMib: spec.memoryMib,
    vcpus: spec.vcpus,
    domainType: spec.domainType,
    kernel: spec.kernel,
    initrd: spec.initrd,
    cmdline: spec.cmdline,
    disks: spec.disks.map(
      (d, i): DomainDisk => ({ path: d.path, format: d.format, target: d.target ?? `vd${String.fromCharCode(97 + i)}`, shared: d.shared }),
    ),
    consoleLog: spec.consoleLog,
  };
}

function observed(p: Placement): VmObserved {
  return { id: p.uuid, name: p.name, host: p.host, domainType: p.domainType, state: p.state };
}

export const libvirtDrivers: DriverFactory = (hostSpecs) => {
  const hosts = new HostRegistry(
    hostSpecs.map((h) => ({ name: h.name, uri: h.uri, migrationUri: h.migrationUri ?? undefined, shell: h.shell ?? undefined })),
  );
  const vms = new VmLifecycle(hosts);
  const moves = new MoveService(hosts, vms);
  /** Where the VM is now; a move of a VM that no longer exists cannot be planned. */
  const currentPlacement = async (ref: VmRef): Promise<Placement> => {
    const p = await vms.locate(ref.id, ref.host);
    if (!p) {
      throw new LivevirtError(`VM ${ref.name} (${ref.id}) is not on any declared host`, {
        host: ref.host,
        fix: "run `terraform apply -refresh-only` (or plan again) so Terraform learns it is gone and creates it",
      });
    }
    return p;
  };
  return {
    vm: {
      create: async (spec) => observed(await vms.create(definition(spec))),
      read: async (ref) => {
        const p = await vms.locate(ref.id, ref.host);
        return p ? observed(p) : null;
      },
      preflight: async (ref, spec, ctx) => {
        const current = await currentPlacement(ref);
        const report = await moves.preflight(current, definition(spec), spec.migration, { probe: spec.migration.probe, signal: ctx.signal });
        ctx.log.info(formatReport(report), { ms: report.timing.totalMs, cached: report.timing.cached });
        return formatVerdict(report);
      },
      move: async (ref, spec, ctx) => {
        const current = await currentPlacement(ref);
        const log: MoveLog = (level, msg, fields) => ctx.log[level](`${spec.name}: ${msg}`, fields);
        try {
          const { placement, record } = await moves.move(current, definition(spec), spec.migration, { signal: ctx.signal, log });
          return { vm: observed(placement), report: record };
        } catch (e) {
          if (e instanceof MoveFailed) throw new VmMoveFailed(e, e.placement ? observed(e.placement) : null);
          throw e;
        }
      },
      delete: async (ref) => vms.delete(ref.id, ref.host),
      import: async (id) => {
        const p = await vms.importId(id);
        const x = await hosts.connection(p.host).dumpXml(p.uuid, { inactive: true });
        const spec: VmSpec = {
          name: x.name,
          host: p.host,
          memoryMib: Math.round(x.memoryBytes / (1024 * 1024)),
          vcpus: x.vcpus,
          domainType: p.domainType,
          kernel: x.os.kernel ?? null,
          initrd: x.os.initrd ?? null,
          cmdline: x.os.cmdline ?? null,
          disks: x.disks
            .filter((d) => d.device === "disk" && d.path)
            .map((d) => ({ path: d.path!, format: d.format === "qcow2" ? "qcow2" : "raw", target: d.target ?? null, shared: true })),
          consoleLog: x.serials.find((s) => s.type === "file")?.path ?? null,
          migration: migrationPolicy(null),
        };
        return { vm: observed(p), spec };
      },
    },
    hostInfo: {
      info: async (host): Promise<HostFacts> => {
        const c = hosts.connection(host.name);
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
};
