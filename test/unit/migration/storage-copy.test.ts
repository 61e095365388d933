import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors.js";
import { qemuImgCreateArgv, qemuImgInfoArgv } from "../../../src/libvirt/disk-images.js";
import { buildMigrateArgs } from "../../../src/libvirt/migrate-args.js";
import { disksToCopy } from "../../../src/migration/storage-copy.js";

describe("which disks a move copies", () => {
  const disks = [{ target: "vda", shared: true }, { target: "vdb", shared: false }, { target: "vdc" }, { target: "vdd", shared: false }];
  it("only non-shared disks (shared defaults to true), and only with copy_storage", () => {
    expect(disksToCopy(true, disks)).toEqual(["vdb", "vdd"]);
    expect(disksToCopy(false, disks)).toEqual([]);
    expect(disksToCopy(true, [{ target: "vda", shared: true }])).toEqual([]);
  });
});

describe("virsh migrate --migrate-disks", () => {
  it("limits the storage copy to the listed disks", () => {
    expect(buildMigrateArgs("web", "qemu+tcp://b/system", { p2p: true, copyStorageAll: true, migrateDisks: ["vdb", "vdd"] })).toEqual([
      "migrate",
      "--live",
      "--p2p",
      "--copy-storage-all",
      "--migrate-disks",
      "vdb,vdd",
      "--domain",
      "web",
      "--desturi",
      "qemu+tcp://b/system",
    ]);
  });
  it("is refused without copyStorageAll, empty, or with something that is not a target", () => {
    expect(() => buildMigrateArgs("web", "x", { migrateDisks: ["vdb"] })).toThrow(ValidationError);
    expect(() => buildMigrateArgs("web", "x", { copyStorageAll: true, migrateDisks: [] })).toThrow(/targets/);
    expect(() => buildMigrateArgs("web", "x", { copyStorageAll: true, migrateDisks: ["vdb,vdc"] })).toThrow(/targets/);
    expect(() => buildMigrateArgs("web", "x", { copyStorageAll: true, migrateDisks: ["--xml"] })).toThrow(/targets/);
  });
});

describe("qemu-img argv for the destination image", () => {
  it("info reads the header even while a QEMU holds the image (-U); paths after --", () => {
    expect(qemuImgInfoArgv("/var/lib/libvirt/images/-web.qcow2")).toEqual([
      "qemu-img",
      "info",
      "--output=json",
      "-U",
      "--",
      "/var/lib/libvirt/images/-web.qcow2",
    ]);
  });
  it("create: same format and exact virtual size in bytes; qcow2 with metadata preallocation like libvirt", () => {
    expect(qemuImgCreateArgv("/i/web.qcow2", "qcow2", 67108864)).toEqual([
      "qemu-img",
      "create",
      "-q",
      "-f",
      "qcow2",
      "-o",
      "preallocation=metadata",
      "--",
      "/i/web.qcow2",
      "67108864",
    ]);
    expect(qemuImgCreateArgv("/i/web.raw", "raw", 512)).toEqual(["qemu-img", "create", "-q", "-f", "raw", "--", "/i/web.raw", "512"]);
    expect(() => qemuImgCreateArgv("/i/x", "raw", 0)).toThrow(RangeError);
    expect(() => qemuImgCreateArgv("/i/x", "raw", 1.5)).toThrow(RangeError);
  });
});
