/**
 * The lab's hosts are reached as production hosts are, and the lab's transport really checks
 * what it claims to: SSH host keys are verified (a wrong key is refused, not accepted), the
 * daemons accept peer connections only over TLS with a lab client certificate whose name they
 * admit, and no unauthenticated TCP listener is left.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nsFiles } from "../../src/lab/mountns.js";
import { hostPaths } from "../../src/lab/paths.js";
import { caCert, PKI_DIR, selfSigned } from "../../src/lab/pki.js";
import { KNOWN_HOSTS } from "../../src/lab/ssh.js";
import { sshUri, tlsUri, TOPOLOGY } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";

let tmp: string;

/** Runs argv inside host b's network namespace only (this machine's files, b's network). */
const onB = (argv: string[]) => execa("nsenter", [`--net=${nsFiles("b").net}`, ...argv], { reject: false, all: true, timeout: 30_000 });

beforeAll(async () => {
  await requireLab();
  tmp = mkdtempSync(join(tmpdir(), "livevirt-transport-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("SSH to the lab hosts", () => {
  it("libvirt over qemu+ssh reaches each host's own daemon, host key checked", async () => {
    for (const h of ["a", "b"] as const) {
      const r = await execa("virsh", ["-c", sshUri(h), "hostname"]);
      expect(r.stdout.trim()).toBe(TOPOLOGY[h].hostname);
    }
  });

  it("refuses a host whose key does not match known_hosts", async () => {
    // b's key filed under a's address: what a swapped or impersonated host looks like.
    const lines = readFileSync(KNOWN_HOSTS, "utf8").trim().split("\n");
    const bKey = lines
      .find((l) => l.startsWith(`${TOPOLOGY.b.mgmtAddress},`))!
      .split(" ")
      .slice(1)
      .join(" ");
    const wrong = join(tmp, "known_hosts");
    writeFileSync(wrong, `${TOPOLOGY.a.mgmtAddress} ${bKey}\n`);
    const r = await execa("ssh", ["-o", `UserKnownHostsFile=${wrong}`, "-o", "ControlPath=none", `root@${TOPOLOGY.a.mgmtAddress}`, "true"], {
      reject: false,
      all: true,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });
});

describe("daemon to daemon", () => {
  it("a host's daemon reaches the other over TLS with its own client certificate", async () => {
    const f = nsFiles("b");
    const r = await execa("nsenter", [`--net=${f.net}`, `--mount=${f.mnt}`, "virsh", "-c", tlsUri("a"), "hostname"], { timeout: 30_000 });
    expect(r.stdout.trim()).toBe(TOPOLOGY.a.hostname);
  });

  it("refuses a client certificate from the lab CA whose name is not admitted", async () => {
    const pki = join(tmp, "intruder");
    await execa("mkdir", ["-p", pki]);
    await execa("cp", [caCert(), join(pki, "cacert.pem")]);
    await execa("openssl", [
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(pki, "clientkey.pem"),
      "-out",
      join(pki, "c.csr"),
      "-subj",
      "/CN=intruder",
    ]);
    writeFileSync(join(pki, "ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
    await execa("openssl", [
      "x509",
      "-req",
      "-in",
      join(pki, "c.csr"),
      "-CA",
      caCert(),
      "-CAkey",
      join(PKI_DIR, "ca-key.pem"),
      "-set_serial",
      "0x1234",
      "-days",
      "1",
      "-extfile",
      join(pki, "ext"),
      "-out",
      join(pki, "clientcert.pem"),
    ]);
    const log = join(hostPaths("a").dir("log"), "libvirtd.log");
    const before = statSync(log).size;
    const r = await onB(["virsh", "-c", `${tlsUri("a")}?pkipath=${pki}`, "hostname"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/Unable to read TLS confirmation/);
    // The refusal is the server's, for the reason we mean: the certificate's name is not admitted.
    expect(readFileSync(log, "utf8").slice(before)).toMatch(/Distinguished Name is not on the list of allowed clients/);
  });

  it("refuses a client whose certificate another CA signed", async () => {
    const pki = join(tmp, "other-ca");
    await execa("mkdir", ["-p", pki]);
    await selfSigned({ key: join(pki, "ca-key.pem"), cert: join(pki, "ca.pem"), days: 1, subject: "/CN=other CA" });
    await execa("cp", [caCert(), join(pki, "cacert.pem")]); // trusts the lab's server, but its own cert is foreign
    await execa("openssl", [
      "req",
      "-new",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      join(pki, "clientkey.pem"),
      "-out",
      join(pki, "c.csr"),
      "-subj",
      "/CN=lab-b",
    ]);
    writeFileSync(join(pki, "ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
    await execa("openssl", [
      "x509",
      "-req",
      "-in",
      join(pki, "c.csr"),
      "-CA",
      join(pki, "ca.pem"),
      "-CAkey",
      join(pki, "ca-key.pem"),
      "-set_serial",
      "0x99",
      "-days",
      "1",
      "-extfile",
      join(pki, "ext"),
      "-out",
      join(pki, "clientcert.pem"),
    ]);
    const r = await onB(["virsh", "-c", `${tlsUri("a")}?pkipath=${pki}`, "hostname"]);
    expect(r.exitCode).not.toBe(0);
  });

  it("has no unauthenticated TCP listener", async () => {
    const r = await onB(["virsh", "-c", `qemu+tcp://${TOPOLOGY.a.address}/system`, "hostname"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/Connection refused|unable to connect/i);
  });
});
