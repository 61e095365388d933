/**
 * Pool volumes in a move with copy_storage: libvirt creates the destination volume, livevirt checks
 * the pool and what is in the way before the move and deletes what the failed move made. Each
 * host's libvirt is a fake connection (parsers are tested on real output in test/unit/libvirt).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { parseVolumeXml, type PoolListEntry, type VolumeInfo } from "../../../src/libvirt/parse/storage.js";
import type { Host } from "../../../src/model/index.js";
import { sample, V11 } from "../libvirt/fixtures.js";

interface FakeHost {
  pools: PoolListEntry[];
  volumes: Record<string, VolumeInfo>;
  deleted: string[];
}
const hosts: Record<string, FakeHost> = {};
const VOL = parseVolumeXml(sample(V11, "vol-dumpxml-qcow2.txt")); // web1.qcow2, qcow2, 64 MiB
const DOMAIN_XML = {
  disks: [{ type: "volume", device: "disk", format: "qcow2", pool: "vms", volume: "web1.qcow2", target: "vda" }],
};
vi.mock("../../../src/hosts/registry.js", () => ({
  connect: (h: Host) => {
    const f = hosts[h.name]!;
    return {
      dumpXml: async () => DOMAIN_XML,
      listPools: async () => f.pools,
      volumeInfo: async (pool: string, volume: string) => f.volumes[`${pool}/${volume}`] ?? null,
      deleteVolume: async (pool: string, volume: string) => {
        const key = `${pool}/${volume}`;
        if (!(key in f.volumes)) return "not-found";
        f.deleted.push(key);
        delete f.volumes[key];
        return "deleted";
      },
    };
  },
}));
const { prepareDestinationImages, removeCreatedImages } = await import("../../../src/migration/storage-copy.js");

const a: Host = { name: "a", uri: "qemu:///a" };
const b: Host = { name: "b", uri: "qemu:///b" };
const active = [{ name: "vms", active: true, autostart: true }];
const prepare = (done = []) => prepareDestinationImages({ domain: "web", from: a, to: b, targets: ["vda"], done, log: () => {} });

beforeEach(() => {
  hosts.a = { pools: active, volumes: { "vms/web1.qcow2": VOL }, deleted: [] };
  hosts.b = { pools: active, volumes: {}, deleted: [] };
});

describe("copy_storage of a pool volume", () => {
  it("leaves the creation to libvirt and records the volume as made for this move", async () => {
    expect(await prepare()).toEqual([
      { target: "vda", path: VOL.path, pool: "vms", volume: "web1.qcow2", format: "qcow2", virtualSizeBytes: 67108864, created: true },
    ]);
    expect(hosts.b!.volumes).toEqual({}); // nothing made by livevirt
  });

  it("a failed move deletes the volume libvirt made on the destination; never the source's, never one that was there", async () => {
    const done = await prepare();
    hosts.b!.volumes["vms/web1.qcow2"] = VOL; // libvirt's prepare made it, then the move failed
    await removeCreatedImages(b, done, () => {});
    expect(hosts.b!.deleted).toEqual(["vms/web1.qcow2"]);
    expect(hosts.a!.deleted).toEqual([]);
    // The move failed before libvirt made it: nothing to delete, no error.
    await removeCreatedImages(b, done, () => {});
    expect(hosts.b!.deleted).toEqual(["vms/web1.qcow2"]);
  });

  it("a volume of the same format and size already there is reused (overwritten by the copy), and kept after a failure", async () => {
    hosts.b!.volumes["vms/web1.qcow2"] = VOL;
    const done = await prepare();
    expect(done[0]!.created).toBe(false);
    await removeCreatedImages(b, done, () => {});
    expect(hosts.b!.deleted).toEqual([]);
  });

  it("refuses another volume of that name, and a pool that is missing or inactive", async () => {
    hosts.b!.volumes["vms/web1.qcow2"] = { ...VOL, capacityBytes: 1 << 30 };
    await expect(prepare()).rejects.toThrow(/already has volume web1\.qcow2 in pool vms .* livevirt never overwrites it/);
    hosts.b!.pools = [];
    await expect(prepare()).rejects.toThrow(/host b has no active storage pool "vms" for disk vda/);
    hosts.b!.pools = [{ name: "vms", active: false, autostart: false }];
    await expect(prepare()).rejects.toThrow(/no active storage pool "vms"/);
  });
});
