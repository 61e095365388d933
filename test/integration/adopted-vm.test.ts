/**
 * Adopting a VM defined by another tool: a lab guest defined with virsh (plus an RNG, a watchdog
 * and a USB tablet — devices livevirt does not model) is brought under Terraform with an
 * `import` block. It is marked adopted; a move carries every device to the other host (live and
 * persistent definition); a change that could only be made by re-creating it fails the plan,
 * naming the attribute and the devices a re-create would drop, with nothing touched.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDomainXml } from "../../src/libvirt/domain-xml.js";
import { consolePathInHost, guestImages, removeGuest, waitForHeartbeats } from "../../src/lab/guests.js";
import { guestCmdline } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { unmodeledDevices } from "../../src/placement/lifecycle.js";
import { requireLab } from "./lab-setup.js";
import { domainsOn, expectContinuous, freshNames, labProviderConfig, type LabHost } from "./support/lab-vms.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tf-adopt";
const ADDR = "livevirt_vm.tf_adopt";
const EXTRA = ["rng virtio", "watchdog i6300esb", "input tablet"];
const CMDLINE = guestCmdline({ memMib: 32, rateMibPerS: 4, heartbeatMs: 500 });

/** The domain as "another tool" defines it: the lab guest plus devices livevirt does not model. */
async function foreignXml(): Promise<string> {
  const img = await guestImages();
  const base = buildDomainXml({
    name: NAME,
    memoryMib: 256,
    vcpus: 1,
    type: "qemu",
    kernel: img.kernel,
    initrd: img.initrd,
    cmdline: CMDLINE,
    consoleLog: consolePathInHost(NAME),
  });
  const opts = { ignoreAttributes: false, attributeNamePrefix: "@_" };
  const doc = new XMLParser(opts).parse(base) as { domain: { devices: Record<string, unknown> } };
  Object.assign(doc.domain.devices, {
    rng: { "@_model": "virtio", backend: { "@_model": "random", "#text": "/dev/urandom" } },
    watchdog: { "@_model": "i6300esb", "@_action": "reset" },
    input: { "@_type": "tablet", "@_bus": "usb" },
  });
  return new XMLBuilder({ ...opts, format: true, suppressEmptyNode: true }).build(doc) as string;
}

async function config(host: LabHost, opts: { importBlock: boolean; cmdline?: string }): Promise<Record<string, unknown>> {
  const img = await guestImages();
  return {
    ...labProviderConfig(),
    ...(opts.importBlock ? { import: [{ to: ADDR, id: `a/${NAME}` }] } : {}),
    resource: {
      livevirt_vm: {
        tf_adopt: {
          name: NAME,
          host,
          memory_mib: 256,
          vcpus: 1,
          domain_type: "qemu",
          kernel: img.kernel,
          initrd: img.initrd,
          cmdline: opts.cmdline ?? CMDLINE,
          console_log: consolePathInHost(NAME),
          migration: [{ probe: false }],
        },
      },
    },
  };
}

const devicesOn = async (h: LabHost, inactive: boolean) => unmodeledDevices(await connect(h).dumpXml(NAME, inactive ? { inactive: true } : {}));

describe("an adopted VM keeps what livevirt does not model", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await freshNames([NAME]);
    await connect("a").defineXml(await foreignXml());
    await connect("a").start(NAME);
    tf = await TerraformDir.create();
    tf.writeConfig(await config("a", { importBlock: true }));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
    tf?.remove();
  });

  it("imports it with an import block (no replace), marked adopted, its devices untouched", async () => {
    expect(await devicesOn("a", false)).toEqual(expect.arrayContaining(EXTRA));
    const plan = await tf.planJson();
    expect(actionsOf(plan, ADDR)).not.toContain("delete");
    expect(actionsOf(plan, ADDR)).not.toContain("create");
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    const v = resourceValues(await tf.stateJson(), ADDR)!;
    expect(v.adopted).toBe(true);
    expect(v.host).toBe("a");
    expect(await devicesOn("a", true)).toEqual(expect.arrayContaining(EXTRA));
  }, 180_000);

  it("a move carries every device to the other host, live and persistent", async () => {
    const before = await waitForHeartbeats("a", NAME, 2);
    tf.writeConfig(await config("b", { importBlock: false }));
    const plan = await tf.planJson();
    expect(actionsOf(plan, ADDR)).toEqual(["update"]);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    expect(await domainsOn("a")).not.toContain(NAME);
    expect(await devicesOn("b", false)).toEqual(expect.arrayContaining(EXTRA));
    expect(await devicesOn("b", true)).toEqual(expect.arrayContaining(EXTRA));
    const v = resourceValues(await tf.stateJson(), ADDR)!;
    expect(v.host).toBe("b");
    expect(v.adopted).toBe(true);
    await expectContinuous(NAME, before, "b");
  }, 240_000);

  it("a change that needs a re-create fails the plan, naming the attribute and what would be dropped; nothing touched", async () => {
    const id = resourceValues(await tf.stateJson(), ADDR)!.id;
    tf.writeConfig(await config("b", { importBlock: false, cmdline: `${CMDLINE} lv.extra=1` }));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const out = (r.stdout + r.stderr).replace(/\s+/g, " ");
    expect(out).toContain(`${NAME} was adopted (imported): changing cmdline would re-create it`);
    for (const d of EXTRA) expect(out).toContain(d);
    expect((await connect("b").domainState(NAME)).state).toBe("running");
    expect(resourceValues(await tf.stateJson(), ADDR)!.id).toBe(id);
    // Destroy is never blocked by it (the refresh before a destroy plans no re-create check).
    const d = await tf.run(["plan", "-destroy", "-input=false", "-no-color"], [0]);
    expect(d.stdout).toMatch(/1 to destroy/);
  }, 120_000);
});
