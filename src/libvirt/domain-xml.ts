/**
 * Domain definitions from a typed spec. The XML is produced by fast-xml-parser's XMLBuilder so
 * every user string (name, paths, kernel cmdline) is escaped by the library; nothing here
 * concatenates XML by hand.
 */
import { XMLBuilder } from "fast-xml-parser";
import { ValidationError } from "../errors.js";

export interface DiskSpec {
  /** Absolute path of the image on the host. */
  path: string;
  format: "raw" | "qcow2";
  /** Guest device: vdX (virtio), sdX (SATA) or hdX (IDE). */
  target: string;
  readonly?: boolean;
  /**
   * livevirt's own flag, not written to the XML: the image is on storage every host sees
   * (default true). A move copies only non-shared disks, and only with migration.copy_storage.
   */
  shared?: boolean;
}

export interface DomainSpec {
  /** 1–64 characters of [A-Za-z0-9_.+-] (what the provider and the constructs accept too). */
  name: string;
  uuid?: string;
  memoryMib: number;
  vcpus: number;
  /** "kvm" needs a usable /dev/kvm; "qemu" is TCG (emulation), which always works. */
  type: "kvm" | "qemu";
  /** Machine type, e.g. "pc-i440fx-10.0"; libvirt's default when omitted. */
  machine?: string;
  arch?: string;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disks?: DiskSpec[];
  /** Serial console written to this host file (append on), plus a `<console>` on it. */
  consoleLog?: string;
  /**
   * Guest CPU. Default by type: TCG → "none" (no <cpu>: libvirt's qemu64 baseline migrates
   * between any TCG hosts); kvm → "host-model" (migratable, expanded per host).
   */
  cpuMode?: "none" | "host-model" | "host-passthrough";
  /** What a guest reboot does (default restart). "destroy" makes a panic=-1 guest stop visibly. */
  onReboot?: "restart" | "destroy";
}

export const NAME_RE = /^[A-Za-z0-9_.+-]{1,64}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const TARGET_RE = /^(vd|sd|hd)[a-z]{1,2}$/;
const MACHINE_RE = /^[A-Za-z0-9_.-]{1,64}$/;
export const MEMORY_MIB_RANGE = [16, 1_048_576] as const;
export const VCPUS_RANGE = [1, 256] as const;

function bad(field: string, value: unknown, message: string, fix: string): never {
  throw new ValidationError(`${field}: ${message}`, { field, value: String(value), fix });
}

