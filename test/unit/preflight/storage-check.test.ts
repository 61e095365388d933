/**
 * fit.storage: the VM's pool volumes on a host, from what libvirt answers there (parsed from
 * output captured on the lab). Each host's libvirt is a fake connection built from those parsers.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { LibvirtError } from "../../../src/errors.js";
import { parsePoolInfo, parsePoolList, parseVolumeXml, type PoolListEntry, type VolumeInfo } from "../../../src/libvirt/parse/storage.js";
import { MODEL_SPELLING, spell, type Host } from "../../../src/model/index.js";
import { sample, V11 } from "../libvirt/fixtures.js";

interface FakeHost {
  pools: PoolListEntry[] | Error;
  volumes: Record<string, VolumeInfo>;
  availableBytes?: number;
  /** Volumes on storage that libvirt lists only after a pool-refresh (a shared pool's volume made elsewhere). */
  onDisk?: Record<string, VolumeInfo>;
  refreshed?: number;
}
const hosts: Record<string, FakeHost> = {};
vi.mock("../../../src/hosts/registry.js", () => ({
  connect: (h: Host) => {
    const f = hosts[h.name]!;
    return {
      listPools: async () => {
        if (f.pools instanceof Error) throw f.pools;
        return f.pools;
      },
      volumeInfo: async (pool: string, volume: string) => f.volumes[`${pool}/${volume}`] ?? null,
      refreshPool: async () => {
        f.refreshed = (f.refreshed ?? 0) + 1;
        Object.assign(f.volumes, f.onDisk ?? {});
      },
      poolInfo: async (pool: string) => ({ ...parsePoolInfo(sample(V11, "pool-info-bytes.txt")), name: pool, availableBytes: f.availableBytes }),
    };
  },
}));
const { storageCheck } = await import("../../../src/preflight/fit.js");

const a: Host = { name: "a", uri: "qemu:///a" };
const b: Host = { name: "b", uri: "qemu:///b" };
const VOL = parseVolumeXml(sample(V11, "vol-dumpxml-qcow2.txt")); // web1.qcow2, qcow2, 64 MiB
const vol = (pool: string, over: Partial<VolumeInfo> = {}) => ({ [`${pool}/${VOL.name}`]: { ...VOL, ...over } });
const disk = (o: Record<string, unknown> = {}) => ({
  path: null as string | null,
  pool: "vms" as string | null,
  volume: "web1.qcow2" as string | null,
  format: "qcow2" as const,
  shared: true,
  ...o,
});
const vm = (disks: ReturnType<typeof disk>[], copyStorage = false) => ({ name: "web", disks, migration: { copyStorage } });
// vms active, vms-off inactive
const ACTIVE = parsePoolList(sample(V11, "pool-list-all.txt")).map((p) => ({ ...p, name: p.name.replace("lvpool-cap", "vms") }));

beforeEach(() => {
  hosts.a = { pools: ACTIVE, volumes: vol("vms") };
  hosts.b = { pools: ACTIVE, volumes: {}, availableBytes: 1 << 30 };
});

