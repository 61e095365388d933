/** `virsh capabilities` XML: the host (identity, CPU, NUMA, migration) and its guest types. */
import { ParseError } from "../../errors.js";
import { attr, child, has, list, parseXmlRoot, text, type XmlNode } from "./xml.js";
import { xmlMemoryToBytes } from "./units.js";

export interface MachineType {
  name: string;
  /** For aliases such as "pc" → "pc-i440fx-10.0". */
  canonical?: string;
  maxCpus?: number;
  deprecated: boolean;
}

export interface GuestCapability {
  osType: string;
  arch: string;
  wordsize?: number;
  emulator?: string;
  machines: MachineType[];
  /** "qemu" (TCG), "kvm", … */
  domainTypes: string[];
}

export interface NumaCell {
  id: number;
  memoryBytes: number;
  cpus: number;
}

export interface HostCapabilities {
  /** libvirt's host UUID: the identity the "same host" migration guard compares. */
  uuid: string;
  arch: string;
  cpu: {
    model?: string;
    vendor?: string;
    features: string[];
    topology?: { sockets: number; dies?: number; clusters?: number; cores: number; threads: number };
    /** Supported page sizes in bytes. */
    pageSizes: number[];
  };
  migration: { live: boolean; uriTransports: string[] };
  numaCells: NumaCell[];
  secModels: string[];
  guests: GuestCapability[];
}

function num(v: string | undefined): number | undefined {
  return v === undefined || v.trim() === "" ? undefined : Number(v);
}

function parseGuest(g: XmlNode): GuestCapability[] {
  return list(g["arch"]).map((a) => ({
    osType: text(g, "os_type") ?? "",
    arch: attr(a, "name") ?? "",
    wordsize: num(text(a, "wordsize")),
    emulator: text(a, "emulator"),
    machines: list(a["machine"]).map((m) => ({
      name: text(m) ?? "",
      canonical: attr(m, "canonical"),
      maxCpus: num(attr(m, "maxCpus")),
      deprecated: attr(m, "deprecated") === "yes",
    })),
    domainTypes: list(a["domain"]).map((d) => attr(d, "type") ?? ""),
  }));
}

export function parseCapabilities(xml: string): HostCapabilities {
  const root = parseXmlRoot(xml, "capabilities", "virsh capabilities");
  const host = child(root, "host");
  const cpu = child(host, "cpu");
  const arch = text(cpu, "arch");
  if (!host || !cpu || !arch) {
    throw new ParseError("virsh capabilities: no <host><cpu><arch>", "virsh capabilities", xml.slice(0, 400));
  }
  const topo = child(cpu, "topology");
  const migration = child(host, "migration_features");
  const cells = list(child(child(host, "topology"), "cells")?.["cell"]);
  return {
    uuid: text(host, "uuid") ?? "",
    arch,
    cpu: {
      model: text(cpu, "model"),
      vendor: text(cpu, "vendor"),
      features: list(cpu["feature"]).map((f) => attr(f, "name") ?? ""),
      topology: topo && {
        sockets: num(attr(topo, "sockets")) ?? 1,
        dies: num(attr(topo, "dies")),
        clusters: num(attr(topo, "clusters")),
        cores: num(attr(topo, "cores")) ?? 1,
        threads: num(attr(topo, "threads")) ?? 1,
      },
      pageSizes: list(cpu["pages"]).map((p) => xmlMemoryToBytes(attr(p, "size") ?? "", attr(p, "unit")) ?? 0),
    },
    migration: {
      live: has(migration, "live"),
      uriTransports: list(child(migration, "uri_transports")?.["uri_transport"]).map((t) => text(t) ?? ""),
    },
    numaCells: cells.map((c) => {
      const mem = child(c, "memory");
      return {
        id: Number(attr(c, "id")),
        memoryBytes: xmlMemoryToBytes(text(mem) ?? "", attr(mem, "unit")) ?? 0,
        cpus: num(attr(child(c, "cpus"), "num")) ?? 0,
      };
    }),
    secModels: list(host["secmodel"]).map((s) => text(s, "model") ?? ""),
    guests: list(root["guest"]).flatMap(parseGuest),
  };
}

/** Whether libvirt offers `<domain type='kvm'>` for this arch (it does when /dev/kvm opens). */
export function hostSupportsKvm(caps: HostCapabilities, arch = caps.arch): boolean {
  return caps.guests.some((g) => g.arch === arch && g.domainTypes.includes("kvm"));
}

/** Total host RAM over all NUMA cells, in bytes. */
export function hostMemoryBytes(caps: HostCapabilities): number {
  return caps.numaCells.reduce((s, c) => s + c.memoryBytes, 0);
}
