/** Storage pools and volumes on real libvirt 11.3 output (captured on the lab). */
import { describe, expect, it } from "vitest";
import { isNoSuchPool, isNoSuchVolume, parsePoolInfo, parsePoolList, parseVolumeXml } from "../../../src/libvirt/parse/storage.js";
import { libvirtMessages } from "../../../src/libvirt/parse/virsh-error.js";
import { raw, sample, V11 } from "./fixtures.js";

describe("storage pools and volumes (libvirt 11.3)", () => {
  it("pool-list --all: active and inactive pools", () => {
    expect(parsePoolList(sample(V11, "pool-list-all.txt"))).toEqual([
      { name: "lvpool-cap", active: true, autostart: false },
      { name: "lvpool-cap-off", active: false, autostart: false },
    ]);
    expect(parsePoolList(" Name   State   Autostart\n-------------------------\n\n")).toEqual([]);
    expect(() => parsePoolList("error: this function is not supported by the connection driver: virConnectNumOfStoragePools")).toThrow(/no header line/);
  });

  it("pool-info --bytes: sizes while running, none while inactive", () => {
    expect(parsePoolInfo(sample(V11, "pool-info-bytes.txt"))).toEqual({
      name: "lvpool-cap",
      state: "running",
      capacityBytes: 270553174016,
      availableBytes: 243972812800,
    });
    expect(parsePoolInfo(sample(V11, "pool-info-inactive.txt"))).toEqual({
      name: "lvpool-cap-off",
      state: "inactive",
      capacityBytes: undefined,
      availableBytes: undefined,
    });
  });

  it("vol-dumpxml: format, capacity, allocation and path", () => {
    expect(parseVolumeXml(sample(V11, "vol-dumpxml-qcow2.txt"))).toEqual({
      name: "web1.qcow2",
      path: "/var/lib/libvirt/pools/lvpool-cap/web1.qcow2",
      format: "qcow2",
      capacityBytes: 67108864,
      allocationBytes: 67375104,
    });
    expect(() => parseVolumeXml("<pool/>")).toThrow(/no <volume> element/);
  });

  it("a missing volume and a missing pool are told apart from other failures", () => {
    const vol = libvirtMessages(raw(V11, "vol-dumpxml-missing.txt"));
    expect(vol.some(isNoSuchVolume)).toBe(true);
    expect(vol.some(isNoSuchPool)).toBe(false);
    expect(libvirtMessages(raw(V11, "vol-delete-missing.txt")).some(isNoSuchVolume)).toBe(true);
    const pool = libvirtMessages(raw(V11, "pool-info-missing.txt"));
    expect(pool.some(isNoSuchPool)).toBe(true);
    expect(pool.some(isNoSuchVolume)).toBe(false);
  });
});
