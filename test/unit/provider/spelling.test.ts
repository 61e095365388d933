import { describe, expect, it } from "vitest";
import { HCL, hcl, modelInput } from "../../../provider/livevirt/spelling.js";
import { Unknown } from "../../../provider/framework/values.js";
import { assign, ref } from "../../../src/model/index.js";
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
});
