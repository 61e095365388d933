/** HostFacts builders for table tests: the lab's measured hosts, changed one fact at a time. */
import type { HostFacts, QemuProbeFact } from "../../../src/preflight/host-facts.js";
import { known, unknown, type Known } from "../../../src/preflight/known.js";
import type { DeviceStat } from "../../../src/preflight/kernel-parse.js";
import type { QemuConfFacts } from "../../../src/preflight/qemu-conf.js";
import type { Tri } from "../../../src/preflight/types.js";

export const DEV_0600: DeviceStat = { mode: 0o600, uid: 0, gid: 0, owner: "root", group: "root" };
export const DEV_0666: DeviceStat = { mode: 0o666, uid: 0, gid: 0, owner: "root", group: "root" };
export const DEV_0660_KVM: DeviceStat = { mode: 0o660, uid: 0, gid: 107, owner: "root", group: "kvm" };

export const LAB_CONF: QemuConfFacts = { user: "root", group: "root", cgroupControllers: [], namespaces: [] };
export const UNPRIV_CONF: QemuConfFacts = { user: "libvirt-qemu", group: "libvirt-qemu", cgroupControllers: [], namespaces: [] };

export function probe(
  postcopy: Tri,
  message = postcopy === "no" ? "Postcopy is not supported: Userfaultfd not available: Operation not permitted" : "QEMU enabled postcopy-ram",
  representative = true,
): Known<QemuProbeFact> {
  return known({ postcopy, message, ranAs: "test", durationMs: 50, representative, qemuVersion: "10.0.2" }, "test probe");
}

/** A lab host with a root QEMU (backports): everything known, post-copy works. */
export function rootHost(host = "a"): HostFacts {
  return {
    host,
    libvirtVersion: known("11.3.0", "test"),
    qemuVersion: known("10.0.2", "test"),
    capabilities: unknown("not needed"),
    domCaps: unknown("not needed"),
    qemuIdentity: known({ uid: 0, gid: 0 }, "test"),
    qemuUserName: known("root", "test"),
    qemuGroups: known([0], "test"),
    qemuConf: known(LAB_CONF, "test"),
    migrationTls: known({ dir: "/etc/pki/qemu", files: {} }, "test"),
    libvirtTls: known("/etc/pki/CA/cacert.pem|1310|1764806400|644|0|0", "test"),
    kernel: {
      release: known("6.18.44-fc-v782", "test"),
      userfaultfd: known(true, "test"),
      unprivilegedSysctl: known(0, "test"),
      device: known(DEV_0600, "test"),
    },
    qemuProbe: unknown("not run in this table"),
    freeMemoryBytes: known(4096 * 1024 * 1024, "test"),
    collectedMs: 1,
  };
}

/** The lab's "no post-copy" host: QEMU as libvirt-qemu (uid 64055), sysctl 0, device 0600 root. */
export function unprivHost(host = "b"): HostFacts {
  const f = rootHost(host);
  return {
    ...f,
    qemuIdentity: known({ uid: 64055, gid: 64055 }, "test"),
    qemuUserName: known("libvirt-qemu", "test"),
    qemuGroups: known([107, 64055], "test"),
    qemuConf: known(UNPRIV_CONF, "test"),
  };
}

export function withKernel(f: HostFacts, k: Partial<HostFacts["kernel"]>): HostFacts {
  return { ...f, kernel: { ...f.kernel, ...k } };
}
