/** `virsh domcapabilities [--virttype kvm|qemu]` XML: what one emulator/domain type offers. */
import { ParseError } from "../../errors.js";
import { attr, child, list, parseXmlRoot, text } from "./xml.js";

export interface CpuModeCapability {
  name: string;
  supported: boolean;
}

export interface DomainCapabilities {
  emulator?: string;
  /** The domain type these capabilities are for: "kvm" or "qemu" (TCG). */
  domainType: string;
  /** Default machine type for this emulator (e.g. "pc-i440fx-10.0"). */
  machine?: string;
  arch: string;
  vcpuMax?: number;
  cpuModes: CpuModeCapability[];
  /** What `<cpu mode='host-model'>` expands to on this host, when supported. */
  hostModel?: { model?: string; vendor?: string };
  /** Named CPU models (`custom` mode) usable on this host. */
  usableCpuModels: string[];
  diskBuses: string[];
}

export function parseDomainCapabilities(xml: string): DomainCapabilities {
  const root = parseXmlRoot(xml, "domainCapabilities", "virsh domcapabilities");
  const domainType = text(root, "domain");
  const arch = text(root, "arch");
  if (!domainType || !arch) {
    throw new ParseError("virsh domcapabilities: no <domain>/<arch>", "virsh domcapabilities", xml.slice(0, 400));
  }
  const modes = list(child(root, "cpu")?.["mode"]);
  const hostModel = modes.find((m) => attr(m, "name") === "host-model" && attr(m, "supported") === "yes");
  const custom = modes.find((m) => attr(m, "name") === "custom");
  const disk = child(child(root, "devices"), "disk");
  const busEnum = list(disk?.["enum"]).find((e) => attr(e, "name") === "bus");
  const vcpuMax = attr(child(root, "vcpu"), "max");
  return {
    emulator: text(root, "path"),
    domainType,
    machine: text(root, "machine"),
    arch,
    vcpuMax: vcpuMax === undefined ? undefined : Number(vcpuMax),
    cpuModes: modes.map((m) => ({ name: attr(m, "name") ?? "", supported: attr(m, "supported") === "yes" })),
    hostModel: hostModel && { model: text(hostModel, "model"), vendor: text(hostModel, "vendor") },
    usableCpuModels: list(custom?.["model"])
      .filter((m) => attr(m, "usable") === "yes")
      .map((m) => text(m) ?? ""),
    diskBuses: list(busEnum?.["value"]).map((v) => text(v) ?? ""),
  };
}

export function cpuModeSupported(caps: DomainCapabilities, mode: string): boolean {
  return caps.cpuModes.some((m) => m.name === mode && m.supported);
}
