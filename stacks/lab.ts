/**
 * Where the example stack finds the lab (a tiny "lab defaults" module).
 *
 * Built from the lab's own path/topology helpers rather than copied strings, so the stack cannot
 * drift from the lab (LIVEVIRT_LAB_DIR included): src/lab/paths.ts and topology.ts are pure
 * constants. src/lab/lab.ts itself is not imported: it pulls in virsh and daemon control, which a
 * synth has no business loading. test/unit/modules/example-stack.test.ts checks them.
 */
import { join } from "node:path";
import { GUEST_DIR, HOST_NAMES, type HostName } from "../src/lab/paths.js";
import { GUEST_NET, sshUri, tlsUri } from "../src/lab/topology.js";
import type { Host } from "../src/model/index.js";

/**
 * The lab's two hosts, as LivevirtHosts wants them — reached the way real hosts are: libvirt over
 * SSH on the management network (host keys checked against the lab's known_hosts, see
 * src/lab/ssh.ts), and daemon to daemon over TLS on the migration network. The provider's
 * host-local post-copy checks run over the same SSH (the default shell of a qemu+ssh URI).
 */
export const LAB_HOSTS: Host[] = HOST_NAMES.map((h: HostName) => ({ name: h, uri: sshUri(h), migrationUri: tlsUri(h) }));

/** The lab guest built by buildGuest(GUEST_DIR) in src/lab/guest/build.ts (file names as it writes them). */
export const LAB_GUEST = {
  kernel: join(GUEST_DIR, "vmlinuz"),
  initrd: join(GUEST_DIR, "initrd.img"),
} as const;

/** The example's web VM on the lab's guest network: its address, the TCP echo port its guest serves. */
export const LAB_WEB_NET = {
  network: GUEST_NET.libvirtNetwork,
  ip: `${GUEST_NET.guestBase}10`,
  prefixLen: GUEST_NET.prefixLen,
  echoPort: 7000,
  clientNetns: GUEST_NET.clientNetns,
} as const;
