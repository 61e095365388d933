/** Transport refusals (SSH host key, login, TLS) in a person's words: captured virsh stderr from the lab. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LibvirtError } from "../../../src/errors.js";
import { virshFailure } from "../../../src/libvirt/run-virsh.js";
import { peerConnectionProblem, transportProblem } from "../../../src/libvirt/parse/transport-error.js";
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
    expect(p?.reason).toBe("the libvirt daemon on kvm-b closed the TLS connection: it did not accept the client certificate of this machine");
    expect(p?.fix).toContain("tls_allowed_dn_list");
    expect(p?.fixOn).toBe("server");
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

/**
 * Captured on the lab (libvirt 11.3.0): `virsh migrate --live --p2p <domain> qemu+tls://10.231.0.2/system`
 * on host a, as the move engine and the probe run it, with a's /etc/pki/libvirt/clientcert.pem
 * (or b's servercert.pem) swapped — the refusals tls-refused.test.ts makes through the provider.
 */
describe("peer-to-peer TLS refusals: host a's libvirtd dialling b", () => {
  const URI_B = "qemu+tls://10.231.0.2/system";
  const peer = (f: string) => peerConnectionProblem(sample(f), "a", "b", URI_B);

  it("b does not admit a's client certificate (CN=intruder from the lab CA; b's log: not on tls_allowed_dn_list)", () => {
    const stderr = sample("tls-p2p-client-not-admitted.stderr");
    expect(stderr).toBe("error: Unable to read TLS confirmation: Input/output error\n");
    const p = peer("tls-p2p-client-not-admitted.stderr");
    expect(p?.why).toBe(
      "host a's libvirtd cannot connect to host b at qemu+tls://10.231.0.2/system: the libvirt daemon on 10.231.0.2 closed " +
        "the TLS connection: it did not accept the client certificate of host a's libvirtd",
    );
    expect(p?.why).not.toContain("\n");
    expect(p?.host).toBe("b");
    expect(p?.fix).toBe(
      "check that the client certificate (/etc/pki/libvirt/clientcert.pem on host a) is signed by a CA 10.231.0.2 trusts (/etc/pki/CA/cacert.pem there) " +
        "and that its distinguished name (virt-pki-query-dn clientcert.pem) is in tls_allowed_dn_list of " +
        "10.231.0.2's libvirtd.conf; 10.231.0.2's libvirtd log names which",
    );
  });

  it("a's client certificate from another CA: a refuses to use it before dialling", () => {
    const p = peer("tls-p2p-client-other-ca.stderr");
    expect(p?.why).toBe(
      "host a's libvirtd cannot connect to host b at qemu+tls://10.231.0.2/system: the client certificate /etc/pki/libvirt/clientcert.pem of host a's " +
        "libvirtd does not validate against its own CA file /etc/pki/CA/cacert.pem (it hasn't got a known issuer), so it does not connect to 10.231.0.2",
    );
    expect(p?.host).toBe("a");
    expect(p?.fix).toBe("give host a's libvirtd a client certificate from the CA that 10.231.0.2 trusts, and that CA in /etc/pki/CA/cacert.pem");
  });

  it("a's client certificate expired (libvirt names the file, not the date)", () => {
    const p = peer("tls-p2p-client-expired.stderr");
    expect(p?.why).toBe(
      "host a's libvirtd cannot connect to host b at qemu+tls://10.231.0.2/system: the client certificate /etc/pki/libvirt/clientcert.pem " +
        "of host a's libvirtd has expired, so it does not connect to 10.231.0.2",
    );
    expect(p?.host).toBe("a");
    expect(p?.fix).toBe("issue host a's libvirtd a new client certificate from the CA that 10.231.0.2 trusts and put it into /etc/pki/libvirt/clientcert.pem");
  });

  it("b's server certificate expired while b runs: a only says it could not verify it", () => {
    const stderr = sample("tls-p2p-server-expired.stderr");
    expect(stderr).toBe("error: authentication failed: Failed to verify peer's certificate\n");
    const p = peer("tls-p2p-server-expired.stderr");
    expect(p?.why).toBe(
      "host a's libvirtd cannot connect to host b at qemu+tls://10.231.0.2/system: host a's libvirtd could not verify the TLS certificate of " +
        "the libvirt daemon on 10.231.0.2 (expired, not signed by a CA it trusts, or not naming 10.231.0.2)",
    );
    expect(p?.host).toBe("b");
    expect(p?.fix).toContain("signed by the CA in /etc/pki/CA/cacert.pem on host a");
    expect(p?.fix).toContain("virt-admin server-update-tls libvirtd on 10.231.0.2");
  });

  it("this machine's own expired certificate, through virshFailure", () => {
    const e = virshFailure("qemu+tls://kvm-b/system", ["hostname"], {
      stdout: "",
      stderr: "error: failed to connect to the hypervisor\nerror: The client certificate /etc/pki/libvirt/clientcert.pem has expired\n",
      exitCode: 1,
    });
    expect(e.message).toBe(
      "cannot connect to qemu+tls://kvm-b/system: the client certificate /etc/pki/libvirt/clientcert.pem " +
        "of this machine has expired, so it does not connect to kvm-b",
    );
  });

  it("not a transport refusal: none", () => {
    expect(peerConnectionProblem("error: operation failed: migration out job: canceled by client\n", "a", "b", URI_B)).toBeUndefined();
  });
});
