import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { parseLibvirtConf, qemuConfFacts } from "../../../src/preflight/qemu-conf.js";
import { qemuConf } from "../../../src/lab/host-config.js";
import { TOPOLOGY } from "../../../src/lab/topology.js";

describe("parseLibvirtConf (libvirt virconf syntax)", () => {
  it("reads strings, integers, multi-line lists and comments", () => {
    const c = parseLibvirtConf(
      [
        "# a comment",
        'user = "libvirt-qemu"   # trailing comment',
        "group='kvm'",
        "clear_emulator_capabilities = 0",
        "cgroup_device_acl = [",
        '    "/dev/null", "/dev/full",   # comment inside a list',
        '    "/dev/userfaultfd",',
        "]",
        "cgroup_controllers = [ ]",
        'a = 1; b = -2; c = """multi',
        'line"""',
        "",
      ].join("\n"),
    );
    expect(c.get("user")).toBe("libvirt-qemu");
    expect(c.get("group")).toBe("kvm");
    expect(c.get("clear_emulator_capabilities")).toBe(0);
    expect(c.get("cgroup_device_acl")).toEqual(["/dev/null", "/dev/full", "/dev/userfaultfd"]);
    expect(c.get("cgroup_controllers")).toEqual([]);
    expect([c.get("a"), c.get("b"), c.get("c")]).toEqual([1, -2, "multi\nline"]);
  });

  it("keeps the FIRST assignment of a name, as libvirt's virConfGetValue does", () => {
    expect(parseLibvirtConf('user = "root"\nuser = "libvirt-qemu"\n').get("user")).toBe("root");
  });

  it("commented-out settings are absent (libvirt's compiled-in default applies)", () => {
    const c = parseLibvirtConf('#user = "libvirt-qemu"\n#clear_emulator_capabilities = 0\n');
    expect(qemuConfFacts(c)).toEqual({
      user: undefined,
      group: undefined,
      clearEmulatorCapabilities: undefined,
      cgroupDeviceAcl: undefined,
      cgroupControllers: undefined,
      namespaces: undefined,
    });
  });

  it.each([
    ['user = "root', /unterminated string/],
    ["user root", /expecting '='/],
    ['acl = [ "a" "b" ]', /expecting ','/],
    ['acl = [ "a",', /not closed/],
    ["= 1", /expecting a name/],
    ['user = "a" junk', /new line or ';'/],
  ])("rejects %j with a ParseError naming the line", (text, msg) => {
    expect(() => parseLibvirtConf(text)).toThrow(ParseError);
    expect(() => parseLibvirtConf(text)).toThrow(msg);
  });

  it("reads the lab's own qemu.conf for both identities", () => {
    const root = qemuConfFacts(parseLibvirtConf(qemuConf(TOPOLOGY.a, "root")));
    expect(root).toMatchObject({ user: "root", group: "root", cgroupControllers: [], namespaces: [] });
    const unpriv = qemuConfFacts(parseLibvirtConf(qemuConf(TOPOLOGY.b, "unprivileged")));
    expect(unpriv.user).toBe("libvirt-qemu");
  });

  it.runIf(existsSync("/etc/libvirt/qemu.conf"))("parses the distribution's full qemu.conf", () => {
    const c = parseLibvirtConf(readFileSync("/etc/libvirt/qemu.conf", "utf8"));
    expect(c).toBeInstanceOf(Map);
  });
});
