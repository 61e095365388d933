/**
 * TLS refusals between the libvirt daemons, through a real livevirt move (issue 12, item 6):
 * host a's libvirtd dials host b's over qemu+tls (the peer-to-peer move) and is refused —
 *  - its client certificate names a client b does not admit (tls_allowed_dn_list);
 *  - its client certificate is from another CA;
 *  - its client certificate expired;
 *  - b's libvirtd server certificate expired (while b runs: one valid for seconds, loaded with
 *    virt-admin server-update-tls, then left to expire);
 * and b's QEMU migration TLS certificate expired (the migration.tls plan check, on the lab).
 * Each plan fails before anything is touched, its first line naming the hosts, the URI, the
 * reason; the fix below. A probe that passed before the change is not reused (the daemons' TLS
 * files are part of the cached probe's key): the apply's own plan refuses the same way, the VM
 * still running on a and the state saying a.
 *
 * Exclusive: it swaps the lab's certificates (a's libvirtd client certificate, b's server
 * certificate, b's QEMU certificate) for seconds — every other move would be refused meanwhile.
 * Every file is put back and b's daemon reloaded in `finally`.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restartDaemon } from "../../src/lab/daemon.js";
import { connect } from "../../src/lab/lab.js";
import { hostPaths, type HostName } from "../../src/lab/paths.js";
import { caCert, PKI_DIR } from "../../src/lab/pki.js";
import { tlsUri, TOPOLOGY } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";
import { issueCert, otherCa, type IssuedCert } from "./support/certs.js";
import { deployLab, domainsOn, labConfig, tearDownLab, vmAddress, type LabHost, type LabVm } from "./support/lab-vms.js";
import { resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tlsd-1";
const vm = (host: LabHost, migration: Record<string, unknown> = {}): LabVm => ({ name: NAME, host, testMib: 16, rate: 0, migration });
const LAB_CA: IssuedCert = { cert: caCert(), key: join(PKI_DIR, "ca-key.pem") };
const pki = (h: HostName, f: string) => join(hostPaths(h).dir("pki"), f);
const A_CLIENT = { cert: pki("a", "libvirt/clientcert.pem"), key: pki("a", "libvirt/private/clientkey.pem") };
const B_SERVER = { cert: pki("b", "libvirt/servercert.pem"), key: pki("b", "libvirt/private/serverkey.pem") };
const B_QEMU = { cert: pki("b", "qemu/server-cert.pem"), key: pki("b", "qemu/server-key.pem") };
const B_URI = tlsUri("b");
const DAY = 86_400_000;

/** b's libvirtd reads its TLS files again (libvirt ≥ 6.2), without a restart. */
async function reloadTls(h: HostName): Promise<void> {
  const admin = `libvirtd:///system?socket=${join(hostPaths(h).dir("run"), "libvirt-admin-sock")}`;
  await execa("virt-admin", ["-c", admin, "server-update-tls", "libvirtd"], { timeout: 30_000 });
}

/**
 * Runs `fn` with the certificate and key at `at` replaced by `by`, then puts the originals back —
 * also when `fn` throws; `reload` makes the daemon read them (b's server certificate).
 */
async function withCert(at: IssuedCert, by: IssuedCert, fn: () => Promise<void>, reload?: HostName): Promise<void> {
  const saved = { cert: `${at.cert}.livevirt-test`, key: `${at.key}.livevirt-test` };
  copyFileSync(at.cert, saved.cert);
  copyFileSync(at.key, saved.key);
  try {
    copyFileSync(by.cert, at.cert);
    copyFileSync(by.key, at.key);
    if (reload) await reloadTls(reload);
    await fn();
  } finally {
    copyFileSync(saved.cert, at.cert);
    copyFileSync(saved.key, at.key);
    rmSync(saved.cert);
    rmSync(saved.key);
    // A daemon that will not take its own files back is restarted (its QEMUs keep running).
    if (reload) await reloadTls(reload).catch(() => restartDaemon(reload));
  }
}

