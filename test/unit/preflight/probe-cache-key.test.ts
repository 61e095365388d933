import { describe, expect, it } from "vitest";
import type { Host } from "../../../src/model/index.js";
import type { HostCapabilities } from "../../../src/libvirt/parse/capabilities.js";
import type { HostFacts } from "../../../src/preflight/host-facts.js";
import { known, unknown } from "../../../src/preflight/known.js";
import { pairId, probeCacheKey, type ProbeCacheKey } from "../../../src/preflight/probe-cache-key.js";
import { DEV_0666, UNPRIV_CONF, probe, rootHost, withKernel } from "./facts.js";

const A: Host = { name: "a", uri: "qemu+unix:///system?socket=/a", migrationUri: "qemu+tcp://10.0.0.1/system", shell: [] };
const B: Host = { name: "b", uri: "qemu+unix:///system?socket=/b", migrationUri: "qemu+tcp://10.0.0.2/system", shell: [] };
const PARAMS = { memoryMib: 64, bandwidthMib: 1 };

function host(name: string, uuid: string): HostFacts {
  const caps = { uuid, arch: "x86_64", guests: [] } as unknown as HostCapabilities;
  return { ...rootHost(name), capabilities: known(caps, "test"), qemuProbe: probe("yes") };
}
const fa = host("a", "11111111-1111-1111-1111-111111111111");
const fb = host("b", "22222222-2222-2222-2222-222222222222");

function key(k: ProbeCacheKey): string {
  if (!k.usable) throw new Error(k.why);
  return k.key;
}
const base = key(probeCacheKey(A, B, fa, fb, PARAMS));

describe("probe cache key", () => {
  it("is stable for the same set-up and never contains the URIs", () => {
    expect(key(probeCacheKey(A, B, host("a", "11111111-1111-1111-1111-111111111111"), host("b", "22222222-2222-2222-2222-222222222222"), PARAMS))).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(pairId(A, B)).toMatch(/^[0-9a-f]{32}$/);
    expect(pairId(A, B)).not.toBe(pairId(B, A));
  });

  // Each change below could change whether the probe passes: each must give another key.
  const changes: [string, () => ProbeCacheKey][] = [
    ["direction", () => probeCacheKey(B, A, fb, fa, PARAMS)],
    ["source URI", () => probeCacheKey({ ...A, uri: "qemu+ssh://root@kvm-a/system" }, B, fa, fb, PARAMS)],
    ["destination migration URI", () => probeCacheKey(A, { ...B, migrationUri: "qemu+tcp://10.0.0.3/system" }, fa, fb, PARAMS)],
    ["no migration URI (not p2p)", () => probeCacheKey(A, { name: "b", uri: B.uri, shell: [] }, fa, fb, PARAMS)],
    ["destination host UUID (host reinstalled)", () => probeCacheKey(A, B, fa, host("b", "33333333-3333-3333-3333-333333333333"), PARAMS)],
    ["destination migration address", () => probeCacheKey(A, { ...B, migrationAddress: "10.0.9.2" }, fa, fb, PARAMS)],
    [
      "source's libvirt client certificate swapped (new mtime and size)",
      () => probeCacheKey(A, B, { ...fa, libvirtTls: known("/etc/pki/libvirt/clientcert.pem|1400|1764900000|644|0|0", "t") }, fb, PARAMS),
    ],
    [
      "destination's QEMU server certificate swapped",
      () =>
        probeCacheKey(
          A,
          B,
          fa,
          {
            ...fb,
            migrationTls: known(
              { dir: "/etc/pki/qemu", files: { "server-cert": { mode: 0o644, uid: 0, gid: 0, pem: "-----BEGIN CERTIFICATE-----\nnew" } } },
              "t",
            ),
          },
          PARAMS,
        ),
    ],
    ["destination libvirt version", () => probeCacheKey(A, B, fa, { ...fb, libvirtVersion: known("11.4.0", "t") }, PARAMS)],
    ["source QEMU version", () => probeCacheKey(A, B, { ...fa, qemuVersion: known("10.1.0", "t") }, fb, PARAMS)],
    ["kernel release", () => probeCacheKey(A, B, fa, withKernel(fb, { release: known("6.19.0", "t") }), PARAMS)],
    ["unprivileged_userfaultfd sysctl", () => probeCacheKey(A, B, fa, withKernel(fb, { unprivilegedSysctl: known(1, "t") }), PARAMS)],
    ["/dev/userfaultfd mode", () => probeCacheKey(A, B, fa, withKernel(fb, { device: known(DEV_0666, "t") }), PARAMS)],
    ["/dev/userfaultfd gone", () => probeCacheKey(A, B, fa, withKernel(fb, { device: known("absent", "t") }), PARAMS)],
    [
      "QEMU user (qemu.conf + identity)",
      () => probeCacheKey(A, B, fa, { ...fb, qemuConf: known(UNPRIV_CONF, "t"), qemuIdentity: known({ uid: 64055, gid: 64055 }, "t") }, PARAMS),
    ],
    [
      "clear_emulator_capabilities",
      () => probeCacheKey(A, B, fa, { ...fb, qemuConf: known({ ...(fb.qemuConf as { value: object }).value, clearEmulatorCapabilities: false }, "t") }, PARAMS),
    ],
    ["QEMU groups", () => probeCacheKey(A, B, fa, { ...fb, qemuGroups: known([0, 107], "t") }, PARAMS)],
    ["bare QEMU probe verdict", () => probeCacheKey(A, B, fa, { ...fb, qemuProbe: probe("no") }, PARAMS)],
    ["probe memory", () => probeCacheKey(A, B, fa, fb, { ...PARAMS, memoryMib: 128 })],
    ["probe bandwidth", () => probeCacheKey(A, B, fa, fb, { ...PARAMS, bandwidthMib: 2 })],
  ];
  it.each(changes)("changes with the %s", (_what, make) => {
    expect(key(make())).not.toBe(base);
  });

  it("ignores what does not bear on the probe (free memory, collection time, the bare probe's wording)", () => {
    const other = { ...fb, freeMemoryBytes: known(1, "t"), collectedMs: 999, qemuProbe: probe("yes", "other words") };
    expect(key(probeCacheKey(A, B, fa, other, PARAMS))).toBe(base);
  });

  it("is unusable, naming the fact, when any keyed fact is unknown", () => {
    const k = probeCacheKey(A, B, fa, withKernel(fb, { unprivilegedSysctl: unknown("ssh: connection refused") }), PARAMS);
    expect(k).toEqual({ usable: false, why: "not cached: unknown b vm.unprivileged_userfaultfd" });
    const k2 = probeCacheKey(A, B, { ...fa, capabilities: unknown("x"), qemuConf: unknown("y") }, fb, PARAMS);
    expect(k2).toEqual({ usable: false, why: "not cached: unknown a capabilities, a qemu.conf" });
  });
});