describe("fit.storage", () => {
  it("is not there for a VM without pool volumes", async () => {
    expect(await storageCheck(vm([{ ...disk(), path: "/x.img", pool: null, volume: null }]), a, b)).toBeNull();
  });

  it("a pool the destination lacks fails the plan, naming VM, host, pool and a fix", async () => {
    hosts.b!.pools = [];
    const c = (await storageCheck(vm([disk()]), a, b))!;
    expect(c).toMatchObject({ id: "fit.storage", host: "b", status: "fail", found: 'no storage pool "vms" on host b', requiredFor: "move" });
    expect(c.required).toBe("pool vms defined and active; volume vms/web1.qcow2 present");
    expect(c.fix).toContain("virsh pool-define-as vms dir --target DIR, pool-build vms, pool-start vms");
    expect(c.fix).toMatch(/or choose a host that has it for web$/);
  });

  it("an inactive pool: start it", async () => {
    const c = (await storageCheck(vm([disk({ pool: "vms-off" })]), a, b))!;
    expect([c.status, c.found]).toEqual(["fail", 'storage pool "vms-off" is not active on host b']);
    expect(c.fix).toContain("virsh pool-start vms-off");
  });

  it("a shared volume must already be in the destination's pool", async () => {
    const miss = (await storageCheck(vm([disk()]), a, b))!;
    expect([miss.status, miss.found]).toEqual(["fail", "no volume web1.qcow2 in pool vms on host b"]);
    expect(spell(miss.fix!, MODEL_SPELLING)).toContain("mark the disk shared = false and set migration.copyStorage = true");
    hosts.b!.volumes = vol("vms");
    expect(await storageCheck(vm([disk()]), a, b)).toMatchObject({ status: "pass", found: "vms/web1.qcow2 present (qcow2)" });
  });

  it("a shared volume libvirt has not listed yet is found after a pool-refresh (a shared pool's volume made on another host)", async () => {
    hosts.b!.onDisk = vol("vms");
    expect(await storageCheck(vm([disk()]), a, b)).toMatchObject({ status: "pass", found: "vms/web1.qcow2 present (qcow2)" });
    expect(hosts.b!.refreshed).toBe(1);
  });

  it("a copied volume: absent on the destination (libvirt creates it) with room for its virtual size", async () => {
    const copied = vm([disk({ shared: false })], true);
    const ok = (await storageCheck(copied, a, b))!;
    expect(ok.status).toBe("pass");
    expect(ok.found).toBe("vms/web1.qcow2 created in b's pool by the copy (qcow2, 64 MiB)");
    expect(ok.required).toBe("pool vms defined and active; room for vms/web1.qcow2 (created by the copy)");
    hosts.b!.availableBytes = 10 * 1024 * 1024;
    const full = (await storageCheck(copied, a, b))!;
    expect([full.status, full.found]).toEqual(["fail", 'storage pool "vms" on host b has 10 MiB free, the copy needs 64 MiB']);
  });

  it("a copied volume already on the destination: reused when format and size match, else refused (never overwritten)", async () => {
    const copied = vm([disk({ shared: false })], true);
    hosts.b!.volumes = vol("vms");
    expect((await storageCheck(copied, a, b))!).toMatchObject({ status: "pass" });
    expect((await storageCheck(copied, a, b))!.found).toContain("the copy overwrites it");
    hosts.b!.volumes = vol("vms", { format: "raw" });
    const other = (await storageCheck(copied, a, b))!;
    expect(other.status).toBe("fail");
    expect(other.found).toBe(
      "host b already has volume web1.qcow2 in pool vms (raw, 64 MiB), which is not a copy target for qcow2, 64 MiB; livevirt never overwrites it",
    );
    expect(other.fix).toContain("virsh vol-delete web1.qcow2 --pool vms");
  });

  it("a non-shared volume without copy_storage is checked as shared (fit.disks refuses the move itself)", async () => {
    expect((await storageCheck(vm([disk({ shared: false })], false), a, b))!.found).toBe("no volume web1.qcow2 in pool vms on host b");
  });

  it("at create (no source): the volume must be there, of the declared format", async () => {
    hosts.b!.volumes = vol("vms", { format: "raw" });
    const c = (await storageCheck(vm([disk()]), null, b))!;
    expect([c.status, c.found]).toEqual(["fail", "volume web1.qcow2 in pool vms on host b is raw, the disk says qcow2"]);
    expect(spell(c.fix!, MODEL_SPELLING)).toContain('set the disk\'s format = "raw"');
    hosts.b!.volumes = {};
    expect((await storageCheck(vm([disk()]), null, b))!.fix).toContain("virsh vol-create-as vms web1.qcow2 SIZE --format qcow2");
  });

  it("a host without libvirt's storage driver fails; another libvirt error is unknown", async () => {
    hosts.b!.pools = new LibvirtError("virsh pool-list failed: this function is not supported by the connection driver: virConnectNumOfStoragePools", [], "");
    const c = (await storageCheck(vm([disk()]), a, b))!;
    expect([c.status, c.found]).toEqual(["fail", "libvirt on host b has no storage driver (no pools at all)"]);
    expect(c.fix).toContain("libvirt-daemon-driver-storage");
    hosts.b!.pools = new LibvirtError("cannot recv data: Connection reset by peer", [], "");
    expect((await storageCheck(vm([disk()]), a, b))!).toMatchObject({ status: "unknown" });
  });
});
