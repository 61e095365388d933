import type { HostName } from "./paths.js";

/**
 * The lab's network: one veth pair straight between the two hosts' namespaces. The addresses
 * exist only inside those namespaces, so lab traffic never leaves the machine.
 */
export interface HostTopology {
  name: HostName;
  netns: string;
  veth: string;
  address: string;
  hostname: string;
  /** Fixed per host: libvirt refuses a migration between two hosts with the same UUID. */
  hostUuid: string;
  /**
   * Management network: how this machine (where Terraform runs) reaches the host over SSH — a
   * network of its own, as on real hosts, so cutting the migration link never cuts management.
   */
  mgmtAddress: string;
  /** The host's end of its management veth (inside the host's namespace). */
  mgmtVeth: string;
  /** This machine's end of it, a port of the management bridge. */
  mgmtPeer: string;
}

export const PREFIX_LEN = 24;
export const MIGRATION_PORTS = { min: 49152, max: 49215 } as const;

export const TOPOLOGY: Record<HostName, HostTopology> = {
  a: {
    name: "a",
    netns: "lv-a",
    veth: "lv-a0",
    address: "10.231.0.1",
    hostname: "lab-a",
    hostUuid: "6c1a0c2e-5a3f-4d0b-9a61-0000000000a1",
    mgmtAddress: "10.231.1.1",
    mgmtVeth: "lvm0",
    mgmtPeer: "lvm-a",
  },
  b: {
    name: "b",
    netns: "lv-b",
    veth: "lv-b0",
    address: "10.231.0.2",
    hostname: "lab-b",
    hostUuid: "6c1a0c2e-5a3f-4d0b-9a61-0000000000b2",
    mgmtAddress: "10.231.1.2",
    mgmtVeth: "lvm0",
    mgmtPeer: "lvm-b",
  },
};

/**
 * Spare migration links for the link-fault tests: each its own veth pair and subnet straight
 * between the hosts' namespaces, like the main link. A test that cuts one (setLink(false, link))
 * moves its VMs over it — the hosts declared with migration_uri and migration_address on that
 * link — so the cut stops only its own moves, and the file can run beside the others.
 */
export const FAULT_LINKS = {
  f1: { veth: { a: "lvf1-a", b: "lvf1-b" }, subnet: "10.231.3" },
  f2: { veth: { a: "lvf2-a", b: "lvf2-b" }, subnet: "10.231.4" },
} as const satisfies Record<string, { veth: Record<HostName, string>; subnet: string }>;
export type FaultLink = keyof typeof FAULT_LINKS;

/** A host's address on a fault link: .1 for a, .2 for b (as on the main link). */
export const faultLinkAddress = (link: FaultLink, host: HostName): string => `${FAULT_LINKS[link].subnet}.${host === "a" ? 1 : 2}`;

/** Every address a host has on a migration link (main link first): what its server certificate names. */
export const migrationAddresses = (host: HostName): string[] => [
  TOPOLOGY[host].address,
  ...(Object.keys(FAULT_LINKS) as FaultLink[]).map((l) => faultLinkAddress(l, host)),
];

/** This machine's side of the management network: a bridge joining every host's management veth. */
export const MGMT = { bridge: "lvmgmt0", address: "10.231.1.254", prefixLen: 24 } as const;

/** How this machine reaches a host's daemon the production way: libvirt over SSH on the management network. */
export function sshUri(host: HostName): string {
  return `qemu+ssh://root@${TOPOLOGY[host].mgmtAddress}/system`;
}

/**
 * How one host's daemon reaches the other for peer-to-peer moves: TLS across the migration link
 * (or a fault link), each daemon authenticated by its certificate from the lab's CA (src/lab/pki.ts).
 */
export function tlsUri(host: HostName, link?: FaultLink): string {
  return `qemu+tls://${link ? faultLinkAddress(link, host) : TOPOLOGY[host].address}/system`;
}

/** How clients in the root namespace reach a host's daemon (unix socket through its private run dir). */
export function unixUri(socket: string): string {
  return `qemu+unix:///system?socket=${socket}`;
}

/**
 * The guest network: one layer-2 segment across both hosts — a bridge in each host, joined by a
 * veth pair of its own (not the migration link) — with a libvirt network on each host on top of
 * it, and a client namespace on the same segment that talks to guests as their users would.
 */
export const GUEST_NET = {
  /** Bridge in each host namespace. */
  bridge: "lvbr0",
  /** libvirt network (forward mode bridge) defined on both hosts. */
  libvirtNetwork: "lab-net",
  /** The veth pair joining the two bridges: a's end, b's end. */
  link: { a: "lvg-a", b: "lvg-b" } as Record<HostName, string>,
  /** The client namespace and its address on the segment. */
  clientNetns: "lv-client",
  clientVeth: "lvc0",
  /** The client's veth end, a port of host a's bridge. */
  clientPeer: "lvc-a",
  clientAddress: "10.231.2.254",
  prefixLen: 24,
  /** First address tests hand to guests (10.231.2.10, .11, …). */
  guestBase: "10.231.2.",
} as const;
