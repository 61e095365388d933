/**
 * The uid:gid libvirt runs QEMU as, from `virsh capabilities`: the DAC security model's
 * `<baselabel type='kvm'>+64055:+64055</baselabel>`. It is what the running daemon resolved from
 * qemu.conf's user/group (or its compiled-in default), so it is known even where qemu.conf cannot
 * be read — the decisive fact for whether QEMU may open userfaultfd.
 */
import { parseCapabilities, type HostCapabilities } from "./parse/capabilities.js";
import { attr, child, list, parseXmlRoot, text } from "./parse/xml.js";
import { runVirsh, type RunOptions } from "./run-virsh.js";

export interface QemuProcessIdentity {
  uid: number;
  gid: number;
}

/** baselabel per domain type ("kvm", "qemu"); empty when libvirt has no DAC model. */
export function parseDacBaseLabels(capabilitiesXml: string): Map<string, QemuProcessIdentity> {
  const root = parseXmlRoot(capabilitiesXml, "capabilities", "virsh capabilities");
  const out = new Map<string, QemuProcessIdentity>();
  for (const sm of list(child(root, "host")?.["secmodel"])) {
    if (text(sm, "model") !== "dac") continue;
    for (const bl of list(sm["baselabel"])) {
      const m = /^\+?(\d+):\+?(\d+)$/.exec((text(bl) ?? "").trim());
      const type = attr(bl, "type");
      if (m && type) out.set(type, { uid: Number(m[1]), gid: Number(m[2]) });
    }
  }
  return out;
}

/** The identity QEMU gets for domains of `domainType` on the host at `uri`, if libvirt says. */
export async function qemuProcessIdentity(uri: string, domainType: "kvm" | "qemu", opts?: RunOptions): Promise<QemuProcessIdentity | undefined> {
  return parseDacBaseLabels(await runVirsh(uri, ["capabilities"], opts)).get(domainType);
}

/** One `virsh capabilities` call, read twice: the parsed host capabilities and the DAC labels. */
export async function capabilitiesWithDac(uri: string, opts?: RunOptions): Promise<{ caps: HostCapabilities; dac: Map<string, QemuProcessIdentity> }> {
  const xml = await runVirsh(uri, ["capabilities"], opts);
  return { caps: parseCapabilities(xml), dac: parseDacBaseLabels(xml) };
}
