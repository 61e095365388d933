import { describe, expect, it } from "vitest";
import { redactSecrets, redactText, sameEndpoint, uriPassword, uriProblem } from "../../../src/model/index.js";

describe("uriProblem: what livevirt accepts as a libvirt URI", () => {
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
});

describe("sameEndpoint", () => {
  it("ignores user, password, host case and query order; not the port or path", () => {
    expect(sameEndpoint({ uri: "qemu+ssh://root:pw@kvm-a/system" }, { uri: "qemu+ssh://admin@KVM-A/system" })).toBe(true);
    expect(sameEndpoint({ uri: "qemu+unix:///system?socket=/s&x=1" }, { uri: "qemu+unix:///system?x=1&socket=/s" })).toBe(true);
    expect(sameEndpoint({ uri: "qemu+tcp://h:16509/system" }, { uri: "qemu+tcp://h:16510/system" })).toBe(false);
    expect(sameEndpoint({ uri: "qemu:///system" }, { uri: "qemu:///session" })).toBe(false);
  });
});

describe("secrets: one redaction for every text", () => {
  it("replaces a URI password anywhere in a text, keeping the user", () => {
    expect(redactSecrets("x qemu+tls://u:p@h/system y qemu:///system")).toBe("x qemu+tls://u:***@h/system y qemu:///system");
    expect(redactSecrets("qemu+ssh://root@h/system")).toBe("qemu+ssh://root@h/system");
  });
  it("scrubs one URI's password from free text, raw and percent-decoded", () => {
    const uri = "qemu+tcp://admin:s3cr%40t@10.0.0.2:16509/system";
    expect(uriPassword(uri)).toBe("s3cr%40t");
    expect(redactText(`cannot connect to ${uri} with s3cr@t`, uri)).toBe("cannot connect to qemu+tcp://admin:***@10.0.0.2:16509/system with ***");
  });
});
