/**
 * A refresh costs per host, not per VM (src/placement/refresh.ts): six tiny no-OS VMs over both
 * lab hosts, real Terraform. The provider's debug log has one line per virsh process it runs and
 * one per host listing; a refresh of all six must list each host once and ask no VM alone — and
 * still see the truth: a VM moved by raw virsh is found on its new host, a VM destroyed behind
 * Terraform's back (the listing never says "gone": that VM alone is asked of each host, as before)
 * is planned for creation.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, hostUri, migrationUri } from "../../src/lab/lab.js";
import { removeGuest } from "../../src/lab/guests.js";
import { startMigration } from "../../src/libvirt/migrate.js";
import { requireLab } from "./lab-setup.js";
import { domainsOn, freshNames, labProviderConfig, tearDownLab, type LabHost } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir, type PlanJson } from "./support/terraform.js";

const NAMES = Array.from({ length: 6 }, (_, i) => `rfr-vm${i}`);
const MOVED = "rfr-vm0"; // a → b by raw virsh
const GONE = "rfr-vm5"; // destroyed on b by raw virsh
const addr = (n: string) => `livevirt_vm.${n.replaceAll("-", "_")}`;

function config(hostOf: (name: string, i: number) => LabHost): Record<string, unknown> {
  const vms = Object.fromEntries(NAMES.map((n, i) => [n.replaceAll("-", "_"), { name: n, host: hostOf(n, i), memory_mib: 16, domain_type: "qemu" }]));
  return { ...labProviderConfig(), resource: { livevirt_vm: vms } };
}
const initial = (_n: string, i: number): LabHost => (i < 3 ? "a" : "b");

/** What the provider process that listed did, per host, from its debug log (TF_LOG_PATH). */
interface Cost {
  pids: string[];
  listings: Record<string, number>;
  /** virsh processes by what they ran, e.g. { "domstats": 2, "dumpxml ×3": 2 } */
  virsh: Record<string, number>;
}

function costOf(log: string): Cost {
  const cost: Cost = { pids: [], listings: {}, virsh: {} };
  for (const line of log.split("\n")) {
    const pid = /\bpid=(\d+)/.exec(line)?.[1];
    const listing = /refresh listing of host (\S+): \d+ domains/.exec(line);
    const virsh = /: (virsh \S+(?: ×\d+)?): /.exec(line);
    if (listing) cost.listings[listing[1]!] = (cost.listings[listing[1]!] ?? 0) + 1;
    if (virsh) cost.virsh[virsh[1]!] = (cost.virsh[virsh[1]!] ?? 0) + 1;
    if ((listing || virsh) && pid && !cost.pids.includes(pid)) cost.pids.push(pid);
  }
  return cost;
}

describe("a refresh lists each host once for all its VMs", () => {
  let tf: TerraformDir;

  beforeAll(async () => {
    await requireLab();
    await freshNames(NAMES);
    tf = await TerraformDir.create();
    tf.writeConfig(config(initial));
    await tf.run(["init", "-input=false", "-no-color"]);
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
  }, 240_000);
  afterAll(() => tearDownLab(tf, NAMES), 240_000);

  /** Runs `terraform plan ARGS` with the provider's debug log; returns the plan and what the refresh cost. */
  async function plan(file: string, args: string[]): Promise<{ plan: PlanJson; cost: Cost; log: string }> {
    const logPath = join(tf.dir, file);
    rmSync(logPath, { force: true });
    Object.assign(tf.env, { TF_LOG_PROVIDER: "DEBUG", TF_LOG_PATH: logPath });
    try {
      await tf.run(["plan", "-input=false", "-no-color", "-out=plan.bin", ...args]);
    } finally {
      Object.assign(tf.env, { TF_LOG_PROVIDER: undefined, TF_LOG_PATH: undefined });
    }
    const shown = await tf.run(["show", "-json", "plan.bin"]);
    const log = readFileSync(logPath, "utf8");
    return { plan: JSON.parse(shown.stdout) as PlanJson, cost: costOf(log), log };
  }

  it("refresh of 6 VMs over 2 hosts: one listing per host (domstats + one dumpxml process), no VM asked alone; a moved VM found on b", async () => {
    await startMigration(hostUri("a"), MOVED, migrationUri("b"), { live: true, p2p: true, persistent: true, undefineSource: true }).done;
    expect(await domainsOn("a")).not.toContain(MOVED);

    const { plan: p, cost, log } = await plan("refresh-only.log", ["-refresh-only"]);
    expect(cost.pids, log).toHaveLength(1);
    expect(cost.listings).toEqual({ a: 1, b: 1 });
    // a: rfr-vm1, rfr-vm2; b: rfr-vm0 (moved there), rfr-vm3..5 — each host's running ones in one dumpxml process.
    // Nothing else: no per-VM domstate or dumpxml (other tests' domains may run on the lab: the batch sizes are theirs too).
    const names = Object.keys(cost.virsh).sort();
    expect(
      names.filter((n) => !/^virsh (domstats|dumpxml ×\d+)$/.test(n)),
      JSON.stringify(cost.virsh),
    ).toEqual([]);
    expect(cost.virsh["virsh domstats"]).toBe(2);
    expect(names.filter((n) => n.startsWith("virsh dumpxml ×")).reduce((s, n) => s + cost.virsh[n]!, 0)).toBe(2);

    // The refreshed state: the moved VM on b, the others where they were.
    const prior = (p as PlanJson & { prior_state: Parameters<typeof resourceValues>[0] }).prior_state;
    for (const [i, n] of NAMES.entries()) {
      expect(resourceValues(prior, addr(n))).toMatchObject({ name: n, host: n === MOVED ? "b" : initial(n, i), state: "running" });
    }
    const drift = (p as { resource_drift?: { address: string }[] }).resource_drift ?? [];
    expect(drift.map((d) => d.address)).toEqual([addr(MOVED)]);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    expect(resourceValues(await tf.stateJson(), addr(MOVED))!.host).toBe("b");
  }, 240_000);

  it("a VM destroyed behind Terraform's back is planned for creation; it alone is asked of each host", async () => {
    await removeGuest("b", GONE);
    expect(await domainsOn("b")).not.toContain(GONE);
    // The configuration follows the move (no move back: its preflight would run virsh of its own).
    tf.writeConfig(config((n, i) => (n === MOVED ? "b" : initial(n, i))));

    const { plan: p, cost, log } = await plan("plan.log", []);
    expect(actionsOf(p, addr(GONE))).toEqual(["create"]);
    for (const n of NAMES.filter((x) => x !== GONE)) expect(actionsOf(p, addr(n)), n).toEqual(["no-op"]);
    expect(cost.pids, log).toHaveLength(1);
    expect(cost.listings).toEqual({ a: 1, b: 1 });
    expect(cost.virsh["virsh domstats"]).toBe(2);
    // locate() of the VM no listing has: domstate on a, then on b, both "not found".
    expect(cost.virsh["virsh domstate"]).toBe(2);
    expect(
      (
        await connect("a")
          .domainState(MOVED)
          .catch(() => null)
      )?.state ?? "absent",
    ).toBe("absent");
  }, 240_000);
});
