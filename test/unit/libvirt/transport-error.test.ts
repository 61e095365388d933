/** Transport refusals (SSH host key, login, TLS) in a person's words: captured virsh stderr from the lab. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LibvirtError } from "../../../src/errors.js";
import { virshFailure } from "../../../src/libvirt/run-virsh.js";
import { transportProblem } from "../../../src/libvirt/parse/transport-error.js";
import { uriHost } from "../../../src/model/index.js";

const sample = (f: string) => readFileSync(new URL(`fixtures/transport/${f}`, import.meta.url), "utf8");
const URI = "qemu+ssh://root@10.231.1.1/system";

describe("virshFailure on a transport that refused the connection", () => {
  it("a changed SSH host key (captured: virsh over qemu+ssh with b's key filed under a's address): one readable line, host and fix", () => {
    const stderr = sample("ssh-host-key-changed.stderr");
    expect(stderr).toContain("@@@@"); // what virsh passes on from ssh
    const e = virshFailure(URI, ["hostname"], { stdout: "", stderr, exitCode: 1 });
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e.message).toBe(
      "cannot connect to qemu+ssh://root@10.231.1.1/system: " +
        "the SSH host key of 10.231.1.1 does not match the one in known_hosts (REMOTE HOST IDENTIFICATION HAS CHANGED)",
    );
    expect(e.message).not.toContain("\n");
    expect(e.detail.fix).toMatch(/^make sure 10\.231\.1\.1 is the machine you mean; .*ssh-keygen -R 10\.231\.1\.1.*never turn host key checking off$/);
    // ssh's own text stays with the error for the log.
    expect(e.stderr).toContain("Offending ED25519 key");
  });

  it("an unknown host (captured: its key not in known_hosts)", () => {
    const e = virshFailure(URI, ["hostname"], { stdout: "", stderr: sample("ssh-host-key-unknown.stderr"), exitCode: 1 });
    expect(e.message).toBe("cannot connect to qemu+ssh://root@10.231.1.1/system: the SSH host key of 10.231.1.1 is not in known_hosts (an unknown host)");
    expect(e.detail.fix).toContain("ssh root@10.231.1.1");
  });

  it("a TLS client certificate the daemon does not admit (libvirt's wording, as lab-transport.test.ts sees it)", () => {
    const p = transportProblem(
      "error: failed to connect to the hypervisor\nerror: authentication failed: Unable to read TLS confirmation: Input/output error\n",
      "kvm-b",
    );
    expect(p?.reason).toBe("the libvirt daemon on kvm-b closed the TLS connection: it did not accept this machine's client certificate");
    expect(p?.fix).toContain("tls_allowed_dn_list");
  });

  it("anything else keeps libvirt's own message", () => {
    const e = virshFailure(URI, ["hostname"], { stdout: "", stderr: "error: failed to connect to the hypervisor\nerror: Connection refused\n", exitCode: 1 });
    expect(e.message).toBe("virsh hostname on qemu+ssh://root@10.231.1.1/system failed: failed to connect to the hypervisor; Connection refused");
    expect(e.detail.fix).toBeUndefined();
  });

  it("names the server of the uri", () => {
    expect(uriHost("qemu+ssh://root@kvm-a:2222/system")).toBe("kvm-a");
    expect(uriHost("qemu+tls://[fd00::2]/system")).toBe("fd00::2");
    expect(uriHost("qemu:///system")).toBe("qemu:///system");
  });
});
