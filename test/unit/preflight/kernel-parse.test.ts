import { describe, expect, it } from "vitest";
import {
  formatMode,
  kallsymsHasUserfaultfd,
  kernelAtLeast,
  kernelConfigUserfaultfd,
  parseDeviceStat,
  parseIdGroups,
  parseLsDevice,
  parseSysctlInt,
  parseUnameRelease,
} from "../../../src/preflight/kernel-parse.js";
import { BPO, sampleOutput } from "./samples.js";

describe("kernel fact parsers on the captured samples", () => {
  it("kallsyms: __x64_sys_userfaultfd present", () => {
    expect(kallsymsHasUserfaultfd(sampleOutput("kallsyms-userfaultfd.txt"))).toBe(true);
    expect(kallsymsHasUserfaultfd("ffffffff81757910 t userfaultfd_ioctl\nffffffff817590a0 T handle_userfault\n")).toBe(false);
    expect(kallsymsHasUserfaultfd("0000000000000000 T sys_userfaultfd\n")).toBe(true);
  });

  it("kernel config: CONFIG_USERFAULTFD=y among the KVM lines", () => {
    expect(kernelConfigUserfaultfd(sampleOutput("kernel-config-uffd.txt"))).toBe(true);
    expect(kernelConfigUserfaultfd("# CONFIG_USERFAULTFD is not set\n")).toBe(false);
    expect(kernelConfigUserfaultfd("CONFIG_HAVE_ARCH_USERFAULTFD_WP=y\n")).toBeUndefined();
  });

  it("sysctl vm.unprivileged_userfaultfd = 0 (both captures)", () => {
    expect(parseSysctlInt(sampleOutput("unprivileged_userfaultfd.txt"))).toBe(0);
    expect(parseSysctlInt(sampleOutput("unprivileged_userfaultfd.txt", BPO))).toBe(0);
    expect(parseSysctlInt("x")).toBeUndefined();
  });

  it("/dev/userfaultfd from ls -l (captures) and from our stat format", () => {
    expect(parseLsDevice(sampleOutput("dev-userfaultfd.txt"))).toEqual({ mode: 0o600, owner: "root", group: "root" });
    expect(parseLsDevice(sampleOutput("dev-userfaultfd.txt", BPO))).toEqual({ mode: 0o600, owner: "root", group: "root" });
    expect(parseDeviceStat("600 0 0 root root character special file\n")).toEqual({ mode: 0o600, uid: 0, gid: 0, owner: "root", group: "root" });
    expect(parseDeviceStat("660 0 107 root kvm character special file")).toMatchObject({ mode: 0o660, gid: 107 });
    expect(parseDeviceStat("644 0 0 root root regular file")).toBeUndefined();
    expect(formatMode(0o600)).toBe("0600");
  });

  it("uname -r and kernel version thresholds", () => {
    const uname = sampleOutput("uname.txt").split(" ")[2]!; // `uname -a` capture: 3rd field is the release
    expect(parseUnameRelease(uname)).toBe("6.18.44-fc-v782");
    expect(kernelAtLeast("6.18.44-fc-v782", 6, 1)).toBe(true);
    expect(kernelAtLeast("5.1.0", 5, 2)).toBe(false);
    expect(parseUnameRelease("garbage")).toBeUndefined();
  });

  it("id -G", () => {
    expect(parseIdGroups("107 64055\n")).toEqual([107, 64055]);
    expect(parseIdGroups("id: ‘x’: no such user")).toBeUndefined();
  });
});
