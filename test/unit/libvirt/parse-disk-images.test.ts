import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parseDomBlkInfo } from "../../../src/libvirt/parse/domblkinfo.js";
import { isNoSuchFile, parseQemuImgInfo } from "../../../src/libvirt/parse/qemu-img-info.js";
import { capturedError, raw, sample, V11 } from "./fixtures.js";

describe("virsh domblkinfo", () => {
  it("reads capacity (virtual size), allocation and physical size of a running domain's qcow2 disk", () => {
    expect(parseDomBlkInfo(sample(V11, "virsh-domblkinfo-qcow2.txt"))).toEqual({ capacityBytes: 67108864, allocationBytes: 1314816, physicalBytes: 1376256 });
  });
  it("refuses output without the sizes", () => {
    expect(() => parseDomBlkInfo("error: invalid argument: invalid path vdz not assigned to domain\n")).toThrow(ParseError);
    expect(() => parseDomBlkInfo("Capacity:       -\nAllocation: 1\nPhysical: 1\n")).toThrow(/Capacity/);
  });
});

describe("qemu-img info --output=json", () => {
  it("qcow2: the image's own format and virtual size, not its file child's", () => {
    expect(parseQemuImgInfo(sample(V11, "qemu-img-info-qcow2.txt"))).toEqual({ format: "qcow2", virtualSizeBytes: 67108864 });
  });
  it("raw", () => {
    expect(parseQemuImgInfo(sample(V11, "qemu-img-info-raw.txt"))).toEqual({ format: "raw", virtualSizeBytes: 33554432 });
  });
  it("a missing file is recognised; other failures and non-JSON are not taken for it", () => {
    const missing = raw(V11, "qemu-img-info-missing.txt").split("\n")[1]!;
    expect(isNoSuchFile(missing)).toBe(true);
    expect(isNoSuchFile("qemu-img: Could not open '/x': Permission denied")).toBe(false);
    expect(() => parseQemuImgInfo(missing)).toThrow(ParseError);
    expect(() => parseQemuImgInfo('{"format": "qcow2"}')).toThrow(/virtual-size/);
  });
});

describe("libvirt without a storage pool at the image's directory", () => {
  it("copy-storage to a host without the image fails on the storage driver (captured)", () => {
    expect(capturedError(V11, "virsh-migrate-copy-storage-no-pool.txt")).toBe("error: no connection driver available for storage:///system");
  });
});