/** Control characters (incl. NUL) break libvirt's XML or the QEMU command line. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkPath(field: string, p: string | undefined): void {
  if (p === undefined) return;
  if (!p.startsWith("/")) bad(field, p, "must be an absolute path", "use a path starting with /");
  if (CONTROL.test(p)) bad(field, JSON.stringify(p), "contains control characters", "remove them from the path");
}

function checkIntRange(field: string, v: number, [lo, hi]: readonly [number, number]): void {
  if (!Number.isInteger(v) || v < lo || v > hi) bad(field, v, `must be an integer in ${lo}..${hi}`, `pick a value between ${lo} and ${hi}`);
}

export function validateDomainSpec(s: DomainSpec): void {
  if (!NAME_RE.test(s.name)) {
    bad("name", s.name, "must be 1–64 characters of letters, digits, '_', '.', '+', '-'", "rename, e.g. replace other characters with '-'");
  }
  if (s.uuid !== undefined && !UUID_RE.test(s.uuid)) bad("uuid", s.uuid, "is not a UUID", "omit it (libvirt generates one) or use xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  checkIntRange("memoryMib", s.memoryMib, MEMORY_MIB_RANGE);
  checkIntRange("vcpus", s.vcpus, VCPUS_RANGE);
  if (s.type !== "kvm" && s.type !== "qemu") bad("type", s.type, 'must be "kvm" or "qemu"', 'use "qemu" (TCG) where KVM is unavailable');
  if (s.machine !== undefined && !MACHINE_RE.test(s.machine)) bad("machine", s.machine, "is not a machine type name", "use a name from `virsh capabilities`, e.g. pc-i440fx-10.0");
  if (s.arch !== undefined && !/^[a-z0-9_]{1,32}$/.test(s.arch)) bad("arch", s.arch, "is not an architecture name", "use e.g. x86_64");
  checkPath("kernel", s.kernel);
  checkPath("initrd", s.initrd);
  checkPath("consoleLog", s.consoleLog);
  if (s.initrd !== undefined && s.kernel === undefined) bad("initrd", s.initrd, "needs a kernel", "set kernel too");
  if (s.cmdline !== undefined) {
    if (s.kernel === undefined) bad("cmdline", s.cmdline, "needs a kernel", "set kernel too");
    if (CONTROL.test(s.cmdline)) bad("cmdline", JSON.stringify(s.cmdline), "contains control characters", "use spaces only");
    if (s.cmdline.length > 4096) bad("cmdline", `${s.cmdline.length} chars`, "is longer than 4096 characters", "shorten it");
  }
  if (s.cpuMode === "host-model" || s.cpuMode === "host-passthrough") {
    if (s.type === "qemu" && s.cpuMode === "host-passthrough") {
      bad("cpuMode", s.cpuMode, "host-passthrough needs KVM", 'use type "kvm" or cpuMode "none"');
    }
  }
  const targets = new Set<string>();
  for (const [i, d] of (s.disks ?? []).entries()) {
    checkPath(`disks[${i}].path`, d.path);
    if (d.format !== "raw" && d.format !== "qcow2") bad(`disks[${i}].format`, d.format, 'must be "raw" or "qcow2"', "convert the image or fix the format");
    if (!TARGET_RE.test(d.target)) bad(`disks[${i}].target`, d.target, "must look like vda, sdb or hdc", "use vda, vdb, … for virtio disks");
    if (targets.has(d.target)) bad(`disks[${i}].target`, d.target, "is used twice", "give each disk its own target");
    targets.add(d.target);
  }
}

const BUS: Record<string, string> = { vd: "virtio", sd: "sata", hd: "ide" };

/** The XMLBuilder-shaped object for a spec (no validation; see buildDomainXml). */
export function domainObject(s: DomainSpec): Record<string, unknown> {
  const cpuMode = s.cpuMode ?? (s.type === "kvm" ? "host-model" : "none");
  const osType: Record<string, string> = { "#text": "hvm", "@_arch": s.arch ?? "x86_64" };
  if (s.machine !== undefined) osType["@_machine"] = s.machine;
  const os: Record<string, unknown> = { type: osType };
  if (s.kernel !== undefined) os.kernel = s.kernel;
  if (s.initrd !== undefined) os.initrd = s.initrd;
  if (s.cmdline !== undefined) os.cmdline = s.cmdline;
  os.boot = { "@_dev": "hd" };

  const devices: Record<string, unknown> = {};
  if (s.disks && s.disks.length > 0) {
    devices.disk = s.disks.map((d) => ({
      "@_type": "file",
      "@_device": "disk",
      driver: { "@_name": "qemu", "@_type": d.format },
      source: { "@_file": d.path },
      target: { "@_dev": d.target, "@_bus": BUS[d.target.slice(0, 2)] ?? "virtio" },
      ...(d.readonly ? { readonly: "" } : {}),
    }));
  }
  if (s.consoleLog !== undefined) {
    const source = { "@_path": s.consoleLog, "@_append": "on" };
    devices.serial = { "@_type": "file", source, target: { "@_port": "0" } };
    devices.console = { "@_type": "file", source, target: { "@_type": "serial", "@_port": "0" } };
  }
  // No balloon: nothing in livevirt uses it and it adds a device to migrate.
  devices.memballoon = { "@_model": "none" };

  const domain: Record<string, unknown> = { "@_type": s.type, name: s.name };
  if (s.uuid !== undefined) domain.uuid = s.uuid.toLowerCase();
  domain.memory = { "#text": String(s.memoryMib), "@_unit": "MiB" };
  domain.vcpu = String(s.vcpus);
  domain.os = os;
  domain.features = { acpi: "" };
  if (cpuMode !== "none") domain.cpu = { "@_mode": cpuMode };
  domain.clock = { "@_offset": "utc" };
  domain.on_poweroff = "destroy";
  domain.on_reboot = s.onReboot ?? "restart";
  domain.on_crash = "destroy";
  domain.devices = devices;
  return { domain };
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  processEntities: true,
});

/** Serialises without validating — for tests and callers that validated already. */
export function renderDomainXml(s: DomainSpec): string {
  return builder.build(domainObject(s)) as string;
}

/** Validates the spec (ValidationError naming field, value and fix) and returns domain XML. */
export function buildDomainXml(s: DomainSpec): string {
  validateDomainSpec(s);
  return renderDomainXml(s);
}
