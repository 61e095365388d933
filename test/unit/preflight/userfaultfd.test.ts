import { describe, expect, it } from "vitest";
import { known, unknown } from "../../../src/preflight/known.js";
import { deviceAllowedByLibvirt, deviceGrants, qemuUsesDevice, userfaultfdVerdict } from "../../../src/preflight/userfaultfd.js";
import type { HostFacts } from "../../../src/preflight/host-facts.js";
import { DEV_0600, DEV_0660_KVM, DEV_0666, UNPRIV_CONF, probe, rootHost, unprivHost, withKernel } from "./facts.js";

const q = (f: HostFacts, v: string): HostFacts => ({ ...f, qemuVersion: known(v, "test") });

describe("userfaultfd usable by QEMU as libvirt runs it — inference table", () => {
  it.each<[string, HostFacts, "yes" | "no" | "unknown"]>([
    ["root QEMU (lab default), sysctl 0, device 0600", rootHost(), "yes"],
    ["root QEMU, QEMU 7.2 (syscall only): libvirt keeps root's capabilities", q(rootHost(), "7.2.22"), "yes"],
    ["unprivileged + sysctl 0 + device 0600 root (lab 'no post-copy')", unprivHost(), "no"],
    ["unprivileged + sysctl 1", withKernel(unprivHost(), { unprivilegedSysctl: known(1, "t") }), "yes"],
    ["unprivileged + device 0666 + QEMU 10", withKernel(unprivHost(), { device: known(DEV_0666, "t") }), "yes"],
    ["unprivileged + device 0666 + QEMU 7.2 (does not use the device)", q(withKernel(unprivHost(), { device: known(DEV_0666, "t") }), "7.2.22"), "no"],
    ["unprivileged + device 0666 + QEMU 8.0 (not measured)", q(withKernel(unprivHost(), { device: known(DEV_0666, "t") }), "8.0.5"), "unknown"],
    ["unprivileged + device 0660 group kvm, user in kvm", withKernel(unprivHost(), { device: known(DEV_0660_KVM, "t") }), "yes"],
    [
      "unprivileged + device 0660 group kvm, user NOT in kvm",
      { ...withKernel(unprivHost(), { device: known(DEV_0660_KVM, "t") }), qemuGroups: known([64055], "t") },
      "no",
    ],
    [
      "unprivileged + device 0660 kvm, groups unknown",
      { ...withKernel(unprivHost(), { device: known(DEV_0660_KVM, "t") }), qemuGroups: unknown("t") },
      "unknown",
    ],
    ["unprivileged + no device (kernel < 6.1) + sysctl 0", withKernel(unprivHost(), { device: known("absent", "t") }), "no"],
    [
      "unprivileged, sysctl absent on kernel 5.1 (no restriction yet)",
      withKernel(unprivHost(), { release: known("5.1.0", "t"), unprivilegedSysctl: known("absent", "t"), device: known("absent", "t") }),
      "yes",
    ],
    ["kernel without CONFIG_USERFAULTFD, even for root", withKernel(rootHost(), { userfaultfd: known(false, "t"), device: known("absent", "t") }), "no"],
    [
      "no shell: every host-local fact unknown",
      {
        ...rootHost(),
        qemuConf: unknown("no shell"),
        qemuIdentity: unknown("no"),
        qemuGroups: unknown("no"),
        kernel: { release: unknown("no shell"), userfaultfd: unknown("no shell"), unprivilegedSysctl: unknown("no shell"), device: unknown("no shell") },
      },
      "unknown",
    ],
    [
      "root QEMU known via libvirt but kernel facts unknown",
      withKernel(rootHost(), { userfaultfd: unknown("x"), device: unknown("x"), unprivilegedSysctl: unknown("x") }),
      "unknown",
    ],
    [
      "unprivileged, clear_emulator_capabilities=0: capabilities kept? not measured",
      { ...unprivHost(), qemuConf: known({ ...UNPRIV_CONF, clearEmulatorCapabilities: false }, "t") },
      "unknown",
    ],
    [
      "unprivileged + device 0666 but cgroup_device_acl without it (cgroups on)",
      {
        ...withKernel(unprivHost(), { device: known(DEV_0666, "t") }),
        qemuConf: known({ user: "libvirt-qemu", cgroupDeviceAcl: ["/dev/null", "/dev/kvm"] }, "t"),
      },
      "no",
    ],
    [
      "unprivileged + device 0666, ACL default (not read), cgroups on",
      { ...withKernel(unprivHost(), { device: known(DEV_0666, "t") }), qemuConf: known({ user: "libvirt-qemu" }, "t") },
      "unknown",
    ],
  ])("%s ⇒ %s", (_name, facts, expected) => {
    const v = userfaultfdVerdict(facts);
    expect(v.usable).toBe(expected);
    expect(v.inferred).toBe(expected);
    if (expected === "no") expect(v.fix).toMatch(/on host|CONFIG_USERFAULTFD/);
  });

  it("the finding names the facts it decided on", () => {
    const v = userfaultfdVerdict(unprivHost());
    expect(v.found).toContain("vm.unprivileged_userfaultfd=0");
    expect(v.found).toContain("/dev/userfaultfd 0600 root:root");
    expect(v.found).toContain("uid 64055 (libvirt-qemu)");
    expect(v.fix).toContain("vm.unprivileged_userfaultfd=1");
  });
});

