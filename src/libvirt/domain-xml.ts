/**
 * Domain definitions from a typed spec. The XML is produced by fast-xml-parser's XMLBuilder so
 * every user string (name, paths, kernel cmdline) is escaped by the library; nothing here
 * concatenates XML by hand.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { ValidationError } from "../errors.js";
import { CPU_MODEL, MODEL_SPELLING, isVolumeDisk, spell, vmProblems, type AttachedDisk, type Disk, type NetworkInterface } from "../model/index.js";

/**
 * A disk as libvirt attaches it: the model's disk with its device decided (attachDisks), plus
 * XML-only knobs. `shared` is livevirt's own flag and is not written to the XML.
 */
export type DiskDevice = Pick<AttachedDisk, "path" | "format" | "target"> & Partial<Pick<Disk, "shared" | "pool" | "volume">> & { readonly?: boolean };

/**
 * A libvirt domain definition: a VM of the model after resolution (domain type decided, disk
 * devices assigned) plus XML-only knobs the lab and the probe move use (uuid, machine, CPU mode,
 * reboot action). A separate type because it is the definition libvirt gets, not the VM a user
 * declares; its VM fields carry the model's names and are checked by the model's rules.
 */
export interface DomainSpec {
  /** The model's VM name rule (VM_NAME). */
  name: string;
  uuid?: string;
  memoryMib: number;
  vcpus: number;
  /** The domain's maximum memory (≥ memoryMib, which becomes its current size). @default memoryMib */
  maxMemoryMib?: number;
  /** vCPUs the domain may have plugged in (≥ vcpus, which start online). @default vcpus */
  maxVcpus?: number;
  /** "kvm" needs a usable /dev/kvm; "qemu" is TCG (emulation), which always works. */
  type: "kvm" | "qemu";
  /** Machine type, e.g. "pc-i440fx-10.0"; libvirt's default when omitted. */
  machine?: string;
  arch?: string;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disks?: DiskDevice[];
  /** NICs in guest order; a null mac lets libvirt assign one. */
  interfaces?: readonly NetworkInterface[];
  /** Serial console written to this host file (append on), plus a `<console>` on it. */
  consoleLog?: string;
  /**
   * Guest CPU. Default by type: TCG → "none" (no <cpu>: libvirt's qemu64 baseline migrates
   * between any TCG hosts); kvm → "host-model" (migratable, expanded per host).
   */
  cpuMode?: "none" | "host-model" | "host-passthrough";
  /** A named CPU model (`<cpu mode='custom'>`, no fallback: the host must offer it); wins over cpuMode. */
  cpuModel?: string;
  /** What a guest reboot does (default restart). "destroy" makes a panic=-1 guest stop visibly. */
  onReboot?: "restart" | "destroy";
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MACHINE_RE = /^[A-Za-z0-9_.-]{1,64}$/;

function bad(field: string, value: unknown, message: string, fix: string): never {
  throw new ValidationError(`${field}: ${message}`, { field, value: String(value), fix });
}

/** The model's VM rules (the same the constructs and the provider apply), then the XML-only fields. */
export function validateDomainSpec(s: DomainSpec): void {
  const [p] = vmProblems({
    name: s.name,
    memoryMib: s.memoryMib,
    vcpus: s.vcpus,
    kernel: s.kernel,
    initrd: s.initrd,
    cmdline: s.cmdline,
    consoleLog: s.consoleLog,
    disks: s.disks,
    networkInterfaces: s.interfaces,
  });
  if (p)
    bad(
      p.field,
      // eslint-disable-next-line no-control-regex -- a value with control characters is shown JSON-quoted
      typeof p.value === "string" && /[\u0000-\u001f]/.test(p.value) ? JSON.stringify(p.value) : p.value,
      spell(p.reason, MODEL_SPELLING),
      spell(p.fix, MODEL_SPELLING),
    );
  if (s.uuid !== undefined && !UUID_RE.test(s.uuid))
    bad("uuid", s.uuid, "is not a UUID", "omit it (libvirt generates one) or use xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  if (s.type !== "kvm" && s.type !== "qemu") bad("type", s.type, 'must be "kvm" or "qemu"', 'use "qemu" (TCG) where KVM is unavailable');
  if (s.machine !== undefined && !MACHINE_RE.test(s.machine))
    bad("machine", s.machine, "is not a machine type name", "use a name from `virsh capabilities`, e.g. pc-i440fx-10.0");
  if (s.arch !== undefined && !/^[a-z0-9_]{1,32}$/.test(s.arch)) bad("arch", s.arch, "is not an architecture name", "use e.g. x86_64");
  if (s.cpuMode === "host-passthrough" && s.type === "qemu") bad("cpuMode", s.cpuMode, "host-passthrough needs KVM", 'use type "kvm" or cpuMode "none"');
  if (s.cpuModel !== undefined && !CPU_MODEL.test(s.cpuModel))
    bad("cpuModel", s.cpuModel, "is not a CPU model name", "use a model from `virsh domcapabilities`, e.g. Nehalem");
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
      // A pool volume is named by pool and volume: libvirt finds its path on each host, and a
      // move with copy_storage creates it in the destination's pool of the same name.
      "@_type": isVolumeDisk(d) ? "volume" : "file",
      "@_device": "disk",
      driver: { "@_name": "qemu", "@_type": d.format },
      source: isVolumeDisk(d) ? { "@_pool": d.pool, "@_volume": d.volume } : { "@_file": d.path },
      target: { "@_dev": d.target, "@_bus": BUS[d.target.slice(0, 2)] ?? "virtio" },
      ...(d.readonly ? { readonly: "" } : {}),
    }));
  }
  if (s.interfaces && s.interfaces.length > 0) devices.interface = s.interfaces.map(interfaceObject);
  if (s.consoleLog !== undefined) {
    const source = { "@_path": s.consoleLog, "@_append": "on" };
    devices.serial = { "@_type": "file", source, target: { "@_port": "0" } };
    devices.console = { "@_type": "file", source, target: { "@_type": "serial", "@_port": "0" } };
  }
  // A balloon only where memory may change live (headroom up to maxMemoryMib): otherwise nothing
  // uses it, and it is one more device to migrate.
  devices.memballoon = { "@_model": hasMemoryHeadroom(s) ? "virtio" : "none" };

  const domain: Record<string, unknown> = { "@_type": s.type, name: s.name };
  if (s.uuid !== undefined) domain.uuid = s.uuid.toLowerCase();
  domain.memory = { "#text": String(s.maxMemoryMib ?? s.memoryMib), "@_unit": "MiB" };
  if (hasMemoryHeadroom(s)) domain.currentMemory = { "#text": String(s.memoryMib), "@_unit": "MiB" };
  domain.vcpu = s.maxVcpus !== undefined && s.maxVcpus > s.vcpus ? { "#text": String(s.maxVcpus), "@_current": String(s.vcpus) } : String(s.vcpus);
  domain.os = os;
  domain.features = { acpi: "" };
  if (s.cpuModel !== undefined)
    domain.cpu = { "@_mode": "custom", "@_match": "exact", "@_check": "partial", model: { "#text": s.cpuModel, "@_fallback": "forbid" } };
  else if (cpuMode !== "none") domain.cpu = { "@_mode": cpuMode };
  domain.clock = { "@_offset": "utc" };
  domain.on_poweroff = "destroy";
  domain.on_reboot = s.onReboot ?? "restart";
  domain.on_crash = "destroy";
  domain.devices = devices;
  return { domain };
}

