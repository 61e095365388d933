/** `virsh dumpxml` (domain XML): the facts livevirt compares and reports. */
import { ParseError } from "../../errors.js";
import { attr, child, list, parseXmlRoot, text, type XmlNode } from "./xml.js";
import { xmlMemoryToBytes } from "./units.js";

export interface DomainDisk {
  type?: string;
  device?: string;
  /** Image format from `<driver type=…>` ("qcow2", "raw"). */
  format?: string;
  /** `<source file=…>` (or dev= for block disks). */
  path?: string;
  /** `<source pool=… volume=…>` of a type='volume' disk. */
  pool?: string;
  volume?: string;
  target?: string;
  bus?: string;
}

/** One `<interface>`: its kind, where it is attached and its guest-visible identity. */
export interface DomainInterface {
  /** "network", "bridge", "direct", "user", … */
  type: string;
  /** `<source network=…>` (type network). */
  network?: string;
  /** `<source bridge=…>`; on a running domain of type network, libvirt also reports the bridge it uses. */
  bridge?: string;
  mac?: string;
  model?: string;
  /** The host's tap device (running domains only). */
  tap?: string;
}

export interface DomainChardev {
  type: string;
  path?: string;
  append?: boolean;
  targetType?: string;
  port?: number;
}

export interface DomainXmlInfo {
  /** Domain type: "qemu" (TCG) or "kvm". */
  type: string;
  /** Runtime id (only while running). */
  id?: number;
  name: string;
  uuid: string;
  memoryBytes: number;
  currentMemoryBytes?: number;
  /** The domain's maximum vCPUs (`<vcpu>`'s value). */
  vcpus: number;
  /** vCPUs online at start (`<vcpu current=…>`; = vcpus when not set). */
  vcpusCurrent: number;
  os: { type?: string; arch?: string; machine?: string; kernel?: string; initrd?: string; cmdline?: string };
  cpu?: { mode?: string; model?: string; check?: string };
  onPoweroff?: string;
  onReboot?: string;
  onCrash?: string;
  disks: DomainDisk[];
  serials: DomainChardev[];
  consoles: DomainChardev[];
  interfaces: DomainInterface[];
  /** Every element under `<devices>`, as "tag" or "tag type" (e.g. "graphics vnc", "rng virtio"), in order. */
  devices: string[];
  /** The XML this was read from, for re-definition. */
  xml: string;
}

function chardev(n: XmlNode): DomainChardev {
  const source = child(n, "source");
  const target = child(n, "target");
  const port = attr(target, "port");
  return {
    type: attr(n, "type") ?? "",
    path: attr(source, "path"),
    append: attr(source, "append") === undefined ? undefined : attr(source, "append") === "on",
    targetType: attr(target, "type"),
    port: port === undefined ? undefined : Number(port),
  };
}

export function parseDomainXml(xml: string): DomainXmlInfo {
  const d = parseXmlRoot(xml, "domain", "virsh dumpxml");
  const name = text(d, "name");
  const uuid = text(d, "uuid");
  const mem = child(d, "memory");
  const memoryBytes = mem && xmlMemoryToBytes(text(mem) ?? "", attr(mem, "unit"));
  const vcpus = Number(text(d, "vcpu"));
  if (name === undefined || uuid === undefined || memoryBytes === undefined || !Number.isInteger(vcpus)) {
    throw new ParseError("virsh dumpxml: missing name/uuid/memory/vcpu", "virsh dumpxml", xml.slice(0, 400));
  }
  const cur = child(d, "currentMemory");
  const os = child(d, "os");
  const osType = child(os, "type");
  const cpu = child(d, "cpu");
  const devices = child(d, "devices");
  const id = attr(d, "id");
  return {
    type: attr(d, "type") ?? "",
    id: id === undefined ? undefined : Number(id),
    name,
    uuid,
    memoryBytes,
    currentMemoryBytes: cur && xmlMemoryToBytes(text(cur) ?? "", attr(cur, "unit")),
    vcpus,
    vcpusCurrent: attr(child(d, "vcpu"), "current") !== undefined ? Number(attr(child(d, "vcpu"), "current")) : vcpus,
    os: {
      type: text(osType),
      arch: attr(osType, "arch"),
      machine: attr(osType, "machine"),
      kernel: text(os, "kernel"),
      initrd: text(os, "initrd"),
      cmdline: text(os, "cmdline"),
    },
    cpu: cpu && { mode: attr(cpu, "mode"), model: text(cpu, "model"), ...(attr(cpu, "check") ? { check: attr(cpu, "check") } : {}) },
    onPoweroff: text(d, "on_poweroff"),
    onReboot: text(d, "on_reboot"),
    onCrash: text(d, "on_crash"),
    disks: list(devices?.["disk"]).map((k) => {
      const source = child(k, "source");
      const target = child(k, "target");
      return {
        type: attr(k, "type"),
        device: attr(k, "device"),
        format: attr(child(k, "driver"), "type"),
        path: attr(source, "file") ?? attr(source, "dev"),
        pool: attr(source, "pool"),
        volume: attr(source, "volume"),
        target: attr(target, "dev"),
        bus: attr(target, "bus"),
      };
    }),
    serials: list(devices?.["serial"]).map(chardev),
    devices: Object.entries(devices ?? {})
      .filter(([tag]) => !tag.startsWith("@_") && tag !== "#text")
      .flatMap(([tag, v]) =>
        list(v).map((n) => {
          const kind = attr(n, "type") ?? attr(n, "model") ?? attr(child(n, "model"), "type");
          return kind ? `${tag} ${kind}` : tag;
        }),
      ),
    consoles: list(devices?.["console"]).map(chardev),
    interfaces: list(devices?.["interface"]).map((n) => {
      const source = child(n, "source");
      return {
        type: attr(n, "type") ?? "",
        network: attr(source, "network"),
        bridge: attr(source, "bridge"),
        mac: attr(child(n, "mac"), "address"),
        model: attr(child(n, "model"), "type"),
        tap: attr(child(n, "target"), "dev"),
      };
    }),
    xml,
  };
}

/**
 * The domain documents of several `dumpxml` commands run in one virsh call (`dumpxml --domain A;
 * dumpxml --domain B`), in order: virsh prints each root at the start of a line and ends it with
 * `</domain>` on a line of its own (libvirt 11.3); a command that failed prints nothing on stdout.
 */
export function splitDomainXmls(text: string): string[] {
  return [...text.matchAll(/^<domain[\s>][\s\S]*?^<\/domain>[ \t]*$/gm)].map((m) => m[0]);
}
