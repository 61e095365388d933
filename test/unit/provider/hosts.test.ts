import { describe, expect, it } from "vitest";
import { hostProblems, hostSpecs, uriProblem } from "../../../provider/livevirt/hosts.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { redactSecrets } from "../../../provider/redact.js";

const cfg = (...hosts: Array<Partial<Record<"name" | "uri" | "migration_uri" | "shell", unknown>>>) =>
  ({ host: hosts.map((h) => ({ name: null, uri: null, migration_uri: null, ...h })) }) as ObjectValue;

describe("provider host blocks", () => {
  it.each([
    "qemu:///system",
    "qemu:///session",
    "qemu+ssh://root@kvm-a/system",
    "qemu+ssh://root:pw@kvm-a:2222/system?keyfile=/k",
    "qemu+tls://kvm-a.example/system",
    "qemu+tcp://10.77.0.2/system",
    "qemu+unix:///system?socket=/run/lab/a/libvirt/virtqemud-sock",
    "test:///default",
  ])("accepts %s", (uri) => expect(uriProblem(uri)).toBeNull());

  it.each([
    ["kvm-a", /not a URI/],
    ["http://kvm-a/system", /not a libvirt scheme/],
    ["qemu+ssh://kvm-a", /should be \/system/],
    ["qemu+ssh:///system", /needs a host name/],
    ["xen:///system", /not a libvirt scheme/],
  ])("rejects %s", (uri, why) => expect(uriProblem(uri)).toMatch(why));

  it("checks names: pattern and uniqueness", () => {
    const errs = hostProblems(cfg({ name: "a", uri: "qemu:///system" }, { name: "A", uri: "qemu:///system" }, { name: "a", uri: "qemu:///system" }));
    expect(errs.map((e) => e.detail.field)).toEqual(["host.1.name", "host.2.name"]);
    expect(errs[1]!.message).toMatch(/declared twice/);
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
    expect(hostSpecs(c)).toBeNull();
    expect(hostSpecs(cfg({ name: "a", uri: "qemu:///system", migration_uri: "qemu+tcp://x/system" }))).toEqual([
      { name: "a", uri: "qemu:///system", migrationUri: "qemu+tcp://x/system", shell: null },
    ]);
    expect(hostSpecs(cfg({ name: "a", uri: "qemu:///system", shell: ["ssh", "root@kvm-a"] }))?.[0]?.shell).toEqual(["ssh", "root@kvm-a"]);
  });
});