/** `<interface>` of a NIC: on a libvirt network or a host bridge (the model allows exactly one). */
export function interfaceObject(n: NetworkInterface): Record<string, unknown> {
  const onNetwork = n.network !== null;
  return {
    "@_type": onNetwork ? "network" : "bridge",
    ...(n.mac !== null ? { mac: { "@_address": n.mac.toLowerCase() } } : {}),
    source: onNetwork ? { "@_network": n.network } : { "@_bridge": n.bridge },
    model: { "@_type": n.model },
  };
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

const hasMemoryHeadroom = (s: Pick<DomainSpec, "memoryMib" | "maxMemoryMib">) => s.maxMemoryMib !== undefined && s.maxMemoryMib > s.memoryMib;

/** Sizes of a domain: what a resize sets. */
export interface DomainSize {
  memoryMib: number;
  maxMemoryMib: number;
  vcpus: number;
  maxVcpus: number;
}

/**
 * A domain's own definition (libvirt's XML, e.g. `dumpxml --inactive`) with only its sizes
 * changed: `<memory>`, `<currentMemory>`, `<vcpu current=…>` and the balloon model. Every other
 * element and attribute — devices livevirt does not model included — stays as it was.
 */
export function resizedDomainXml(xml: string, size: DomainSize): string {
  const opts = {
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    textNodeName: "#text",
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    preserveOrder: true,
  };
  const doc = new XMLParser(opts).parse(xml) as Ordered[];
  const domain = doc.find((n) => "domain" in n);
  if (!domain)
    throw new ValidationError("not a domain definition", {
      field: "xml",
      value: xml.slice(0, 60),
      fix: "pass libvirt's domain XML (virsh dumpxml --inactive)",
    });
  const children = domain.domain as Ordered[];
  const setElement = (tag: string, text: string, attrs: Record<string, string>) => {
    const node: Ordered = { [tag]: [{ "#text": text }], ":@": Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`@_${k}`, v])) };
    const at = children.findIndex((n) => tag in n);
    if (at >= 0) children[at] = node;
    else children.splice(Math.max(children.findIndex((n) => "memory" in n) + 1, 0), 0, node);
  };
  setElement("memory", String(size.maxMemoryMib * 1024), { unit: "KiB" });
  setElement("currentMemory", String(size.memoryMib * 1024), { unit: "KiB" });
  const vcpuAt = children.findIndex((n) => "vcpu" in n);
  const vcpuAttrs = { ...(((vcpuAt >= 0 ? children[vcpuAt]![":@"] : undefined) ?? {}) as Record<string, string>) };
  delete vcpuAttrs["@_current"];
  if (size.maxVcpus > size.vcpus) vcpuAttrs["@_current"] = String(size.vcpus);
  setElement("vcpu", String(size.maxVcpus), Object.fromEntries(Object.entries(vcpuAttrs).map(([k, v]) => [k.replace(/^@_/, ""), v])));
  // The balloon gives memory back below the maximum; without headroom it has nothing to do.
  const devices = children.find((n) => "devices" in n)?.devices as Ordered[] | undefined;
  const balloon = devices?.find((n) => "memballoon" in n);
  const wanted = size.maxMemoryMib > size.memoryMib ? "virtio" : "none";
  if (balloon) balloon[":@"] = { ...((balloon[":@"] ?? {}) as object), "@_model": wanted };
  else devices?.push({ memballoon: [], ":@": { "@_model": wanted } });
  return new XMLBuilder({ ...opts, format: false, suppressEmptyNode: true }).build(doc) as string;
}

type Ordered = Record<string, unknown>;

/** One `<interface>` element as device XML (attach-device / detach-device). */
export function interfaceXml(n: NetworkInterface): string {
  return builder.build({ interface: interfaceObject(n) }) as string;
}

/** Serialises without validating — for tests and callers that validated already. */
export function renderDomainXml(s: DomainSpec): string {
  return builder.build(domainObject(s)) as string;
}

/** Validates the spec (ValidationError naming field, value and fix) and returns domain XML. */
export function buildDomainXml(s: DomainSpec): string {
  validateDomainSpec(s);
  return renderDomainXml(s);
}
