/**
 * A lab host as a Host. Host-local facts (qemu.conf, the QEMU probe) must be read inside
 * the host's mount namespace, where its private /etc/libvirt is mounted; the network and UTS
 * namespaces make the probe QEMU and `hostname` see what that host's libvirtd sees.
 */
import type { Host } from "../model/index.js";
import { hostUri, migrationUri } from "./lab.js";
import { nsFiles } from "./mountns.js";
import type { HostName } from "./paths.js";

export function labHostTarget(h: HostName): Host {
  const f = nsFiles(h);
  return {
    name: h,
    uri: hostUri(h),
    migrationUri: migrationUri(h),
    shell: ["nsenter", `--net=${f.net}`, `--mount=${f.mnt}`, `--uts=${f.uts}`],
  };
}
