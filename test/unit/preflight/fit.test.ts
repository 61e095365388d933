import { describe, expect, it } from "vitest";
import { parseCapabilities } from "../../../src/libvirt/parse/capabilities.js";
import { parseDomainCapabilities } from "../../../src/libvirt/parse/domcapabilities.js";
import { cpuElement, diskCheck, machineCheck, memoryCheck, transportCheck } from "../../../src/preflight/fit.js";
import { known } from "../../../src/preflight/known.js";
import type { PreflightVm } from "../../../src/preflight/types.js";
import { rootHost } from "./facts.js";
import { BPO, xmlSample } from "./samples.js";

const dest = {
  ...rootHost("b"),
  capabilities: known(parseCapabilities(xmlSample("virsh-capabilities-a.xml", BPO)), "sample"),
  domCaps: known(parseDomainCapabilities(xmlSample("virsh-domcapabilities-qemu.xml", BPO)), "sample"),
  freeMemoryBytes: known(1024 * 1024 * 1024, "t"),
};
const vm = (o: Partial<PreflightVm> = {}, policy: Partial<PreflightVm["migration"]> = {}): PreflightVm => ({
  name: "web-1",
  memoryMib: 512,
  domainType: "qemu",
  disks: [],
  ...o,
  migration: { mode: "postcopy", onUnsupported: "fail", ...policy },
});

describe("destination fit", () => {
  it("machine type: default, offered, and missing (with what the host has)", () => {
    expect(machineCheck(vm(), dest)).toMatchObject({ status: "pass", found: expect.stringContaining("pc-i440fx-10.0") });
    expect(machineCheck(vm({ machine: "pc-i440fx-10.0" }), dest).status).toBe("pass");
    expect(machineCheck(vm({ machine: "pc" }), dest).status).toBe("pass");
    const missing = machineCheck(vm({ machine: "pc-i440fx-11.2" }), dest);
    expect(missing).toMatchObject({ status: "fail", host: "b", fix: expect.stringContaining("pc-i440fx-11.2") });
    expect(missing.found).toMatch(/it has e\.g\. .*pc-i440fx-/);
  });

  it("free memory ≥ VM memory", () => {
    expect(memoryCheck(vm(), dest)).toMatchObject({ status: "pass", found: "1024 MiB free" });
    expect(memoryCheck(vm({ memoryMib: 2048 }), dest)).toMatchObject({ status: "fail", found: "1024 MiB free", required: "≥ 2048 MiB free" });
  });

  it("disks: shared assumed, copied, or a failure naming the disk", () => {
    expect(diskCheck(vm(), "b")).toMatchObject({ status: "pass", found: "no disks" });
    expect(diskCheck(vm({ disks: [{ path: "/nfs/a.qcow2", shared: true }] }), "b")).toMatchObject({
      status: "pass",
      found: "1 disk(s) on shared storage (shared=true; its filesystem: fit.shared-storage)",
    });
    expect(diskCheck(vm({ disks: [{ path: "/var/lib/x.qcow2", shared: false }] }, { copyStorage: true }), "b").status).toBe("pass");
    expect(diskCheck(vm({ disks: [{ path: "/var/lib/x.qcow2", shared: false }] }), "b")).toMatchObject({
      status: "fail",
      found: expect.stringContaining("/var/lib/x.qcow2"),
      fix: expect.stringContaining("‹migration.copyStorage=true›"),
    });
  });

  it("no tunnelled transport with post-copy", () => {
    expect(transportCheck(vm(), "b").status).toBe("pass");
    expect(transportCheck(vm({}, { tunnelled: true }), "b")).toMatchObject({ status: "fail", requiredFor: "postcopy" });
  });

  it("extracts the <cpu> element of a domain XML", () => {
    expect(cpuElement("<domain><cpu mode='custom' match='exact'><model>Skylake</model></cpu><devices/></domain>")).toBe(
      "<cpu mode='custom' match='exact'><model>Skylake</model></cpu>",
    );
    expect(cpuElement("<domain><cpu mode='host-model'/></domain>")).toBe("<cpu mode='host-model'/>");
    // A running TCG domain: libvirt expanded the default CPU to qemu64 with features.
    expect(cpuElement(xmlSample("virsh-dumpxml-running.xml", BPO))).toMatch(/^<cpu mode='custom' match='exact' check='full'>[\s\S]*qemu64[\s\S]*<\/cpu>$/);
    expect(cpuElement("<domain><name>x</name></domain>")).toBeUndefined();
  });
});
