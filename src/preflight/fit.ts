/**
 * Destination fit: can the destination take this VM at all (any live move needs these), plus
 * the transport rule post-copy adds. CPU compatibility uses libvirt's hypervisor CPU compare on
 * the destination; machine types and free memory come from the cached destination facts.
 */
import { assign, diskSource, isVolumeDisk, ref, type Host } from "../model/index.js";
import { hostSupportsKvm } from "../libvirt/parse/capabilities.js";
import { connect } from "../hosts/registry.js";
import { runOnHost } from "../hosts/shell.js";
import type { HostFacts } from "./host-facts.js";
import { errorText } from "./known.js";
import type { CheckResult, PreflightVm } from "./types.js";

const MIB = 1024 * 1024;

/** The `<cpu>…</cpu>` element of libvirt-written domain XML (libvirt never nests <cpu>). */
export function cpuElement(domainXml: string): string | undefined {
  return /<cpu(?:\s[^>]*)?\/>|<cpu(?:\s[^>]*)?>[\s\S]*?<\/cpu>/.exec(domainXml)?.[0];
}

export function machineCheck(vm: PreflightVm, dest: HostFacts): CheckResult {
  const base = { id: "fit.machine", host: dest.host, title: "machine type available on the destination", requiredFor: "move" as const };
  const arch = vm.arch ?? "x86_64";
  if (vm.machine === undefined) {
    const def = dest.domCaps.known ? dest.domCaps.value.machine : undefined;
    return { ...base, status: "pass", found: `not set: libvirt's default${def ? ` (${def} on ${dest.host})` : ""}`, required: "any" };
  }
  const required = `${vm.machine} offered for ${arch} ${vm.domainType} domains`;
  if (!dest.capabilities.known) return { ...base, status: "unknown", found: `capabilities unknown (${dest.capabilities.why})`, required };
  const guests = dest.capabilities.value.guests.filter((g) => g.arch === arch && g.domainTypes.includes(vm.domainType));
  const names = guests.flatMap((g) => g.machines.flatMap((m) => [m.name, ...(m.canonical ? [m.canonical] : [])]));
  if (names.includes(vm.machine)) return { ...base, status: "pass", found: `${vm.machine} offered`, required };
  const family = vm.machine.split("-").slice(0, 2).join("-");
  const similar = [...new Set(names.filter((n) => n.startsWith(family)))].slice(-5);
  return {
    ...base,
    status: "fail",
    found: `${vm.machine} not offered by ${dest.host}'s QEMU${similar.length ? ` (it has e.g. ${similar.join(", ")})` : ""}`,
    required,
    fix: `upgrade QEMU on host ${dest.host} to one that still offers ${vm.machine}, or pick another host`,
  };
}

export function memoryCheck(vm: PreflightVm, dest: HostFacts): CheckResult {
  const required = `≥ ${vm.memoryMib} MiB free`;
  const base = { id: "fit.memory", host: dest.host, title: "free memory on the destination", required, requiredFor: "move" as const };
  const free = dest.freeMemoryBytes;
  if (!free.known) return { ...base, status: "unknown", found: `unknown (${free.why})` };
  const freeMib = Math.floor(free.value / MIB);
  return freeMib >= vm.memoryMib
    ? { ...base, status: "pass", found: `${freeMib} MiB free` }
    : { ...base, status: "fail", found: `${freeMib} MiB free`, fix: `free memory on host ${dest.host} or choose another host for ${vm.name}` };
}

export function diskCheck(vm: PreflightVm, dest: string): CheckResult {
  const base = { id: "fit.disks", host: dest, title: "disks reachable from the destination", requiredFor: "move" as const };
  const required = `every disk shared (${assign("shared", true)}) or copied (${assign("migration.copyStorage", true)})`;
  if (vm.disks.length === 0) return { ...base, status: "pass", found: "no disks", required };
  const local = vm.disks.filter((d) => !d.shared);
  if (local.length === 0)
    return { ...base, status: "pass", found: `${vm.disks.length} disk(s) on shared storage (shared=true; its filesystem: fit.shared-storage)`, required };
  if (vm.migration.copyStorage)
    return { ...base, status: "pass", found: `${local.length} non-shared disk(s) copied with the move (${ref("migration.copyStorage")})`, required };
  return {
    ...base,
    status: "fail",
    found: `non-shared disk(s) without ${ref("migration.copyStorage")}: ${local.map(diskSource).join(", ")}`,
    required,
    fix: `set ${assign("migration.copyStorage", true)}, or put the disk on shared storage and mark it ${assign("shared", true)}`,
  };
}

