/** A VM's network interfaces: what a user declares, their defaults and rules. */
import { LivevirtError } from "../errors.js";
import { absent, noControl, oneOf, pick, present, ref, type Problem } from "./problem.js";

/**
 * Guest NIC models livevirt lets a user pick. virtio is the one to use (paravirtual, fastest,
 * every modern guest has the driver); the emulated ones are for guests without it.
 */
export const NIC_MODELS = ["virtio", "e1000", "e1000e", "rtl8139"] as const;
export type NicModel = (typeof NIC_MODELS)[number];

export interface NetworkInterface {
  /** A libvirt network on the host (`virsh net-list`), e.g. "default". Exactly one of network and bridge. */
  readonly network: string | null;
  /** A Linux bridge on the host, e.g. "br0". Exactly one of network and bridge. */
  readonly bridge: string | null;
  /**
   * Unicast MAC address, e.g. "52:54:00:12:34:56". null = libvirt assigns one at create and
   * livevirt keeps it (state), so the guest sees the same NIC after every move.
   */
  readonly mac: string | null;
  /** @default "virtio" */
  readonly model: NicModel;
}

export const NIC_DEFAULTS = { model: "virtio" } as const satisfies Partial<NetworkInterface>;
/** Every field of an interface when the input leaves it out (a new field does not compile until it is here). */
const NIC_ABSENT: NetworkInterface = { network: null, bridge: null, mac: null, ...NIC_DEFAULTS };

/** An interface from validated input (absent or null = the default). */
export const resolveNic = (n: object): NetworkInterface => ({ ...NIC_ABSENT, ...pick(present(n), NIC_ABSENT) });

/** Six octets, colon-separated (libvirt's own form; it also writes lowercase). */
export const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
/** libvirt network names: no "/" (file names), no whitespace or control characters. */
export const NETWORK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;
/** Linux interface names: at most 15 bytes, no "/", ":" or whitespace. */
export const BRIDGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** libvirt's own MAC prefix for QEMU guests, used in examples. */
const EXAMPLE_MAC = "52:54:00:12:34:56";

/** The MAC as libvirt writes it (lowercase), so "52:54:00:AB:…" and "52:54:00:ab:…" are one address. */
export const normalMac = (mac: string): string => mac.toLowerCase();

/** Every problem with a VM's interface list (field ids "networkInterfaces.<i>.<field>"). */
export function networkInterfacesProblems(nics: readonly unknown[]): Problem[] {
  const out: Problem[] = [];
  const macs = new Map<string, number>();
  nics.forEach((raw, i) => {
    if (raw === null || typeof raw !== "object") return;
    const n = raw as { [K in keyof NetworkInterface]?: unknown };
    const f = (k: string) => `networkInterfaces.${i}.${k}`;
    const hasNet = !absent(n.network);
    const hasBridge = !absent(n.bridge);
    const either =
      `attach the interface to a libvirt network (${ref(f("network"))}, e.g. "default") or to a host bridge (${ref(f("bridge"))}, e.g. "br0"): ` +
      `exactly one of them`;
    if (!hasNet && !hasBridge)
      out.push({ field: f("network"), value: undefined, reason: `an interface needs a libvirt network or a host bridge (${ref(f("bridge"))})`, fix: either });
    if (hasNet && hasBridge) out.push({ field: f("bridge"), value: n.bridge, reason: `cannot be set together with ${ref(f("network"))}`, fix: either });
    if (typeof n.network === "string" && !NETWORK_NAME.test(n.network)) {
      out.push({
        field: f("network"),
        value: n.network,
        reason: "is not a libvirt network name",
        fix: 'name a network from `virsh net-list --all` on the host, e.g. "default"',
      });
    }
    if (typeof n.bridge === "string" && !BRIDGE_NAME.test(n.bridge)) {
      out.push({
        field: f("bridge"),
        value: n.bridge,
        reason: "is not a Linux interface name (at most 15 characters: letters, digits, _ . -)",
        fix: 'name a bridge that exists on the host, e.g. "br0"',
      });
    }
    noControl(out, f("network"), n.network);
    oneOf(out, f("model"), n.model, NIC_MODELS);
    if (typeof n.mac === "string") {
      const p = macProblem(n.mac);
      if (p)
        out.push({
          field: f("mac"),
          value: n.mac,
          reason: p,
          fix: `use a unicast address like "${EXAMPLE_MAC}", or leave ${ref(f("mac"))} out and libvirt assigns one`,
        });
      else {
        const first = macs.get(normalMac(n.mac));
        if (first !== undefined) {
          out.push({
            field: f("mac"),
            value: n.mac,
            reason: `is already the address of ${ref(`networkInterfaces.${first}`)}`,
            fix: `give each interface its own address, or leave ${ref(f("mac"))} out`,
          });
        } else macs.set(normalMac(n.mac), i);
      }
    }
  });
  return out;
}

/** Why a MAC cannot be a guest NIC's address, or null. */
export function macProblem(mac: string): string | null {
  if (!MAC.test(mac)) return "is not a MAC address (six hex octets separated by colons)";
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return "is a multicast address (the first octet is odd): a NIC needs a unicast address";
  if (/^(00:){5}00$/.test(mac)) return "is the all-zero address";
  return null;
}

/** A VM's declared MACs, for the check across VMs. */
export interface MacOwner {
  /** How the layer names the VM in a message (a construct path, a Terraform address, a VM name). */
  readonly vm: string;
  /** Field id of the interface's mac, e.g. "networkInterfaces.0.mac". */
  readonly field: string;
  readonly mac: string;
}

/**
 * Two VMs declaring one MAC: both would answer for it on the network, and traffic goes to
 * whichever spoke last. Returns the problem of `candidate` when an earlier owner holds its MAC.
 */
export function duplicateMacProblem(candidate: MacOwner, owners: Iterable<MacOwner>): Problem | null {
  for (const o of owners) {
    if (o.vm !== candidate.vm && normalMac(o.mac) === normalMac(candidate.mac)) {
      return {
        field: candidate.field,
        value: candidate.mac,
        reason: `is already the address of an interface of ${o.vm}`,
        fix: `give each VM's interfaces their own addresses, or leave ${ref(candidate.field)} out and libvirt assigns one`,
      };
    }
  }
  return null;
}

/** An interface update stopped part-way: `found` is what the domain has now (null: could not be read). */
export class InterfaceUpdateFailed extends LivevirtError {
  constructor(
    readonly reason: unknown,
    readonly found: readonly NetworkInterface[] | null,
  ) {
    super(
      `updating the network interfaces failed: ${reason instanceof Error ? reason.message : String(reason)}`,
      reason instanceof LivevirtError ? reason.detail : {},
      { cause: reason },
    );
  }
}
