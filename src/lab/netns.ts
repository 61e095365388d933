import { existsSync } from "node:fs";
import { FAULT_LINKS, GUEST_NET, MGMT, MIGRATION_PORTS, PREFIX_LEN, TOPOLOGY, faultLinkAddress, type FaultLink } from "./topology.js";
import { sh, trySh } from "./exec.js";

/** Creates both hosts' network namespaces and the veth pair between them. Idempotent. */
export async function ensureNetwork(): Promise<void> {
  const { a, b } = TOPOLOGY;
  for (const t of [a, b]) {
    if (!existsSync(`/run/netns/${t.netns}`)) await sh("ip", ["netns", "add", t.netns]);
    await sh("ip", ["-n", t.netns, "link", "set", "lo", "up"]);
  }
  const linked = await trySh("ip", ["-n", a.netns, "link", "show", a.veth]);
  if (!linked) {
    // Leftover half of a pair (e.g. b's end after a partial down) would block the name.
    await trySh("ip", ["-n", b.netns, "link", "del", b.veth]);
    await sh("ip", ["link", "add", a.veth, "netns", a.netns, "type", "veth", "peer", "name", b.veth, "netns", b.netns]);
  }
  for (const t of [a, b]) {
    await sh("ip", ["-n", t.netns, "addr", "replace", `${t.address}/${PREFIX_LEN}`, "dev", t.veth]);
    await sh("ip", ["-n", t.netns, "link", "set", t.veth, "up"]);
  }
  for (const link of Object.keys(FAULT_LINKS) as FaultLink[]) await ensureFaultLink(link);
  await ensureManagementNetwork();
  await ensureGuestNetwork();
}

/** A spare migration link (see FAULT_LINKS): its veth pair and addresses, up. Idempotent. */
async function ensureFaultLink(link: FaultLink): Promise<void> {
  const { a, b } = TOPOLOGY;
  const veth = FAULT_LINKS[link].veth;
  if (!(await trySh("ip", ["-n", a.netns, "link", "show", veth.a]))) {
    await trySh("ip", ["-n", b.netns, "link", "del", veth.b]);
    await sh("ip", ["link", "add", veth.a, "netns", a.netns, "type", "veth", "peer", "name", veth.b, "netns", b.netns]);
  }
  for (const t of [a, b]) {
    await sh("ip", ["-n", t.netns, "addr", "replace", `${faultLinkAddress(link, t.name)}/${PREFIX_LEN}`, "dev", veth[t.name]]);
    await sh("ip", ["-n", t.netns, "link", "set", veth[t.name], "up"]);
  }
}

/** The guest network's layer 2 (see GUEST_NET): bridges, the link between them, the client. Idempotent. */
async function ensureGuestNetwork(): Promise<void> {
  const { a, b } = TOPOLOGY;
  for (const t of [a, b]) {
    if (!(await trySh("ip", ["-n", t.netns, "link", "show", GUEST_NET.bridge])))
      await sh("ip", ["-n", t.netns, "link", "add", GUEST_NET.bridge, "type", "bridge"]);
    await sh("ip", ["-n", t.netns, "link", "set", GUEST_NET.bridge, "up"]);
  }
  if (!(await trySh("ip", ["-n", a.netns, "link", "show", GUEST_NET.link.a]))) {
    await trySh("ip", ["-n", b.netns, "link", "del", GUEST_NET.link.b]);
    await sh("ip", ["link", "add", GUEST_NET.link.a, "netns", a.netns, "type", "veth", "peer", "name", GUEST_NET.link.b, "netns", b.netns]);
  }
  for (const t of [a, b]) {
    const end = GUEST_NET.link[t.name];
    await sh("ip", ["-n", t.netns, "link", "set", end, "master", GUEST_NET.bridge]);
    await sh("ip", ["-n", t.netns, "link", "set", end, "up"]);
  }
  const client = GUEST_NET.clientNetns;
  if (!existsSync(`/run/netns/${client}`)) await sh("ip", ["netns", "add", client]);
  await sh("ip", ["-n", client, "link", "set", "lo", "up"]);
  if (!(await trySh("ip", ["-n", client, "link", "show", GUEST_NET.clientVeth]))) {
    await trySh("ip", ["-n", a.netns, "link", "del", GUEST_NET.clientPeer]);
    await sh("ip", ["link", "add", GUEST_NET.clientVeth, "netns", client, "type", "veth", "peer", "name", GUEST_NET.clientPeer, "netns", a.netns]);
  }
  await sh("ip", ["-n", a.netns, "link", "set", GUEST_NET.clientPeer, "master", GUEST_NET.bridge]);
  await sh("ip", ["-n", a.netns, "link", "set", GUEST_NET.clientPeer, "up"]);
  await sh("ip", ["-n", client, "addr", "replace", `${GUEST_NET.clientAddress}/${GUEST_NET.prefixLen}`, "dev", GUEST_NET.clientVeth]);
  await sh("ip", ["-n", client, "link", "set", GUEST_NET.clientVeth, "up"]);
}