/**
 * Filesystems libvirt counts as shared storage for a move without copying (virFileIsSharedFS:
 * NFS, GFS2, OCFS2, AFS, SMB/CIFS, Ceph, GPFS, Quobyte, ACFS, GlusterFS and BeeGFS), by the type
 * `findmnt -o FSTYPE` prints. A writable image anywhere else makes libvirt refuse the move
 * ("Migration without shared storage is unsafe") unless the move copies it.
 */
const SHARED_FS_TYPES = new Set(["nfs", "nfs4", "gfs", "gfs2", "ocfs2", "afs", "smbfs", "smb3", "cifs", "ceph", "gpfs", "acfs", "beegfs"]);
const SHARED_FUSE_TYPES = new Set(["fuse.glusterfs", "fuse.quobyte", "fuse.beegfs"]);

/** A disk image at `path` on a filesystem of `fsType` is on shared storage, as libvirt decides it (qemu.conf shared_filesystems included). */
export function onSharedStorage(path: string, fsType: string, sharedFilesystems: readonly string[] = []): boolean {
  if (SHARED_FS_TYPES.has(fsType) || SHARED_FUSE_TYPES.has(fsType)) return true;
  return sharedFilesystems.some((p) => {
    const dir = p.replace(/\/+$/, "");
    return path === dir || path.startsWith(`${dir}/`);
  });
}

/**
 * Every disk the move does not copy (`shared = true`) is on shared storage on the source, as
 * libvirt checks before it starts (qemuMigrationSrcIsSafe) — so a plan does not pass a move its
 * apply cannot do. The image's filesystem is read on the source (`findmnt -T`; a pool volume's
 * path from libvirt). null when no disk moves without copying.
 */
export async function sharedStorageCheck(
  vm: Pick<PreflightVm, "name" | "disks">,
  from: Host,
  src: HostFacts,
  signal?: AbortSignal,
): Promise<CheckResult | null> {
  const moved = vm.disks.filter((d) => d.shared);
  if (moved.length === 0) return null;
  const base = { id: "fit.shared-storage", host: from.name, title: "disks moved without copying are on shared storage", requiredFor: "move" as const };
  const required =
    "each disk with " +
    `${assign("shared", true)} on a filesystem libvirt counts as shared (NFS, Ceph, GlusterFS, GFS2, OCFS2, SMB/CIFS, …) ` +
    "or under qemu.conf shared_filesystems";
  const declared = src.qemuConf.known ? (src.qemuConf.value.sharedFilesystems ?? []) : [];
  const local: string[] = [];
  let firstLocal: { what: string; fs: string } | undefined;
  const shared: string[] = [];
  const unknowns: string[] = [];
  for (const d of moved) {
    let path = d.path;
    if (!path && isVolumeDisk(d)) {
      try {
        path = (await connect(from).volumeInfo(d.pool, d.volume, { signal }))?.path ?? null;
      } catch (e) {
        unknowns.push(`${diskSource(d)}: ${errorText(e)}`);
        continue;
      }
      if (!path) {
        unknowns.push(`${diskSource(d)}: libvirt on host ${from.name} names no path for it`);
        continue;
      }
    }
    if (!path) continue;
    const r = await runOnHost(from, ["findmnt", "-n", "-o", "FSTYPE", "-T", path], { signal, timeoutMs: 10_000 });
    if (r.kind === "unavailable") {
      unknowns.push(`${path}: ${r.reason}`);
      continue;
    }
    const fsType = r.stdout.trim().split("\n")[0]?.trim() ?? "";
    if (r.exitCode !== 0 || fsType === "") {
      unknowns.push(`${path}: findmnt on host ${from.name} said ${JSON.stringify((r.stderr || r.stdout).trim().slice(0, 120))}`);
      continue;
    }
    const isShared = onSharedStorage(path, fsType, declared);
    (isShared ? shared : local).push(`${diskSource(d)} (${fsType})`);
    if (!isShared) firstLocal ??= { what: diskSource(d), fs: fsType };
  }
  if (local.length > 0) {
    return {
      ...base,
      status: "fail",
      brief: `${firstLocal!.what} is on ${firstLocal!.fs}, not shared storage: libvirt would refuse the move without copying it`,
      found:
        `on a local filesystem of host ${from.name}, which libvirt refuses to move without copying ` +
        `("Migration without shared storage is unsafe"): ${local.join(", ")}`,
      required,
      fix:
        `put the image on shared storage mounted at the same path on both hosts, or mark the disk ${assign("shared", false)} ` +
        `and set ${assign("migration.copyStorage", true)} to copy it with the move — or list its directory in qemu.conf shared_filesystems ` +
        `on both hosts if it really is shared`,
    };
  }
  if (unknowns.length > 0) return { ...base, status: "unknown", found: unknowns.join("; "), required };
  return { ...base, status: "pass", found: `on shared storage: ${shared.join(", ")}`, required };
}

