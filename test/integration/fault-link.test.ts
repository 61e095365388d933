/**
 * Fault matrix (issue 6): the link between the hosts fails during a move driven by a real
 * `terraform apply`. The link cut is this file's own (src/lab/topology.ts FAULT_LINKS): the hosts are
 * declared with migration_uri and migration_address on it, so its moves — and only its moves — go
 * over it. Always restored.
 *
 * What the lab showed (libvirt 11.3 / QEMU 10.0): a cut link is noticed by libvirt's keepalive on
 * the peer-to-peer connection after ~30 s ("client socket is closed"), never by QEMU, whose TCP
 * stream just retransmits. In pre-copy libvirt then cancels the job and the guest keeps running on
 * the source. In post-copy the guest waits on the destination; see src/migration/resume.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../src/lab/lab.js";
import { setLink } from "../../src/lab/netns.js";
import type { FaultLink } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";
import {
  address,
  cleanSlate,
  configFor,
  deploy,
  expectConverged,
  expectOnlyOn,
  expectStreamOnLink,
  newTerraform,
  stateOn,
  waitForState,
  type FaultVm,
} from "./support/fault-vm.js";
import { onFaultLink } from "./support/lab-vms.js";
import { resourceValues, type TerraformDir } from "./support/terraform.js";

/** This file's own link between the hosts (FAULT_LINKS): its moves go over it, so cutting it stops no other file's move. */
const LINK: FaultLink = "f1";
const HOSTS = onFaultLink(LINK);

const PRE = "fl-pre";
const POST = "fl-post";
const APPLY = ["apply", "-auto-approve", "-input=false", "-no-color"];

/** Waits until the source has a migration job running (the moment to cut the link in pre-copy). */
async function waitForJob(name: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const j = await connect("a")
      .domJobInfo(name)
      .catch(() => null);
    if (j && (j.type === "Unbounded" || j.type === "Bounded") && (j.dataProcessedBytes ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name}: no migration job on a`);
}

describe("fault: the link between the hosts fails during a move", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await setLink(true, LINK);
    await cleanSlate([PRE, POST]);
    tf = await newTerraform(HOSTS);
  });
  afterAll(async () => {
    await setLink(true, LINK);
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    await cleanSlate([PRE, POST]);
    tf?.remove();
  });

  it("cut during pre-copy: the move is aborted, the VM stays on a, state a; with the link back the next apply moves it", async () => {
    // 256 MiB at 10 MiB/s: pre-copy takes long enough to cut it mid-way.
    const vm: FaultVm = { name: PRE, host: "a", testMib: 32, rate: 0, migration: { mode: "precopy", bandwidth_mib: 10, timeout_s: 300 } };
    const before = await deploy(tf, vm, HOSTS);
    tf.writeConfig(await configFor([{ ...vm, host: "b" }], HOSTS));
    const apply = tf.run(APPLY, [0, 1]);
    let r: Awaited<typeof apply>;
    try {
      await waitForJob(PRE);
      await expectStreamOnLink(LINK);
      await setLink(false, LINK);
      r = await apply;
    } finally {
      await setLink(true, LINK);
    }
    const text = r.stdout + r.stderr;
    console.log(
      `FAULT-LINK-PRECOPY exit=${r.exitCode}\n${text
        .split("\n")
        .filter((l) => /Error|host|move/i.test(l))
        .join("\n")}`,
    );
    expect(r.exitCode).toBe(1);
    expect(text).toMatch(/fl-pre: move from a to b failed/);
    expect(text).toMatch(/fl-pre is on host a: running/);
    await expectOnlyOn(tf, vm, "a", before);

    // Link back: the same configuration now converges by moving the VM.
    await tf.run(APPLY);
    await expectOnlyOn(tf, { ...vm, host: "b" }, "b", before);
    await expectConverged(tf);
  }, 240_000);

  it("cut during post-copy, back while apply runs: the stream recovers, the move completes on b, state b", async () => {
    // Post-copy capped at 4 MiB/s: ~200 MiB left after the switch keep it in post-copy for long enough.
    const vm: FaultVm = { name: POST, host: "a", testMib: 128, rate: 40, migration: { bandwidth_mib: 10, postcopy_bandwidth_mib: 4, timeout_s: 300 } };
    await tf.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    const before = await deploy(tf, vm, HOSTS);
    tf.writeConfig(await configFor([{ ...vm, host: "b" }], HOSTS));
    tf.env.TF_LOG_PROVIDER = "INFO"; // the recovery's own account of what it saw and did
    const apply = tf.run(APPLY, [0, 1]).finally(() => delete tf.env.TF_LOG_PROVIDER);
    let cutAt = 0;
    try {
      // The destination running the guest (the source's "post-copy" comes as it sends the switch).
      await waitForState("b", POST, (s) => s?.state === "running" && s.reason === "post-copy", "running in post-copy");
      await expectStreamOnLink(LINK);
      cutAt = Date.now();
      await setLink(false, LINK);
      // Keep the link down until libvirt has given the move up (its keepalive), so the recovery
      // path runs — a shorter cut is absorbed by TCP without anyone noticing.
      const failed = await waitForState("a", POST, (s) => s?.reason === "post-copy failed", "marked post-copy failed");
      const dest = await stateOn("b", POST);
      console.log(`FAULT-LINK-POSTCOPY states while cut: a ${failed?.state} (${failed?.reason}), b ${dest?.state} (${dest?.reason})`);
      expect(dest).toEqual({ state: "running", reason: "post-copy" });
    } finally {
      await setLink(true, LINK);
    }
    const r = await apply;
    // The guest waited for its pages from the cut until the move completed (at most until now).
    const frozenMs = Date.now() - cutAt;
    console.log(
      `FAULT-LINK-POSTCOPY exit=${r.exitCode}\n${r.stderr
        .split("\n")
        .filter((l) => /post-copy|stale|moved/.test(l))
        .join("\n")}`,
    );
    expect(r.exitCode).toBe(0);
    // libvirt finished the move unattended and left a's definition behind; livevirt removed it.
    expect(r.stderr).toMatch(/post-copy recovery: waiting/);
    expect(r.stderr).toMatch(/removing the stale definition on a/);
    await expectOnlyOn(tf, { ...vm, host: "b" }, "b", before, { frozenMs });
    const move = resourceValues(await tf.stateJson(), address(POST))!.last_move as Record<string, unknown>;
    console.log(`MOVE-FIGURES ${JSON.stringify({ kind: "link-cut-postcopy", ...move })}`);
    expect(move.mode).toBe("postcopy");
    // Recovered by QEMU's own stream once the link was back, not by a resume (QEMU never noticed).
    expect(move.recovered_by).toBe("stream");
    expect(move.recovery_ms).toBeGreaterThan(0);
    await expectConverged(tf);
  }, 240_000);
});
