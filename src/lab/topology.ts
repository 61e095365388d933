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
  },
  b: {
    name: "b",
    netns: "lv-b",
    veth: "lv-b0",
    address: "10.231.0.2",
    hostname: "lab-b",
    hostUuid: "6c1a0c2e-5a3f-4d0b-9a61-0000000000b2",
  },
};

/** How clients in the root namespace reach a host's daemon (unix socket through its private run dir). */
export function unixUri(socket: string): string {
  return `qemu+unix:///system?socket=${socket}`;
}

/** How one host's daemon reaches the other for peer-to-peer moves (TCP across the veth link). */
export function tcpUri(host: HostName): string {
  return `qemu+tcp://${TOPOLOGY[host].address}/system`;
}