export function transportCheck(vm: PreflightVm, dest: string): CheckResult {
  const base = {
    id: "fit.transport",
    host: dest,
    title: "no tunnelled transport with post-copy",
    required: "native (non-tunnelled) migration transport",
    requiredFor: "postcopy" as const,
  };
  return vm.migration.tunnelled
    ? { ...base, status: "fail", found: "tunnelled", fix: "drop tunnelled (use the native transport, with TLS if the link needs encryption)" }
    : { ...base, status: "pass", found: "native transport" };
}

/**
 * host-passthrough hands the guest the source host's exact CPU (model, features, microcode
 * quirks); libvirt cannot check a guest CPU it did not describe, so the only safe move is between
 * hosts whose CPUs libvirt reports identical (model, vendor, feature set).
 */
export function passthroughCheck(vm: Pick<PreflightVm, "cpu">, src: HostFacts, dst: HostFacts): CheckResult | null {
  if (vm.cpu !== "host-passthrough") return null;
  const base = { id: "fit.cpu.passthrough", host: dst.host, title: "host-passthrough CPU identical on both hosts", requiredFor: "move" as const };
  const required = `host ${dst.host}'s CPU identical to host ${src.host}'s (model, vendor, features)`;
  if (!src.capabilities.known || !dst.capabilities.known) {
    return {
      ...base,
      status: "unknown",
      found: `host CPU unknown (${!src.capabilities.known ? src.capabilities.why : !dst.capabilities.known ? dst.capabilities.why : ""})`,
      required,
    };
  }
  const a = src.capabilities.value.cpu;
  const b = dst.capabilities.value.cpu;
  const missing = a.features.filter((f) => !b.features.includes(f));
  const extra = b.features.filter((f) => !a.features.includes(f));
  const diffs = [
    a.model !== b.model ? `model ${a.model ?? "?"} on ${src.host}, ${b.model ?? "?"} on ${dst.host}` : "",
    a.vendor !== b.vendor ? `vendor ${a.vendor ?? "?"} on ${src.host}, ${b.vendor ?? "?"} on ${dst.host}` : "",
    missing.length ? `${dst.host} lacks ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ` (+${missing.length - 8})` : ""}` : "",
    extra.length ? `${dst.host} has ${extra.length} feature(s) ${src.host} does not` : "",
  ].filter(Boolean);
  if (diffs.length === 0) return { ...base, status: "pass", found: `identical: ${a.vendor ?? "?"} ${a.model ?? "?"}, ${a.features.length} features`, required };
  return {
    ...base,
    status: "fail",
    found: `CPUs differ: ${diffs.join("; ")}`,
    required,
    fix: `use ${assign("cpu", "host-model")} or a named model both hosts offer (a restart of the VM), or move it between hosts with identical CPUs`,
  };
}

