/**
 * Disk images of a running domain, for moves that copy storage (virsh --copy-storage-all):
 * its disk sizes through libvirt, and the argv of the qemu-img calls that look at or create
 * the destination's image. qemu-img runs on the host itself (its shell prefix; libvirt without
 * its storage driver cannot create files) — the caller runs the argv, this file only builds it.
 */
import { runVirsh, type RunOptions } from "./run-virsh.js";
import { parseDomBlkInfo, type DomBlkInfo } from "./parse/domblkinfo.js";

export async function domBlkInfo(uri: string, domain: string, target: string, opts: RunOptions = {}): Promise<DomBlkInfo> {
  return parseDomBlkInfo(await runVirsh(uri, ["domblkinfo", "--domain", domain, "--device", target], opts));
}

/** -U: the image may be open by a running QEMU (reading its header is then still safe). */
export function qemuImgInfoArgv(path: string): string[] {
  return ["qemu-img", "info", "--output=json", "-U", "--", path];
}

/**
 * An empty image of the source's format and exact virtual size (the storage mirror refuses a
 * size mismatch). qcow2 gets preallocation=metadata, as libvirt's own pre-creation does.
 */
export function qemuImgCreateArgv(path: string, format: "raw" | "qcow2", virtualSizeBytes: number): string[] {
  if (!Number.isSafeInteger(virtualSizeBytes) || virtualSizeBytes <= 0)
    throw new RangeError(`virtual size must be a positive integer, got ${virtualSizeBytes}`);
  return ["qemu-img", "create", "-q", "-f", format, ...(format === "qcow2" ? ["-o", "preallocation=metadata"] : []), "--", path, String(virtualSizeBytes)];
}
