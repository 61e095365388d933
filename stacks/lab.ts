/**
 * Where the example stack finds the lab (a tiny "lab defaults" module).
 *
 * Built from the lab's own path/topology helpers rather than copied strings, so the stack cannot
 * drift from the lab (LIVEVIRT_LAB_DIR included): src/lab/paths.ts and topology.ts are pure
 * constants; mountns.ts's nsFiles() is a pure path function (its module only *defines* the
 * namespace commands, nothing runs at import). src/lab/lab.ts itself is not imported: it pulls in
 * virsh and daemon control, which a synth has no business loading.
 * test/unit/modules/example-stack.test.ts checks these equal lab.ts's hostUri()/migrationUri()
 * and targets.ts's labHostTarget().
 */
import { join } from "node:path";
import { nsFiles } from "../src/lab/mountns.js";
import { GUEST_DIR, HOST_NAMES, hostPaths, type HostName } from "../src/lab/paths.js";
import { tcpUri, unixUri } from "../src/lab/topology.js";
import type { Host } from "../src/model/index.js";

/**
 * The lab's two hosts, as LivevirtHosts wants them. `shell` enters the host's namespaces, so the
 * provider's host-local post-copy checks read that host's private qemu.conf, not this machine's.
 */
export const LAB_HOSTS: Host[] = HOST_NAMES.map((h: HostName) => {
  const ns = nsFiles(h);
  return {
    name: h,
    uri: unixUri(hostPaths(h).socket),
    migrationUri: tcpUri(h),
    shell: ["nsenter", `--net=${ns.net}`, `--mount=${ns.mnt}`, `--uts=${ns.uts}`],
  };
});

/** The lab guest built by buildGuest(GUEST_DIR) in src/lab/guest/build.ts (file names as it writes them). */
export const LAB_GUEST = {
  kernel: join(GUEST_DIR, "vmlinuz"),
  initrd: join(GUEST_DIR, "initrd.img"),
} as const;