export async function cpuCheck(vm: PreflightVm, from: Host, dest: HostFacts, to: Host, signal?: AbortSignal): Promise<CheckResult> {
  const base = { id: "fit.cpu", host: dest.host, title: "guest CPU runs on the destination", requiredFor: "move" as const };
  const required = `destination's ${vm.domainType} hypervisor CPU is identical to or a superset of the guest CPU`;
  let cpuXml = vm.cpuXml;
  if (vm.domainType === "kvm" && dest.capabilities.known && !hostSupportsKvm(dest.capabilities.value, vm.arch ?? "x86_64")) {
    return {
      ...base,
      status: "fail",
      found: `host ${dest.host} offers no kvm domain type (no usable /dev/kvm)`,
      required,
      fix: `enable KVM on host ${dest.host} or pick another host`,
    };
  }
  // A named model on TCG is a real constraint too: the destination's QEMU must provide it.
  const named = typeof vm.cpu === "string" && vm.cpu !== "host-model" && vm.cpu !== "host-passthrough";
  if (cpuXml === undefined && (vm.domainType === "kvm" || named)) {
    try {
      cpuXml = cpuElement((await connect(from).dumpXml(vm.name, { migratable: true }, { signal })).xml);
    } catch (e) {
      return { ...base, status: "unknown", found: `could not read the guest CPU from ${from.name}: ${errorText(e)}`, required };
    }
  }
  if (cpuXml === undefined) {
    // No <cpu>: QEMU's default model (qemu64), which every host of the same arch provides.
    const why =
      vm.domainType === "qemu"
        ? "TCG domain without <cpu>: QEMU emulates its default CPU model on any TCG host — always compatible"
        : "no <cpu> element: QEMU's default model";
    return { ...base, status: "pass", found: why, required };
  }
  try {
    const r = await connect(to).cpuCompare(cpuXml, { virttype: vm.domainType, arch: vm.arch, machine: vm.machine }, { signal });
    return r === "incompatible"
      ? {
          ...base,
          status: "fail",
          found: `guest CPU incompatible with ${dest.host}'s hypervisor CPU`,
          required,
          fix: "use a CPU model both hosts provide (e.g. a named model in <cpu mode='custom'>) or pick another host",
        }
      : { ...base, status: "pass", found: `${r} (hypervisor-cpu-compare)`, required };
  } catch (e) {
    return { ...base, status: "unknown", found: `hypervisor-cpu-compare failed: ${errorText(e)}`, required };
  }
}

/** What one `ls -d /sys/class/net/<br> /sys/class/net/<br>/bridge` printed: the bridge's kind on the host. */
export function bridgeKind(bridge: string, lsStdout: string): "bridge" | "not-a-bridge" | "missing" {
  const lines = lsStdout.split("\n").map((l) => l.trim());
  if (lines.includes(`/sys/class/net/${bridge}/bridge`)) return "bridge";
  if (lines.includes(`/sys/class/net/${bridge}`)) return "not-a-bridge";
  return "missing";
}

/**
 * The destination has every network the VM's interfaces are on: each libvirt network defined
 * and active there, each host bridge present and a bridge. A guest that arrived without its
 * network would be cut off, its connections gone — for good, as far as they are concerned.
 */
export async function networkCheck(vm: Pick<PreflightVm, "name" | "networkInterfaces">, to: Host, signal?: AbortSignal): Promise<CheckResult> {
  const base = { id: "fit.network", host: to.name, title: "the VM's networks on the destination", requiredFor: "move" as const };
  const nics = vm.networkInterfaces ?? [];
  const networks = [...new Set(nics.flatMap((n) => (n.network ? [n.network] : [])))];
  const bridges = [...new Set(nics.flatMap((n) => (n.bridge ? [n.bridge] : [])))];
  const required = [
    networks.length ? `libvirt network ${networks.join(", ")} defined and active` : "",
    bridges.length ? `bridge ${bridges.join(", ")} present` : "",
  ]
    .filter(Boolean)
    .join("; ");
  if (nics.length === 0) return { ...base, status: "pass", found: "no network interfaces", required: "nothing" };

  const problems: string[] = [];
  const fixes: string[] = [];
  const unknowns: string[] = [];
  if (networks.length > 0) {
    try {
      const defined = await connect(to).listNetworks({ signal });
      for (const n of networks) {
        const d = defined.find((x) => x.name === n);
        if (!d) {
          problems.push(`no libvirt network "${n}" on host ${to.name}`);
          fixes.push(`define and start network "${n}" on host ${to.name} (virsh net-define, net-start ${n}, net-autostart ${n}) as on the source`);
        } else if (!d.active) {
          problems.push(`libvirt network "${n}" is not active on host ${to.name}`);
          fixes.push(`start it on host ${to.name}: virsh net-start ${n} (and net-autostart ${n} so it comes back after a reboot)`);
        }
      }
    } catch (e) {
      unknowns.push(`virsh net-list on host ${to.name} failed: ${errorText(e)}`);
    }
  }
  for (const br of bridges) {
    const r = await runOnHost(to, ["ls", "-d", `/sys/class/net/${br}`, `/sys/class/net/${br}/bridge`], { signal, timeoutMs: 10_000 });
    if (r.kind === "unavailable") {
      unknowns.push(`bridge ${br}: ${r.reason}`);
      continue;
    }
    const kind = bridgeKind(br, r.stdout);
    if (kind === "missing") {
      problems.push(`no interface "${br}" on host ${to.name}`);
      fixes.push(`create bridge "${br}" on host ${to.name} on the same layer-2 network as on the source`);
    } else if (kind === "not-a-bridge") {
      problems.push(`"${br}" on host ${to.name} is not a bridge`);
      fixes.push(`make "${br}" a bridge on host ${to.name}, or attach the interface to the bridge that carries that network`);
    }
  }
  if (problems.length > 0)
    return { ...base, status: "fail", found: problems.join("; "), required, fix: `${fixes.join("; ")} — or choose a host that has it for ${vm.name}` };
  if (unknowns.length > 0) return { ...base, status: "unknown", found: unknowns.join("; "), required };
  return { ...base, status: "pass", found: [...networks.map((n) => `network ${n} active`), ...bridges.map((b) => `bridge ${b} present`)].join(", "), required };
}

