/**
 * Host state and capacity across a plan, through Terraform against the lab: three VMs that each
 * fit host b's declared capacity but not together are refused at plan — the host, the VMs and
 * the shortfall named — and nothing is created; a create on a cordoned host is refused the same
 * way; with the capacity raised the same plan goes through.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePathInHost, guestImages } from "../../src/lab/guests.js";
import { guestCmdline } from "../../src/lab/guest/console.js";
import { requireLab } from "./lab-setup.js";
import { domainsOn, freshNames, labProviderConfig } from "./support/lab-vms.js";
import { TerraformDir } from "./support/terraform.js";

const NAMES = ["cap-x", "cap-y", "cap-z"];

async function config(b: Record<string, unknown>, host = "b"): Promise<Record<string, unknown>> {
  const img = await guestImages();
  const base = labProviderConfig() as { provider: { livevirt: { host: Record<string, unknown>[] } } };
  base.provider.livevirt.host = base.provider.livevirt.host.map((h) => (h.name === "b" ? { ...h, ...b } : h));
  const resource: Record<string, unknown> = {};
  for (const n of NAMES) {
    resource[n.replace("-", "_")] = {
      name: n,
      host,
      memory_mib: 256,
      domain_type: "qemu",
      kernel: img.kernel,
      initrd: img.initrd,
      cmdline: guestCmdline({ memMib: 16, rateMibPerS: 0, heartbeatMs: 1000 }),
      console_log: consolePathInHost(n),
    };
  }
  return { ...base, resource: { livevirt_vm: resource } };
}

describe("host state and capacity across a plan", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await freshNames(NAMES);
    tf = await TerraformDir.create();
    tf.writeConfig(await config({}));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    await freshNames(NAMES);
    tf?.remove();
  });

  it("three VMs that fit b one by one but not together: the plan fails naming host, VMs and shortfall; nothing created", async () => {
    // 700 MiB: one 256 MiB VM fits, two (512) fit, three (768) do not. The file runs alone on the
    // lab (scripts/test-groups.ts): b holds no other domain, whose memory would count as used.
    expect(await domainsOn("b")).toEqual([]);
    tf.writeConfig(await config({ capacity_memory_mib: 700 }));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const out = (r.stdout + r.stderr).replace(/\s+/g, " ");
    expect(out).toMatch(
      new RegExp(
        /host b cannot take these 3 VMs together: cap-[xyz] \(256 MiB\), cap-[xyz] \(256 MiB\), cap-[xyz] \(256 MiB\) /.source +
          /need 768 MiB, 68 MiB over its declared capacity \(700 MiB\)/.source,
      ),
    );
    expect(out).toContain("raise host b's capacity");
    for (const n of NAMES) expect([...(await domainsOn("a")), ...(await domainsOn("b"))]).not.toContain(n);
  }, 120_000);

  it("a create on a cordoned host is refused at plan, naming the active host; nothing created", async () => {
    tf.writeConfig(await config({ state: "cordoned" }));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const out = (r.stdout + r.stderr).replace(/\s+/g, " ");
    expect(out).toContain("host b is cordoned: no VM may be placed or moved there");
    expect(out).toContain("place cap-");
    expect(out).toContain('on an active host ("a")');
    for (const n of NAMES) expect(await domainsOn("b")).not.toContain(n);
  }, 120_000);

  it("with room for all three, the same plan goes through", async () => {
    tf.writeConfig(await config({ capacity_memory_mib: 100_000 }));
    const r = await tf.run(["plan", "-input=false", "-no-color", "-detailed-exitcode"], [2]);
    expect(r.stdout).toMatch(/3 to add, 0 to change, 0 to destroy/);
  }, 120_000);
});
