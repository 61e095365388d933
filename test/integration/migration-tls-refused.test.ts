/**
 * migration.tls = "required" refuses, at plan time and before anything on a host is touched, a
 * move whose data cannot be encrypted — naming the host, the file and the fix in one line — while
 * "auto" plans the same move in clear and says so. The broken material is real: host b's own
 * /etc/pki/qemu (the lab's private copy, restored after each case), so this file runs alone
 * (another file's plan and apply would see b's TLS change under them).
 *  - b's server key missing;
 *  - b's server certificate replaced by a's (it names a's addresses, not b's migration address);
 *  - b's server certificate from a CA host a does not trust (a fresh self-signed one).
 */
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/lab/lab.js";
import { hostPaths } from "../../src/lab/paths.js";
import { leaf, selfSigned } from "../../src/lab/pki.js";
import { TOPOLOGY } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";
import { deployLab, domainsOn, labConfig, tearDownLab, vmAddress, type LabHost, type LabVm } from "./support/lab-vms.js";
import { plannedAfter, resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tlsr-1";
const vm = (host: LabHost, tls: string): LabVm => ({ name: NAME, host, testMib: 16, rate: 0, migration: { tls } });
const qemuPki = (f: string) => join(hostPaths("b").dir("pki"), "qemu", f);

/** Runs `fn` with one of b's QEMU TLS files changed by `change`, then puts the original back. */
async function withBrokenFile(file: string, change: (path: string) => Promise<void> | void, fn: () => Promise<void>): Promise<void> {
  const path = qemuPki(file);
  const saved = `${path}.livevirt-test`;
  copyFileSync(path, saved);
  try {
    await change(path);
    await fn();
  } finally {
    renameSync(saved, path);
  }
}

describe("migration.tls = required refuses a move that cannot be encrypted; auto moves it in clear", () => {
  let tf: TerraformDir;
  const scratch = mkdtempSync(join(tmpdir(), "livevirt-tls-"));

  beforeAll(async () => {
    await requireLab();
    ({ tf } = await deployLab([vm("a", "required")]));
  }, 240_000);

  afterAll(async () => {
    await tearDownLab(tf, [NAME]);
    rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  /** A refused plan: exit 1, the one-line summary, the detail's fix; nothing moved. */
  async function expectRefused(brief: RegExp, fix: RegExp): Promise<string> {
    tf.writeConfig(await labConfig([vm("b", "required")]));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const text = r.stderr + r.stdout;
    const first = /Error: (.*)/.exec(text)?.[1] ?? "";
    console.log(`TLS-REFUSED ${first}`);
    expect(first).toMatch(new RegExp(`^VM ${NAME} cannot move from host a to host b: migration\\.tls on host b: ${brief.source}`));
    expect(text.replace(/\s+/g, " ")).toMatch(fix);
    expect((await connect("a").domainState(NAME)).state).toBe("running");
    expect(await domainsOn("b")).not.toContain(NAME);
    expect(resourceValues(await tf.stateJson(), vmAddress(NAME))!.host).toBe("a");
    return text;
  }

  it("b's server key missing: required refuses naming b and the file; auto plans the move in clear, saying why", async () => {
    await withBrokenFile(
      "server-key.pem",
      (p) => rmSync(p),
      async () => {
        await expectRefused(/no server-key\.pem in \/etc\/pki\/qemu/, /on host b, put server-key\.pem into \/etc\/pki\/qemu/);
        tf.writeConfig(await labConfig([vm("b", "auto")]));
        const plan = await tf.planJson();
        const verdict = String(plannedAfter(plan, vmAddress(NAME))?.preflight);
        expect(verdict.split("\n")[0]).toBe("a → b: live-migrates with post-copy (post-copy: yes; in clear)");
        expect(verdict).toMatch(/\[FAIL, advisory\] b migration\.tls .*fix: on host b, put server-key\.pem into \/etc\/pki\/qemu/);
      },
    );
    expect(existsSync(qemuPki("server-key.pem"))).toBe(true);
  }, 180_000);

  it("b's server certificate names a's addresses, not the one a connects to", async () => {
    await withBrokenFile(
      "server-cert.pem",
      (p) => copyFileSync(leaf("a", "server").cert, p),
      async () => {
        await expectRefused(
          new RegExp(`server-cert\\.pem does not name ${TOPOLOGY.b.address.replace(/\./g, "\\.")}`),
          /issue a server certificate whose subjectAltName includes 10\.231\.0\.2/,
        );
      },
    );
  }, 120_000);

  it("b's server certificate from a CA host a does not trust", async () => {
    await withBrokenFile(
      "server-cert.pem",
      async (p) => {
        const key = join(scratch, "rogue-key.pem");
        await selfSigned({ key, cert: p, days: 30, subject: "/CN=rogue", extensions: [`subjectAltName=IP:${TOPOLOGY.b.address}`] });
      },
      async () => {
        await expectRefused(
          /server-cert\.pem is not signed by a CA in host a's \/etc\/pki\/qemu\/ca-cert\.pem/,
          /issue a new server certificate from the CA that host a trusts/,
        );
      },
    );
  }, 120_000);
});
