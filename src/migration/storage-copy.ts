/**
 * Non-shared disks moved with the VM (migration.copyStorage = true, disk shared = false).
 *
 * libvirt copies the image content over NBD (--copy-storage-all), but the destination needs an
 * image to copy into. libvirt 11.3 only makes one itself through a storage pool whose target is
 * the image's directory; without one — or, as on the lab and many plain hosts, without its storage
 * driver at all — the migration fails at once ("no connection driver available for
 * storage:///system", measured). So livevirt prepares the destination image itself, the way
 * libvirt would: same path, same format, same virtual size (the mirror refuses any other size),
 * qcow2 with metadata preallocation. Through the host's shell, with qemu-img.
 *
 * An image already at that path is used only when its format and virtual size match (e.g. the
 * copy an earlier move left behind; the NBD copy overwrites all of it). Anything else there is
 * someone's data: refused, never overwritten. An image in use by another running QEMU cannot be
 * opened for the copy (QEMU's image locking), so that case fails in libvirt's prepare step, before
 * anything of this VM changed. Images livevirt created are removed again when the move fails with
 * the VM still on the source; source images are never deleted (the user's data; see the log).
 *
 * A pool volume (`<disk type='volume'>`) is libvirt's to create: the destination daemon makes it
 * in its pool of the same name, with the source's format and size, during the migration's prepare
 * step (measured on libvirt 11.3: a 64 MiB qcow2 volume, move 2.3 s). livevirt checks first that
 * the pool is there and active and that no other volume of that name is in the way (the same rule
 * as for paths), and deletes the volume again when the move fails with the VM on the source.
 */
import { LivevirtError } from "../errors.js";
import type { Host } from "../model/index.js";
import { domBlkInfo, qemuImgCreateArgv, qemuImgInfoArgv } from "../libvirt/disk-images.js";
import { isNoSuchFile, parseQemuImgInfo } from "../libvirt/parse/qemu-img-info.js";
import { connect } from "../hosts/registry.js";
import { runOnHost } from "../hosts/shell.js";
import type { MoveLog } from "./monitor.js";
import { formatMiB } from "./progress.js";

/** A disk as the move sees it: its guest target and livevirt's own shared flag. */
export interface MoveDisk {
  target: string;
  /** On storage every host sees (default true): never copied. */
  shared?: boolean;
}

export interface CopiedDisk {
  target: string;
  /** The image's path (on the source, for a pool volume). */
  path: string;
  /** A pool volume: its pool and name (the same on both hosts). */
  pool?: string;
  volume?: string;
  format: "raw" | "qcow2";
  virtualSizeBytes: number;
  /** The destination image was made for this move, by livevirt or (pool volumes) by libvirt: removed again if the move fails. */
  created: boolean;
}

/** qemu-img create of a big qcow2 with metadata preallocation takes a moment on slow storage. */
const QEMU_IMG_TIMEOUT_MS = 120_000;

/** The disks this move copies: non-shared ones, and only when the policy copies storage. */
export function disksToCopy(copyStorage: boolean, disks: readonly MoveDisk[]): string[] {
  return copyStorage ? disks.filter((d) => d.shared === false).map((d) => d.target) : [];
}

function refuse(message: string, host: string, fix: string): never {
  throw new LivevirtError(message, { host, fix });
}

/**
 * Makes sure every disk in `targets` has a matching image on the destination, creating what is
 * missing. Fills `done` as it goes, so a caller can remove what was created even when a later
 * disk fails.
 */
export async function prepareDestinationImages(o: {
  domain: string;
  from: Host;
  to: Host;
  targets: readonly string[];
  done: CopiedDisk[];
  log: MoveLog;
  signal?: AbortSignal;
}): Promise<CopiedDisk[]> {
  const { domain, from, to } = o;
  const xml = await connect(from).dumpXml(domain, {}, { signal: o.signal });
  for (const target of o.targets) {
    const disk = xml.disks.find((d) => d.target === target && d.device === "disk");
    if (disk?.type === "volume" && disk.pool && disk.volume) {
      o.done.push(await prepareDestinationVolume({ ...o, target, pool: disk.pool, volume: disk.volume }));
      continue;
    }
    if (!disk?.path)
      refuse(
        `${domain}: disk ${target} is not a file disk of the running domain on ${from.name}`,
        from.name,
        "list only the VM's file disks with shared = false",
      );
    const path = disk.path;
    const format = disk.format;
    if (format !== "raw" && format !== "qcow2")
      refuse(
        `${domain}: disk ${target} (${path}) has format ${format ?? "unknown"}; copyStorage handles raw and qcow2`,
        from.name,
        "convert the image to qcow2 or raw",
      );
    const { capacityBytes } = await domBlkInfo(from.uri, domain, target, { signal: o.signal });
    const want = `${format}, ${formatMiB(capacityBytes)} (${capacityBytes} bytes)`;

    const info = await runOnHost(to, qemuImgInfoArgv(path), { signal: o.signal, timeoutMs: QEMU_IMG_TIMEOUT_MS });
    if (info.kind === "unavailable") {
      refuse(
        `${domain}: cannot look for ${path} on host ${to.name} before copying disk ${target}: ${info.reason}`,
        to.name,
        `give host ${to.name} a shell prefix that reaches it (provider host "shell") with qemu-img installed (Debian: qemu-utils)`,
      );
    }
    if (info.exitCode === 0) {
      const have = parseQemuImgInfo(info.stdout);
      if (have.format !== format || have.virtualSizeBytes !== capacityBytes) {
        refuse(
          `${domain}: host ${to.name} already has ${path} (${have.format}, ${formatMiB(have.virtualSizeBytes)} = ${have.virtualSizeBytes} bytes), ` +
            `which is not a copy target for disk ${target} (${want}); livevirt never overwrites it`,
          to.name,
          `move or remove ${path} on host ${to.name} if it is not needed, or give the VM's disk another path`,
        );
      }
      o.log("info", `${path} already exists on ${to.name} with the same format and size (${want}): the copy overwrites it`);
      o.done.push({ target, path, format, virtualSizeBytes: capacityBytes, created: false });
      continue;
    }
    if (!isNoSuchFile(info.stderr))
      refuse(
        `${domain}: qemu-img info ${path} on host ${to.name} failed: ${info.stderr.trim()}`,
        to.name,
        `check ${path} and its directory on host ${to.name}`,
      );

    const made = await runOnHost(to, qemuImgCreateArgv(path, format, capacityBytes), { signal: o.signal, timeoutMs: QEMU_IMG_TIMEOUT_MS });
    if (made.kind === "unavailable" || made.exitCode !== 0) {
      const why = made.kind === "unavailable" ? made.reason : made.stderr.trim() || `exit ${made.exitCode}`;
      refuse(
        `${domain}: could not create ${path} (${want}) on host ${to.name} for the storage copy: ${why}`,
        to.name,
        `create the directory of ${path} on host ${to.name} (writable by root), or pre-create the image there`,
      );
    }
    o.log("info", `created ${path} on ${to.name} (${want}) for the storage copy of ${target}`);
    o.done.push({ target, path, format, virtualSizeBytes: capacityBytes, created: true });
  }
  return o.done;
}