describe("TLS refused between the daemons: the move is refused naming hosts, uri, reason and fix; nothing moves", () => {
  let tf: TerraformDir;
  const scratch = mkdtempSync(join(tmpdir(), "livevirt-tls-refused-"));

  beforeAll(async () => {
    await requireLab();
    ({ tf } = await deployLab([vm("a")]));
    useProbeCache(false);
  }, 240_000);

  /**
   * Off: a plan runs the probe move as a first plan would (no verdict reused from the disk
   * cache). On: a cache of this file's own, where a plan's passing probe is reused by the next.
   */
  function useProbeCache(on: boolean): void {
    tf.env.LIVEVIRT_PROBE_CACHE_TTL_S = on ? "600" : "0";
    tf.env.LIVEVIRT_CACHE_DIR = on ? join(scratch, "cache") : undefined;
  }

  afterAll(async () => {
    await tearDownLab(tf, [NAME]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  async function expectNothingMoved(): Promise<void> {
    expect((await connect("a").domainState(NAME)).state).toBe("running");
    expect(await domainsOn("b")).not.toContain(NAME);
    expect(resourceValues(await tf.stateJson(), vmAddress(NAME))!.host).toBe("a");
  }

  /** The plan of a move to b fails: its first line (returned), the whole text flattened. */
  async function planRefused(migration: Record<string, unknown> = {}): Promise<{ first: string; text: string }> {
    tf.writeConfig(await labConfig([vm("b", migration)]));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [0, 1]);
    const text = (r.stderr + r.stdout).replace(/\s+/g, " ");
    const first = /Error: (.*)/.exec(r.stderr + r.stdout)?.[1] ?? "";
    console.log(`TLS-REFUSED plan: ${first}`);
    expect(r.exitCode).toBe(1);
    await expectNothingMoved();
    return { first, text };
  }

  const head = `VM ${NAME} cannot move from host a to host b: migration.postcopy-probe on host`;
  const dialled = `host a's libvirtd cannot connect to host b at ${B_URI}`;

  it("a's client certificate names a client b does not admit (lab CA, CN=intruder): the plan refuses, also right after a plan whose probe passed", async () => {
    const intruder = await issueCert(scratch, {
      cn: "intruder",
      kind: "client",
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      ca: LAB_CA,
    });
    // A probe verdict from before the change, in a cache of this file's own. The daemons' TLS
    // files are part of its key (probe-cache-key.ts): after the swap it is not reused, so the
    // apply's own plan probes again and refuses before the move starts.
    useProbeCache(true);
    tf.writeConfig(await labConfig([vm("b")]));
    await tf.run(["plan", "-input=false", "-no-color"]);
    const expected =
      `${head} b: ${dialled}: the libvirt daemon on ${TOPOLOGY.b.address} closed the TLS connection: ` +
      "it did not accept the client certificate of host a's libvirtd";
    await withCert(A_CLIENT, intruder, async () => {
      const r = await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
      const first = /Error: (.*)/.exec(r.stderr + r.stdout)?.[1] ?? "";
      console.log(`TLS-REFUSED apply after a cached pass: ${first}`);
      expect(r.exitCode).toBe(1);
      expect(first).toBe(expected);
      expect(r.stdout + r.stderr).not.toMatch(/move from a to b failed/);
      await expectNothingMoved();
      useProbeCache(false);
      const { first: planFirst, text } = await planRefused();
      expect(planFirst).toBe(expected);
      expect(text).toContain(`tls_allowed_dn_list of ${TOPOLOGY.b.address}'s libvirtd.conf`);
    }).finally(() => useProbeCache(false));
  }, 180_000);

  it("a's client certificate is from another CA", async () => {
    const foreign = await issueCert(scratch, {
      cn: TOPOLOGY.a.hostname,
      kind: "client",
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      ca: await otherCa(scratch),
    });
    await withCert(A_CLIENT, foreign, async () => {
      const { first, text } = await planRefused();
      expect(first).toBe(
        `${head} a: ${dialled}: the client certificate /etc/pki/libvirt/clientcert.pem of host a's libvirtd does not validate against its own CA file ` +
          `/etc/pki/CA/cacert.pem (it hasn't got a known issuer), so it does not connect to ${TOPOLOGY.b.address}`,
      );
      expect(text).toContain("give host a's libvirtd a client certificate from the CA that");
    });
  }, 120_000);

  it("a's client certificate expired", async () => {
    const expired = await issueCert(scratch, {
      cn: TOPOLOGY.a.hostname,
      kind: "client",
      notBefore: new Date(Date.now() - 60 * DAY),
      notAfter: new Date(Date.now() - 30 * DAY),
      ca: LAB_CA,
    });
    await withCert(A_CLIENT, expired, async () => {
      const { first } = await planRefused();
      expect(first).toBe(
        `${head} a: ${dialled}: the client certificate /etc/pki/libvirt/clientcert.pem of host a's libvirtd ` +
          `has expired, so it does not connect to ${TOPOLOGY.b.address}`,
      );
    });
  }, 120_000);

  it("b's libvirtd server certificate expired while b runs", async () => {
    // Long enough to be issued and loaded before it expires (libvirtd refuses an expired one) while
    // lint and the unit tests run beside the exclusive group on the same two cores.
    const expiresAt = new Date(Date.now() + 15_000);
    const shortLived = await issueCert(scratch, {
      cn: TOPOLOGY.b.hostname,
      kind: "server",
      names: [TOPOLOGY.b.address, TOPOLOGY.b.mgmtAddress, TOPOLOGY.b.hostname],
      notBefore: new Date(Date.now() - DAY),
      notAfter: expiresAt,
      ca: LAB_CA,
    });
    await withCert(
      B_SERVER,
      shortLived,
      async () => {
        await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now()) + 1_500));
        const { first, text } = await planRefused();
        expect(first).toBe(
          `${head} b: ${dialled}: host a's libvirtd could not verify the TLS certificate of the libvirt daemon ` +
            `on ${TOPOLOGY.b.address} (expired, not signed by a CA it trusts, or not naming ${TOPOLOGY.b.address})`,
        );
        expect(text).toContain("virt-admin server-update-tls libvirtd");
      },
      "b",
    );
  }, 120_000);

  it("b's QEMU migration TLS certificate expired: migration.tls = required refuses, naming the file and the date", async () => {
    const notAfter = new Date(Date.now() - 30 * DAY);
    const expired = await issueCert(scratch, {
      cn: TOPOLOGY.b.hostname,
      kind: "server",
      names: [TOPOLOGY.b.address, TOPOLOGY.b.mgmtAddress, TOPOLOGY.b.hostname],
      notBefore: new Date(Date.now() - 60 * DAY),
      notAfter,
      ca: LAB_CA,
    });
    await withCert(B_QEMU, expired, async () => {
      const { first, text } = await planRefused({ tls: "required" });
      const day = notAfter.toISOString().slice(0, 10);
      expect(first).toBe(`VM ${NAME} cannot move from host a to host b: migration.tls on host b: server-cert.pem expired on ${day}`);
      expect(text).toContain(`/etc/pki/qemu/server-cert.pem expired on ${day}`);
      expect(text).toContain("issue a new server certificate from the CA that host a trusts");
    });
  }, 120_000);
});
