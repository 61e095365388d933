/**
 * Bad transport input through the provider (issue 12, item 6): a host reached with qemu+ssh whose
 * SSH host key does not match known_hosts, or is not in it. The plan fails before anything is
 * touched, its first line naming the URI, the host and the reason, with a fix — not ssh's banner
 * of "@" signs (which stays below, as what libvirt said). Exclusive: it rewrites the lab's
 * known_hosts for a moment (restored in `finally`), which every SSH connection to the lab reads.
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_HOSTS } from "../../src/lab/ssh.js";
import { sshUri, TOPOLOGY } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";
import { labProviderConfig } from "./support/lab-vms.js";
import { processes } from "./support/terraform-process.js";
import { TerraformDir } from "./support/terraform.js";

const A = TOPOLOGY.a.mgmtAddress;
const B = TOPOLOGY.b.mgmtAddress;

describe("a host whose SSH key does not match: the plan refuses it in one line, with the fix", () => {
  let tf: TerraformDir;
  const saved = `${KNOWN_HOSTS}.test-saved`;

  beforeAll(async () => {
    await requireLab();
    tf = await TerraformDir.create();
    // The lab's provider config, host a reached over qemu+ssh (the production path), and a data
    // source that has to connect to it at plan time.
    tf.writeConfig({ ...labProviderConfig({ a: { uri: sshUri("a") } }), data: { livevirt_host: { a: { name: "a" } } } });
    await tf.run(["init", "-input=false", "-no-color"]);
    copyFileSync(KNOWN_HOSTS, saved);
  });
  afterAll(() => {
    copyFileSync(saved, KNOWN_HOSTS);
    rmSync(saved, { force: true });
    tf?.remove();
  });

  /**
   * Plans with known_hosts replaced by `lines`, on a fresh SSH connection: the lab's client config
   * shares one master connection per host (ControlPersist), which would skip the key check — it is
   * told to exit and its socket removed (without that, the unknown-host case once planned fine).
   */
  async function planWith(lines: string[]) {
    await sshClientsGone();
    writeFileSync(KNOWN_HOSTS, `${lines.join("\n")}\n`);
    await execa("ssh", ["-O", "exit", A], { reject: false });
    const controlPath = /^controlpath (.+)$/m.exec((await execa("ssh", ["-G", A])).stdout)?.[1];
    if (controlPath) rmSync(controlPath, { force: true });
    try {
      return await tf.run(["plan", "-input=false", "-no-color"], [0, 1]);
    } finally {
      // A refused plan ends while some of its SSH clients to a are still connecting (the provider
      // reads a host's facts over several at once). Restored known_hosts under them, one would
      // pass and, as ControlMaster, serve the next plan without any key check (seen in CI): wait
      // until they are gone first.
      await sshClientsGone();
      copyFileSync(saved, KNOWN_HOSTS);
    }
  }

  /** Waits until no ssh client to host a runs (a master serving others, "ssh: … [mux]", is told to exit). */
  async function sshClientsGone(): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const clients = processes()
        .map((p) => p.cmdline.split(" "))
        .filter((argv) => /(^|\/)ssh(:|$)/.test(argv[0] ?? "") && argv.some((a) => a.includes(A)));
      if (clients.length === 0) return;
      if (Date.now() > deadline) throw new Error(`ssh clients to ${A} still running after 20 s: ${clients.map((c) => c.join(" ")).join("; ")}`);
      await execa("ssh", ["-O", "exit", A], { reject: false });
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("works with the right key (the control case)", async () => {
    const r = await planWith(readFileSync(saved, "utf8").trim().split("\n"));
    expect(r.exitCode).toBe(0);
  });

  it("another host's key filed under a's address (a swapped or impersonated host)", async () => {
    const lines = readFileSync(saved, "utf8").trim().split("\n");
    const bLine = lines.find((l) => l.startsWith(`${B},`))!;
    const r = await planWith([`${A},lab-a ${bLine.split(" ").slice(1).join(" ")}`, bLine]);
    const text = r.stdout + r.stderr;
    console.log(`SSH-HOST-KEY changed: ${text.split("\n").find((l) => l.startsWith("Error:"))}`);
    expect(r.exitCode).toBe(1);
    expect(text).toContain(
      `Error: cannot connect to qemu+ssh://root@${A}/system: ` +
        `the SSH host key of ${A} does not match the one in known_hosts (REMOTE HOST IDENTIFICATION HAS CHANGED)`,
    );
    // Terraform wraps the fix.
    expect(text.replace(/\s+/g, " ")).toContain(`Fix: make sure ${A} is the machine you mean;`);
    expect(text.replace(/\s+/g, " ")).toContain("never turn host key checking off");
  });

  it("a's key not in known_hosts at all (an unknown host)", async () => {
    const lines = readFileSync(saved, "utf8").trim().split("\n");
    const r = await planWith(lines.filter((l) => !l.startsWith(`${A},`)));
    const text = r.stdout + r.stderr;
    expect(r.exitCode).toBe(1);
    expect(text).toContain(`Error: cannot connect to qemu+ssh://root@${A}/system: the SSH host key of ${A} is not in known_hosts (an unknown host)`);
  });
});
