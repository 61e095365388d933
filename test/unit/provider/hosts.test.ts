import { describe, expect, it } from "vitest";
import { hostList, hostProblems } from "../../../provider/livevirt/hosts.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { redactSecrets } from "../../../src/model/index.js";

const cfg = (...hosts: Array<Partial<Record<"name" | "uri" | "migration_uri" | "shell", unknown>>>) =>
  ({ host: hosts.map((h) => ({ name: null, uri: null, migration_uri: null, ...h })) }) as ObjectValue;

describe("provider host blocks", () => {
  it("checks names: pattern and uniqueness", () => {
    const errs = hostProblems(cfg({ name: "a", uri: "qemu:///system" }, { name: "A", uri: "qemu:///system" }, { name: "a", uri: "qemu:///system" }));
    expect(errs.map((e) => e.detail.field)).toEqual(["host.1.name", "host.2.name"]);
    // The model's rule, its field ids spelled as HCL attribute paths.
    expect(errs[1]!.message).toMatch(/is already the name of host\.0/);
    expect(errs[1]!.detail.host).toBe("a");
  });

  it("never quotes a password back", () => {
    const [e] = hostProblems(cfg({ name: "a", uri: "qemu+ssh://root:hunter2@kvm-a" }));
    expect(e!.detail.value).toBe("qemu+ssh://root:***@kvm-a");
    expect(JSON.stringify(e)).not.toContain("hunter2");
    expect(redactSecrets("x qemu+tls://u:p@h/system y qemu:///system")).toBe("x qemu+tls://u:***@h/system y qemu:///system");
  });

  it("skips unknown values and reports the host list as not yet known", () => {
    const c = cfg({ name: "a", uri: Unknown });
    expect(hostProblems(c)).toEqual([]);
    expect(hostList(c)).toBeNull();
    expect(hostList(cfg({ name: "a", uri: "qemu:///system", migration_uri: "qemu+tcp://x/system" }))).toEqual([
      { name: "a", uri: "qemu:///system", migrationUri: "qemu+tcp://x/system" },
    ]);
    expect(hostList(cfg({ name: "a", uri: "qemu:///system", shell: ["ssh", "root@kvm-a"] }))?.[0]?.shell).toEqual(["ssh", "root@kvm-a"]);
  });
});
