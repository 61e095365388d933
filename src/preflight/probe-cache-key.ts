/**
 * What a cached probe verdict is keyed by: everything about the two hosts and the probe itself
 * that could change whether a no-OS domain moves with post-copy between them. Two preflights
 * whose keys are equal would run the very same experiment on the very same set-up.
 *
 * A fact we could not read makes the key unusable rather than weaker: "unknown" in a key would
 * match a later "unknown" that hides a different value (a sysctl flipped while the shell was
 * unreachable), and a cached pass overrides failing inferred checks — so no guessing here.
 *
 * URIs may carry passwords: they only ever enter the key through the hash, never the cache file.
 */
import { createHash } from "node:crypto";
import type { Host } from "../model/index.js";
import type { HostFacts } from "./host-facts.js";

/** Bumped whenever probe.ts changes what it does (domain shape, switch logic, verdict rules). */
export const PROBE_REVISION = 1;

export interface ProbeParameters {
  memoryMib: number;
  bandwidthMib: number;
}

export type ProbeCacheKey = { usable: true; key: string } | { usable: false; why: string };

function hostPart(t: Host, f: HostFacts, missing: string[]): unknown {
  const need = <T>(what: string, k: { known: true; value: T } | { known: false; why: string }): T | null => {
    if (k.known) return k.value;
    missing.push(`${f.host} ${what}`);
    return null;
  };
  const caps = need("capabilities", f.capabilities);
  const uuid = caps ? caps.uuid : null;
  if (caps && !uuid) missing.push(`${f.host} host UUID`);
  const dev = need("/dev/userfaultfd", f.kernel.device);
  const conf = need("qemu.conf", f.qemuConf);
  const probe = need("bare QEMU post-copy probe", f.qemuProbe);
  const tlsMaterial = need("migration TLS files", f.migrationTls);
  return {
    uri: t.uri,
    migrationUri: t.migrationUri ?? null,
    migrationAddress: t.migrationAddress ?? null,
    hostUuid: uuid,
    libvirt: need("libvirt version", f.libvirtVersion),
    qemu: need("QEMU version", f.qemuVersion),
    kernel: need("kernel release", f.kernel.release),
    userfaultfd: need("userfaultfd syscall", f.kernel.userfaultfd),
    sysctl: need("vm.unprivileged_userfaultfd", f.kernel.unprivilegedSysctl),
    device: dev === null || dev === "absent" ? dev : { mode: dev.mode, uid: dev.uid, gid: dev.gid },
    qemuIdentity: need("QEMU user", f.qemuIdentity),
    qemuGroups: need("QEMU groups", f.qemuGroups),
    // Every qemu.conf setting we parse that bears on what QEMU may do (user, capabilities, cgroup
    // device ACL, namespaces); listed explicitly so the key's field order is fixed.
    qemuConf: conf && {
      user: conf.user ?? null,
      group: conf.group ?? null,
      clearEmulatorCapabilities: conf.clearEmulatorCapabilities ?? null,
      cgroupDeviceAcl: conf.cgroupDeviceAcl ?? null,
      cgroupControllers: conf.cgroupControllers ?? null,
      namespaces: conf.namespaces ?? null,
    },
    // The certificates the probe's connections use (QEMU's migration TLS, the daemons' own TLS):
    // a certificate swapped since the probe passed invalidates it.
    migrationTls: tlsMaterial && {
      dir: tlsMaterial.dir,
      files: Object.entries(tlsMaterial.files)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([n, v]) => [n, v!.mode, v!.uid, v!.gid, v!.pem ? createHash("sha256").update(v!.pem).digest("hex") : null]),
    },
    libvirtTls: need("libvirt TLS files", f.libvirtTls),
    // The bare QEMU's own answer: its verdict only (its timing and wording vary between runs).
    bareQemuPostcopy: probe && { postcopy: probe.postcopy, representative: probe.representative },
  };
}

/** The key of the probe from `from` to `to` on hosts with these facts, or why there is none. */
export function probeCacheKey(from: Host, to: Host, fromFacts: HostFacts, toFacts: HostFacts, params: ProbeParameters): ProbeCacheKey {
  const missing: string[] = [];
  const material = {
    revision: PROBE_REVISION,
    probe: { memoryMib: params.memoryMib, bandwidthMib: params.bandwidthMib, p2p: to.migrationUri !== undefined },
    from: hostPart(from, fromFacts, missing),
    to: hostPart(to, toFacts, missing),
  };
  if (missing.length > 0) return { usable: false, why: `not cached: unknown ${missing.join(", ")}` };
  return { usable: true, key: createHash("sha256").update(JSON.stringify(material)).digest("hex") };
}

/** File-name part for the pair (hash: URIs may hold secrets and are not file-name safe). */
export function pairId(from: Host, to: Host): string {
  return createHash("sha256")
    .update(JSON.stringify([from.uri, to.uri, to.migrationUri ?? null, to.migrationAddress ?? null]))
    .digest("hex")
    .slice(0, 32);
}