/**
 * A pool volume the move copies: the destination's pool of that name must be active, and a
 * volume of that name there must not exist — libvirt creates it — or be a copy target of the same
 * format and size (reused, overwritten by the copy). Anything else there is refused.
 */
async function prepareDestinationVolume(o: {
  domain: string;
  from: Host;
  to: Host;
  target: string;
  pool: string;
  volume: string;
  log: MoveLog;
  signal?: AbortSignal;
}): Promise<CopiedDisk> {
  const { domain, from, to, pool, volume, target } = o;
  const name = `volume ${volume} in pool ${pool}`;
  const dest = connect(to);
  const p = (await dest.listPools({ signal: o.signal })).find((x) => x.name === pool);
  if (!p?.active)
    refuse(
      `${domain}: host ${to.name} has no active storage pool "${pool}" for disk ${target} (${name})`,
      to.name,
      `define and start pool "${pool}" on host ${to.name} (virsh pool-define-as, pool-build, pool-start)`,
    );
  const src = await connect(from).volumeInfo(pool, volume, { signal: o.signal });
  if (!src)
    refuse(`${domain}: host ${from.name} has no ${name} (disk ${target})`, from.name, `check the VM's disks on host ${from.name} (virsh domblklist ${domain})`);
  const format = src.format;
  if (format !== "raw" && format !== "qcow2")
    refuse(
      `${domain}: disk ${target} (${name}) has format ${format ?? "unknown"}; copyStorage handles raw and qcow2`,
      from.name,
      "convert the volume to qcow2 or raw",
    );
  const want = `${format}, ${formatMiB(src.capacityBytes)} (${src.capacityBytes} bytes)`;
  const base: Omit<CopiedDisk, "created"> = { target, path: src.path ?? name, pool, volume, format, virtualSizeBytes: src.capacityBytes };
  const there = await dest.volumeInfo(pool, volume, { signal: o.signal });
  if (there) {
    if (there.format !== format || there.capacityBytes !== src.capacityBytes)
      refuse(
        `${domain}: host ${to.name} already has ${name} (${there.format ?? "?"}, ${formatMiB(there.capacityBytes)} = ${there.capacityBytes} bytes), ` +
          `which is not a copy target for disk ${target} (${want}); livevirt never overwrites it`,
        to.name,
        `remove or rename volume ${volume} in pool ${pool} on host ${to.name} if it is not needed`,
      );
    o.log("info", `${name} already exists on ${to.name} with the same format and size (${want}): the copy overwrites it`);
    return { ...base, created: false };
  }
  o.log("info", `libvirt creates ${name} on ${to.name} (${want}) for the storage copy of ${target}`);
  return { ...base, created: true };
}

/** Removes the images this move created on the destination (the VM is not there). Best effort, logged. */
export async function removeCreatedImages(to: Host, disks: readonly CopiedDisk[], log: MoveLog): Promise<void> {
  for (const d of disks.filter((x) => x.created && x.pool && x.volume)) {
    const name = `volume ${d.volume} in pool ${d.pool}`;
    try {
      const r = await connect(to).deleteVolume(d.pool!, d.volume!, { timeoutMs: 30_000 });
      log(
        "info",
        r === "deleted"
          ? `deleted ${name} from ${to.name}: made for this move, which failed`
          : `${name} was not created on ${to.name} (the move failed before)`,
      );
    } catch (e) {
      log("warn", `could not delete ${name} from ${to.name} (made for the failed move): ${(e as Error).message}`);
    }
  }
  for (const d of disks.filter((x) => x.created && !x.pool)) {
    const r = await runOnHost(to, ["rm", "-f", "--", d.path], { timeoutMs: 30_000 });
    if (r.kind === "ran" && r.exitCode === 0) log("info", `removed ${d.path} from ${to.name}: livevirt created it for this move, which failed`);
    else log("warn", `could not remove ${d.path} from ${to.name} (created for the failed move): ${r.kind === "ran" ? r.stderr.trim() : r.reason}`);
  }
}
