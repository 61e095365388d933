import { MIGRATION_PORTS, type HostTopology } from "./topology.js";

/** How a lab host runs QEMU, which decides whether QEMU can use userfaultfd (post-copy). */
export type QemuIdentity = "root" | "unprivileged";

/**
 * libvirtd.conf for one lab host. The daemons reach each other only over TLS on the migration
 * links, each authenticated by a client certificate from the lab's CA and admitted by name
 * (tls_allowed_dn_list); no TCP listener. This machine reaches a daemon over SSH (the management
 * network) or, for lab plumbing and tests that need it, the unix socket in the host's private run
 * dir — reachable only by root on this machine, so it needs no authentication.
 */
export function libvirtdConf(t: HostTopology, allowedClientDns: readonly string[]): string {
  return [
    "# Written by livevirt's lab (src/lab/host-config.ts).",
    "listen_tls = 1",
    "listen_tcp = 0",
    // Every address of the host: the daemons reach each other over the main migration link or a
    // fault link (FAULT_LINKS), whichever the moving test declared.
    'listen_addr = "0.0.0.0"',
    'auth_tls = "none"',
    `tls_allowed_dn_list = [ ${allowedClientDns.map((d) => JSON.stringify(d)).join(", ")} ]`,
    'auth_unix_rw = "none"',
    'auth_unix_ro = "none"',
    'unix_sock_rw_perms = "0770"',
    // The machine has no SMBIOS; without distinct UUIDs libvirt refuses "same host" migrations.
    `host_uuid = "${t.hostUuid}"`,
    // LIVEVIRT_LAB_LIBVIRT_DEBUG="1:qemu 1:util.command" turns on libvirt debug logs for those modules.
    ...(process.env.LIVEVIRT_LAB_LIBVIRT_DEBUG
      ? [`log_filters = "${process.env.LIVEVIRT_LAB_LIBVIRT_DEBUG}"`, 'log_outputs = "1:file:/var/log/libvirt/libvirtd.log"']
      : ['log_outputs = "3:file:/var/log/libvirt/libvirtd.log"']),
    "",
  ].join("\n");
}

/** The p2p migration keepalive of the lab's hosts (libvirt's defaults: 5 s, 5). */
export const LAB_KEEPALIVE = { interval: 2, count: 3 } as const;

/**
 * qemu.conf for one lab host. The unprivileged variant is the lab's "no post-copy" host: a QEMU
 * running as libvirt-qemu cannot open userfaultfd when vm.unprivileged_userfaultfd=0 and
 * /dev/userfaultfd is root-only, while a root QEMU always can (measured: see shared/notes/lab.md).
 */
export function qemuConf(t: HostTopology, identity: QemuIdentity): string {
  const user = identity === "root" ? "root" : "libvirt-qemu";
  const group = identity === "root" ? "root" : "libvirt-qemu";
  return [
    "# Written by livevirt's lab (src/lab/host-config.ts).",
    `user = "${user}"`,
    `group = "${group}"`,
    'security_driver = "none"',
    // cgroups here are v1-hybrid and shared by both lab hosts: keep libvirt out of them.
    "cgroup_controllers = [ ]",
    "namespaces = [ ]",
    // Both hosts see the same guest kernel files; libvirt must not chown them back and forth.
    "dynamic_ownership = 0",
    // No virtlogd in the lab: QEMU's stdout/stderr go straight to files.
    'stdio_handler = "file"',
    // Otherwise the destination advertises its hostname, which the source cannot resolve.
    `migration_address = "${t.address}"`,
    `migration_host = "${t.address}"`,
    `migration_port_min = ${MIGRATION_PORTS.min}`,
    `migration_port_max = ${MIGRATION_PORTS.max}`,
    // A cut link is noticed by the keepalive of the peer-to-peer connection to the destination's
    // libvirtd, after about interval × (count + 1) s: 30 s by default, 8 s here, so the fault
    // tests wait 8 s for what production hosts notice in 30 (what happens next is the same).
    // TCP's retransmission back-off is left alone: capping it (net.ipv4.tcp_rto_max_ms = 2000)
    // also made TCP give the migration stream up after ~27 s of a cut instead of ~15 min (the
    // give-up time is modelled on it), and the destination then saw "post-copy failed" — a
    // different fault from a production host's (measured in fault-link-timeout).
    `keepalive_interval = ${LAB_KEEPALIVE.interval}`,
    `keepalive_count = ${LAB_KEEPALIVE.count}`,
    "",
  ].join("\n");
}