describe("the bare-QEMU probe overrides the inference", () => {
  it("probe 'no' beats an inferred 'yes' (e.g. seccomp/SELinux the inference cannot see)", () => {
    const v = userfaultfdVerdict({ ...withKernel(unprivHost(), { unprivilegedSysctl: known(1, "t") }), qemuProbe: probe("no") });
    expect([v.inferred, v.usable]).toEqual(["yes", "no"]);
    expect(v.found).toContain("Userfaultfd not available");
  });
  it("probe 'yes' resolves an inferred 'unknown'", () => {
    const f = { ...withKernel(unprivHost(), { device: known(DEV_0660_KVM, "t") }), qemuGroups: unknown("t"), qemuProbe: probe("yes") };
    expect(userfaultfdVerdict(f)).toMatchObject({ inferred: "unknown", usable: "yes" });
  });
  it("probe 'no' confirms the lab's no-post-copy host", () => {
    expect(userfaultfdVerdict({ ...unprivHost(), qemuProbe: probe("no") }).usable).toBe("no");
  });
  it("an unrepresentative probe (QEMU may keep capabilities) cannot say no", () => {
    const f = {
      ...unprivHost(),
      qemuConf: known({ ...UNPRIV_CONF, clearEmulatorCapabilities: false }, "t"),
      qemuProbe: probe("no", "Postcopy is not supported", false),
    };
    expect(userfaultfdVerdict(f).usable).toBe("unknown");
  });
  it("probe 'yes' through the device only still fails when libvirt's ACL hides the device", () => {
    const f = {
      ...withKernel(unprivHost(), { device: known(DEV_0666, "t") }),
      qemuConf: known({ user: "libvirt-qemu", cgroupDeviceAcl: ["/dev/kvm"] }, "t"),
      qemuProbe: probe("yes"),
    };
    expect(userfaultfdVerdict(f).usable).toBe("no");
  });
});

describe("building blocks", () => {
  it("QEMU device use by version", () => {
    expect([qemuUsesDevice("7.2.22"), qemuUsesDevice("8.0.0"), qemuUsesDevice("8.1.0"), qemuUsesDevice("10.0.2")]).toEqual(["no", "unknown", "yes", "yes"]);
  });
  it("device permission by owner, group, other", () => {
    const g = known([107], "t");
    expect(deviceGrants(DEV_0600, { uid: 0, gid: 0 }, g)).toBe("yes");
    expect(deviceGrants(DEV_0600, { uid: 5, gid: 5 }, g)).toBe("no");
    expect(deviceGrants({ ...DEV_0600, uid: 5 }, { uid: 5, gid: 5 }, g)).toBe("yes");
    expect(deviceGrants(DEV_0660_KVM, { uid: 5, gid: 5 }, g)).toBe("yes");
    expect(deviceGrants({ ...DEV_0666, mode: 0o644 }, { uid: 5, gid: 5 }, g)).toBe("no");
  });
  it("libvirt's device ACL matters only with device cgroups or a private /dev", () => {
    expect(deviceAllowedByLibvirt(known({ cgroupControllers: [], namespaces: [] }, "t")).allowed).toBe("yes");
    expect(deviceAllowedByLibvirt(known({ cgroupControllers: ["cpu"], namespaces: [], cgroupDeviceAcl: ["/dev/kvm"] }, "t")).allowed).toBe("yes");
    expect(deviceAllowedByLibvirt(known({ namespaces: ["mount"], cgroupControllers: [], cgroupDeviceAcl: ["/dev/kvm"] }, "t")).allowed).toBe("no");
    expect(deviceAllowedByLibvirt(known({ cgroupDeviceAcl: ["/dev/userfaultfd"] }, "t")).allowed).toBe("yes");
    expect(deviceAllowedByLibvirt(unknown("x")).allowed).toBe("unknown");
  });
});
