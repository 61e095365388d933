import { describe, expect, it } from "vitest";
import { HCL, hcl, modelInput, terraformValue } from "../../../provider/livevirt/spelling.js";
import { importedState, vmFromValue } from "../../../provider/livevirt/vm-spec.js";
import { Unknown } from "../../../provider/framework/values.js";
import { MIGRATION_DEFAULTS, assign, ref, resolveVm } from "../../../src/model/index.js";
import { CDKTF } from "../../../modules/validation.js";

describe("one model field, each layer's spelling", () => {
  it.each([
    ["memoryMib", "memory_mib", "memoryMib"],
    ["disks.0.path", "disk.0.path", "disks[0].path"],
    ["migration.onUnsupported", "migration.on_unsupported", "migration.onUnsupported"],
    ["hosts.2.migrationUri", "host.2.migration_uri", "hosts[2].migrationUri"],
    ["kernel", "kernel", "boot.kernel"],
  ])("%s → HCL %s, cdktf %s", (id, h, c) => {
    expect(HCL.field(id)).toBe(h);
    expect(CDKTF.field(id)).toBe(c);
  });

  it("assignments as each user writes them", () => {
    expect(hcl(`set ${assign("migration.onUnsupported", "precopy")}`)).toBe('set migration.on_unsupported = "precopy"');
    expect(CDKTF.assign("migration.onUnsupported", '"precopy"')).toBe('migration: { onUnsupported: "precopy" }');
    expect(hcl(ref("disks.1.target"))).toBe("disk.1.target");
  });

  it("a Terraform value in the model's shape: camelCase, list blocks renamed, nulls dropped, unknowns kept", () => {
    expect(modelInput({ memory_mib: 512, console_log: null, disk: [{ path: "/a", target: null }], migration: { on_unsupported: Unknown } })).toEqual({
      memoryMib: 512,
      disks: [{ path: "/a" }],
      migration: { onUnsupported: Unknown },
    });
  });

  it("a VM's `host` (a string) is an attribute; only a list named host is the provider's host blocks", () => {
    expect(modelInput({ host: "b" })).toEqual({ host: "b" });
    expect(modelInput({ host: [{ name: "a" }] })).toEqual({ hosts: [{ name: "a" }] });
    expect(terraformValue({ host: "b" })).toEqual({ host: "b" });
    expect(terraformValue({ hosts: [{ migrationUri: undefined }] })).toEqual({ host: [{ migration_uri: null }] });
  });

  it("a livevirt_vm value becomes the model's VM with every default, computed attributes and unknowns left out", () => {
    const vm = vmFromValue({
      id: Unknown,
      name: "web",
      host: "a",
      memory_mib: 256,
      vcpus: null,
      cpu: null,
      disk: [{ path: "/img", format: null, target: null, shared: false }],
      network_interface: [{ network: "lab-net", bridge: null, mac: Unknown, model: null }],
      migration: null,
      last_move: null,
      preflight: Unknown,
      adopted: false,
    });
    expect(vm).toEqual({
      name: "web",
      host: "a",
      memoryMib: 256,
      vcpus: 1,
      maxMemoryMib: null,
      maxVcpus: null,
      domainType: "auto",
      cpu: null,
      kernel: null,
      initrd: null,
      cmdline: null,
      disks: [{ path: "/img", pool: null, volume: null, format: "raw", target: null, shared: false }],
      networkInterfaces: [{ network: "lab-net", bridge: null, mac: null, model: "virtio" }],
      consoleLog: null,
      migration: MIGRATION_DEFAULTS,
    });
    // And back: an imported VM's state holds every model field in HCL, nothing invented.
    const state = importedState({ uuid: "u1", name: "web", host: "a", domainType: "qemu", state: "running", reason: "booted" }, vm);
    expect(state).toMatchObject({
      id: "u1",
      memory_mib: 256,
      disk: [{ path: "/img", pool: null, volume: null, format: "raw", target: null, shared: false }],
      migration: null,
    });
    expect(resolveVm(modelInput(state, "leave out"))).toEqual({ ...vm, domainType: "qemu" });
  });
});
