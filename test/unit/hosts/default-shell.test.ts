import { describe, expect, it } from "vitest";
import { defaultShell } from "../../../src/hosts/shell.js";

describe("defaultShell: how host-local facts are read when the user did not say", () => {
  it.each([
    ["qemu:///system", []],
    ["qemu+unix:///system?socket=/var/lib/livevirt-lab/hosts/a/run/libvirt-sock", []],
    ["qemu+ssh://root@kvm-a/system", ["ssh", "-o", "BatchMode=yes", "root@kvm-a"]],
    ["qemu+ssh://ops@kvm-b:2222/system", ["ssh", "-o", "BatchMode=yes", "-p", "2222", "ops@kvm-b"]],
    ["qemu+libssh2://root@kvm-c/system", ["ssh", "-o", "BatchMode=yes", "root@kvm-c"]],
    ["qemu+tcp://10.0.0.5/system", undefined],
    ["qemu+tls://kvm-d/system", undefined],
    ["qemu://kvm-e/system", undefined],
    ["not a uri", undefined],
  ])("%s → %j", (uri, want) => {
    expect(defaultShell(uri)).toEqual(want);
  });
});