/**
 * The management network: a bridge on this machine (where Terraform and virsh run) with one veth
 * into each host, which runs sshd on its end. Separate from the migration link, like real hosts'
 * management and migration networks, so a fault test that cuts the migration link keeps SSH.
 */
async function ensureManagementNetwork(): Promise<void> {
  if (!(await trySh("ip", ["link", "show", MGMT.bridge]))) await sh("ip", ["link", "add", MGMT.bridge, "type", "bridge"]);
  await sh("ip", ["addr", "replace", `${MGMT.address}/${MGMT.prefixLen}`, "dev", MGMT.bridge]);
  await sh("ip", ["link", "set", MGMT.bridge, "up"]);
  for (const t of Object.values(TOPOLOGY)) {
    if (!(await trySh("ip", ["-n", t.netns, "link", "show", t.mgmtVeth]))) {
      await trySh("ip", ["link", "del", t.mgmtPeer]); // a leftover half would block the name
      await sh("ip", ["link", "add", t.mgmtPeer, "type", "veth", "peer", "name", t.mgmtVeth, "netns", t.netns]);
    }
    await sh("ip", ["link", "set", t.mgmtPeer, "master", MGMT.bridge]);
    await sh("ip", ["link", "set", t.mgmtPeer, "up"]);
    await sh("ip", ["-n", t.netns, "addr", "replace", `${t.mgmtAddress}/${MGMT.prefixLen}`, "dev", t.mgmtVeth]);
    await sh("ip", ["-n", t.netns, "link", "set", t.mgmtVeth, "up"]);
  }
}

/** Removes the namespaces (which removes the veth pairs with them) and the management bridge. Idempotent. */
export async function removeNetwork(): Promise<void> {
  for (const ns of [...Object.values(TOPOLOGY).map((t) => t.netns), GUEST_NET.clientNetns]) {
    if (existsSync(`/run/netns/${ns}`)) await sh("ip", ["netns", "del", ns]);
  }
  if (await trySh("ip", ["link", "show", MGMT.bridge])) await sh("ip", ["link", "del", MGMT.bridge]);
}

/** PIDs of every process living in a host's network namespace (libvirtd and its QEMUs). */
export async function pidsInNetns(netns: string): Promise<number[]> {
  if (!existsSync(`/run/netns/${netns}`)) return [];
  const out = await sh("ip", ["netns", "pids", netns]);
  return out.split(/\s+/).filter(Boolean).map(Number);
}

/**
 * Cuts or restores a link between the hosts (fault tests: link lost during a move): the main
 * migration link, or one of the spare fault links — which carries only the moves of the test
 * that declared its hosts on it.
 */
export async function setLink(up: boolean, link?: FaultLink): Promise<void> {
  for (const t of Object.values(TOPOLOGY)) {
    await sh("ip", ["-n", t.netns, "link", "set", link ? FAULT_LINKS[link].veth[t.name] : t.veth, up ? "up" : "down"]);
  }
}

/**
 * Resets the TCP connections of QEMU's migration streams leaving `from`'s namespace (`ss -K`, the
 * kernel's SOCK_DESTROY: the local socket is aborted and the peer gets a RST), as a NIC reset, a
 * firewall's or a load balancer's RST would. Unlike a cut link (setLink), both QEMUs notice at once
 * and a post-copy move turns "post-copy failed" on both hosts — the case only a resume can save.
 * Returns how many connections were reset ("ss -K" lists each one it destroyed).
 */
export async function resetMigrationStreams(from: keyof typeof TOPOLOGY): Promise<number> {
  return (await migrationStreams(from, ["-K"])).length;
}

/**
 * The QEMU migration streams leaving `from`'s namespace right now, as "local → peer" address pairs
 * (`ss`: established TCP connections to the migration ports). `extra` adds ss flags (-K destroys them).
 */
export async function migrationStreams(from: keyof typeof TOPOLOGY, extra: string[] = []): Promise<string[]> {
  const { min, max } = MIGRATION_PORTS;
  const filter = ["state", "established", "(", "dport", ">=", `:${min}`, "and", "dport", "<=", `:${max}`, ")"];
  const out = await sh("ip", ["netns", "exec", TOPOLOGY[from].netns, "ss", ...extra, "-t", "-n", "-H", ...filter]);
  // Columns: Recv-Q Send-Q Local:Port Peer:Port (with -K also listed, one line per socket destroyed).
  return out
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const cols = l.trim().split(/\s+/);
      return `${cols[cols.length - 2]} → ${cols[cols.length - 1]}`;
    });
}