const mib = (bytes: number) => `${Math.ceil(bytes / MIB)} MiB`;

/** The storage driver is missing on a host: libvirt answers every pool call with this. */
const NO_STORAGE_DRIVER = /not supported by the connection driver/;

/**
 * The VM's pool volumes on `to`: each pool defined and active there; a shared (not copied)
 * volume present in it; a volume the move copies (`shared = false` with copy_storage) absent —
 * libvirt then creates it in the pool of the same name, with the source's size — with room for
 * the source's allocation, or present as a copy target of the same format and size (what an
 * earlier move left behind: the copy overwrites it; anything else is someone's data, refused).
 * `from` null: a VM about to be created there, whose volumes must all exist with the declared
 * format. A volume not found is looked for again after a `pool-refresh` (libvirt's list of a pool
 * is from its last scan: a shared pool's volume made on another host is not in it). null when the
 * VM has no pool volumes.
 */
export async function storageCheck(
  vm: Pick<PreflightVm, "name" | "disks"> & { migration?: Pick<PreflightVm["migration"], "copyStorage"> },
  from: Host | null,
  to: Host,
  signal?: AbortSignal,
): Promise<CheckResult | null> {
  const volumes = vm.disks.filter(isVolumeDisk);
  if (volumes.length === 0) return null;
  const copied = (d: { shared?: boolean }) => from !== null && vm.migration?.copyStorage === true && d.shared === false;
  const pools = [...new Set(volumes.map((d) => d.pool))];
  const base = { id: "fit.storage", host: to.name, title: "the VM's storage pools on the destination", requiredFor: "move" as const };
  const required = [
    `pool ${pools.join(", ")} defined and active`,
    volumes.some((d) => !copied(d))
      ? `volume ${volumes
          .filter((d) => !copied(d))
          .map((d) => `${d.pool}/${d.volume}`)
          .join(", ")} present`
      : "",
    volumes.some(copied)
      ? `room for ${volumes
          .filter(copied)
          .map((d) => `${d.pool}/${d.volume}`)
          .join(", ")} (created by the copy)`
      : "",
  ]
    .filter(Boolean)
    .join("; ");
  const problems: string[] = [];
  const fixes: string[] = [];
  const found: string[] = [];
  const dest = connect(to);
  try {
    const defined = await dest.listPools({ signal });
    const usable = new Set<string>();
    for (const p of pools) {
      const d = defined.find((x) => x.name === p);
      if (!d) {
        problems.push(`no storage pool "${p}" on host ${to.name}`);
        fixes.push(
          `define and start pool "${p}" on host ${to.name} (virsh pool-define-as ${p} dir --target DIR, pool-build ${p}, pool-start ${p}, pool-autostart ${p})`,
        );
      } else if (!d.active) {
        problems.push(`storage pool "${p}" is not active on host ${to.name}`);
        fixes.push(`start it on host ${to.name}: virsh pool-start ${p} (and pool-autostart ${p} so it comes back after a reboot)`);
      } else usable.add(p);
    }
    const room = new Map<string, number>();
    for (const d of volumes.filter((x) => usable.has(x.pool))) {
      const name = `volume ${d.volume} in pool ${d.pool}`;
      let there = await dest.volumeInfo(d.pool, d.volume, { signal });
      if (!there && !copied(d)) {
        // libvirt lists a pool's volumes as it last scanned them: a volume another host (a shared
        // pool) or another tool put there since is missing until the pool is refreshed. A refresh
        // only re-reads the directory (nothing is written).
        await dest.refreshPool(d.pool, { signal });
        there = await dest.volumeInfo(d.pool, d.volume, { signal });
      }
      if (!copied(d)) {
        if (!there) {
          problems.push(`no ${name} on host ${to.name}`);
          fixes.push(
            from === null
              ? `create it on host ${to.name} (virsh vol-create-as ${d.pool} ${d.volume} SIZE --format ${d.format ?? "raw"}) or name an existing volume`
              : `put pool "${d.pool}" of host ${to.name} on the storage host ${from.name}'s pool uses, or mark the ` +
                  `disk ${assign("shared", false)} and set ${assign("migration.copyStorage", true)} to copy it`,
          );
        } else if (from === null && d.format !== undefined && there.format !== undefined && there.format !== d.format) {
          problems.push(`${name} on host ${to.name} is ${there.format}, the disk says ${d.format}`);
          fixes.push(`set the disk's ${assign("format", there.format)}`);
        } else found.push(`${d.pool}/${d.volume} present${there.format ? ` (${there.format})` : ""}`);
        continue;
      }
      const src = await connect(from!).volumeInfo(d.pool, d.volume, { signal });
      if (!src) {
        problems.push(`no ${name} on the source host ${from!.name} to copy`);
        fixes.push(`check the VM's disks on host ${from!.name} (virsh domblklist ${vm.name})`);
        continue;
      }
      if (there) {
        if (there.format === src.format && there.capacityBytes === src.capacityBytes) {
          found.push(
            `${d.pool}/${d.volume} already on ${to.name} with the same format and size (${src.format}, ${mib(src.capacityBytes)}): the copy overwrites it`,
          );
        } else {
          problems.push(
            `host ${to.name} already has ${name} (${there.format ?? "?"}, ${mib(there.capacityBytes)}), which is not a copy target ` +
              `for ${src.format ?? "?"}, ${mib(src.capacityBytes)}; livevirt never overwrites it`,
          );
          fixes.push(
            `remove or rename volume ${d.volume} in pool ${d.pool} on host ${to.name} if it is not needed (virsh vol-delete ${d.volume} --pool ${d.pool})`,
          );
        }
        continue;
      }
      // The full virtual size: --copy-storage-all writes every block (measured: a new 64 MiB qcow2 took 64.3 MiB on the destination).
      room.set(d.pool, (room.get(d.pool) ?? 0) + src.capacityBytes);
      found.push(`${d.pool}/${d.volume} created in ${to.name}'s pool by the copy (${src.format ?? "?"}, ${mib(src.capacityBytes)})`);
    }
    for (const [p, need] of room) {
      const info = await dest.poolInfo(p, { signal });
      if (info.availableBytes !== undefined && info.availableBytes < need) {
        problems.push(`storage pool "${p}" on host ${to.name} has ${mib(info.availableBytes)} free, the copy needs ${mib(need)}`);
        fixes.push(`free space in pool "${p}" on host ${to.name}`);
      }
    }
  } catch (e) {
    const why = errorText(e);
    if (NO_STORAGE_DRIVER.test(why)) {
      return {
        ...base,
        status: "fail",
        found: `libvirt on host ${to.name} has no storage driver (no pools at all)`,
        required,
        fix:
          `install libvirt's storage driver on host ${to.name} (Debian: libvirt-daemon-driver-storage) ` +
          `and restart libvirtd — or choose another host for ${vm.name}`,
      };
    }
    return { ...base, status: "unknown", found: `reading the storage pools of host ${to.name} failed: ${why}`, required };
  }
  if (problems.length > 0)
    return { ...base, status: "fail", found: problems.join("; "), required, fix: `${fixes.join("; ")} — or choose a host that has it for ${vm.name}` };
  return { ...base, status: "pass", found: found.join(", ") || `pool ${pools.join(", ")} active`, required };
}
