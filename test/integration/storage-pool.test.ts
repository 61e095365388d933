/**
 * Disks from storage pools on the lab, through Terraform: a VM whose disk is a qcow2 volume of a
 * libvirt `dir` pool (its own, uniquely named pool; each lab host's pool directory is in its
 * private /var/lib/libvirt, so the volume is local to a host and moves with copy_storage).
 *
 * - Plans refused at plan time, nothing touched: a create on a host without the pool, and a move to
 *   host b while b has no pool of that name (fit.storage names VM, host, pool and fix).
 * - With the pool on b, the move copies the volume: libvirt creates it in b's pool (same format and
 *   size), the guest keeps running (same boot, counters advanced), and the volume on b holds exactly
 *   what was written on a. The source volume stays on a.
 * - A pool both hosts share (one directory under the lab root, like an NFS export): the move plans
 *   without copying; b's libvirt lists the volume made through a only after the plan's pool-refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { waitForHeartbeats } from "../../src/lab/guests.js";
import { connect } from "../../src/lab/lab.js";
import { createLabPool, poolDir, removeLabPool, sharedPoolDir } from "../../src/lab/pools.js";
import { requireLab } from "./lab-setup.js";
import { expectCopyOf, writePatterns } from "./support/images.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";
import { domainsOn, expectContinuous, freshNames, labConfig, vmAddress, type LabHost } from "./support/lab-vms.js";

const NAME = "pool-vm";
const OTHER = "pool-nopool";
const ADDR = vmAddress(NAME);
/** Unique per run: two runs (or another file) never share a pool. */
const POOL = `lvpool-${process.pid}`;
const MISSING_POOL = `lvpool-missing-${process.pid}`;
const VOLUME = `${NAME}.qcow2`;
const VOLUME_BYTES = 64 * 1024 * 1024;
const volumeFile = (h: LabHost) => join(poolDir(h, POOL), VOLUME);
/** Recognisable content at both ends of the volume: a copy that lost or shifted data fails these. */
const PATTERNS = [
  { byte: 0xa7, offset: 0, length: 1024 * 1024 },
  { byte: 0x3c, offset: 60 * 1024 * 1024, length: 1024 * 1024 },
];

/** Terraform wraps diagnostics at 80 columns. */
const oneLine = (s: string) => s.replace(/\s+/g, " ");
const poolsOn = async (h: LabHost) => (await connect(h).listPools()).map((p) => p.name);

async function configFor(host: LabHost, extraVm?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const cfg = (await labConfig([{ name: NAME, host, testMib: 32, rate: 8, migration: { copy_storage: true } }])) as {
    resource: { livevirt_vm: Record<string, Record<string, unknown>> };
  };
  const vm = cfg.resource.livevirt_vm[NAME.replaceAll("-", "_")]!;
  vm.disk = [{ pool: POOL, volume: VOLUME, format: "qcow2", shared: false }];
  if (extraVm) cfg.resource.livevirt_vm[OTHER.replaceAll("-", "_")] = { ...vm, name: OTHER, console_log: null, ...extraVm };
  return cfg;
}

describe("disks from storage pools through Terraform", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await freshNames([NAME, OTHER]);
    // The pool on host a only, with one volume of known content; host b gets its pool later.
    for (const h of ["a", "b"] as const) await removeLabPool(h, POOL);
    await createLabPool("a", POOL);
    await connect("a").createVolume(POOL, VOLUME, VOLUME_BYTES, "qcow2");
    await writePatterns(volumeFile("a"), PATTERNS);
    tf = await TerraformDir.create();
    tf.writeConfig(await configFor("a"));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    await freshNames([NAME, OTHER]);
    for (const h of ["a", "b"] as const) await removeLabPool(h, POOL);
    tf?.remove();
  });

  it(
    "creates the VM on a pool volume, refuses a create and a move to a host without the pool, then copies the volume into b's pool",
    { timeout: 300_000 },
    async () => {
      // A create whose pool the host lacks: refused at plan, naming the VM, host, pool and fix.
      tf.writeConfig(await configFor("a", { disk: [{ pool: MISSING_POOL, volume: "x.qcow2", format: "qcow2" }] }));
      const noPool = await tf.run(["plan", "-input=false", "-no-color"], [1]);
      const noPoolText = oneLine(noPool.stdout + noPool.stderr);
      expect(noPoolText).toContain(`VM ${OTHER} cannot be created on host a: no storage pool "${MISSING_POOL}" on host a`);
      expect(noPoolText).toMatch(/disk\.0\.pool/);
      expect(noPoolText).toContain(`virsh pool-define-as ${MISSING_POOL}`);

      tf.writeConfig(await configFor("a"));
      await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
      const before = await waitForHeartbeats("a", NAME, 3);
      const id = resourceValues(await tf.stateJson(), ADDR)!.id;
      // The domain names the volume, not a path; libvirt resolved it in a's pool.
      const onA = await connect("a").dumpXml(NAME, { inactive: true });
      expect(onA.disks.map((d) => [d.type, d.pool, d.volume, d.format, d.target])).toEqual([["volume", POOL, VOLUME, "qcow2", "vda"]]);
      expect(resourceValues(await tf.stateJson(), ADDR)!.disk).toEqual([
        { path: null, pool: POOL, volume: VOLUME, format: "qcow2", target: null, shared: false },
      ]);

      // b has no pool of that name: the plan fails at fit.storage, nothing is touched on any host.
      tf.writeConfig(await configFor("b"));
      const refused = await tf.run(["plan", "-input=false", "-no-color"], [1]);
      const text = oneLine(refused.stdout + refused.stderr);
      expect(text).toContain("fit.storage");
      expect(text).toContain(`no storage pool "${POOL}" on host b`);
      expect(text).toContain(NAME);
      expect(text).toContain(`pool-start ${POOL}`);
      expect(await domainsOn("a")).toContain(NAME);
      expect(await domainsOn("b")).not.toContain(NAME);
      expect(await poolsOn("b")).not.toContain(POOL);
      expect((await connect("a").domainState(NAME)).state).toBe("running");

      // With the pool on b (empty), the move plans: fit.storage says libvirt creates the volume there.
      await createLabPool("b", POOL);
      const plan = await tf.planJson();
      expect(actionsOf(plan, ADDR)).toEqual(["update"]);
      const verdict = String(plan.resource_changes!.find((r) => r.address === ADDR)!.change.after?.preflight);
      expect(verdict).toMatch(new RegExp(`\\[pass\\] b fit\\.storage`));
      expect(await connect("b").volumeInfo(POOL, VOLUME)).toBeNull(); // planning created nothing
      const t0 = Date.now();
      await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
      const applyMs = Date.now() - t0;

      expect(await domainsOn("a")).not.toContain(NAME);
      expect((await connect("b").domainState(NAME)).state).toBe("running");
      const v = resourceValues(await tf.stateJson(), ADDR)!;
      expect([v.host, v.id]).toEqual(["b", id]);
      const move = v.last_move as Record<string, unknown>;
      console.log(`POOL-MOVE apply ${applyMs} ms ${JSON.stringify(move)}`);
      expect(move.to).toBe("b");

      // libvirt created the volume in b's pool: same format and virtual size, the domain uses it…
      const made = await connect("b").volumeInfo(POOL, VOLUME);
      expect([made?.format, made?.capacityBytes, made?.path]).toEqual(["qcow2", VOLUME_BYTES, `/var/lib/libvirt/pools/${POOL}/${VOLUME}`]);
      const onB = await connect("b").dumpXml(NAME);
      expect(onB.disks.map((d) => [d.type, d.pool, d.volume])).toEqual([["volume", POOL, VOLUME]]);
      // …holding, byte for byte, what a's volume holds (-U: in use by the running guest).
      await expectCopyOf(volumeFile("a"), volumeFile("b"), PATTERNS);
      // The source volume stays (livevirt never deletes a source image).
      expect(existsSync(volumeFile("a"))).toBe(true);
      expect(await connect("a").volumeInfo(POOL, VOLUME)).not.toBeNull();
      // The guest lived through it, and the configuration is in sync.
      await expectContinuous(NAME, before, "b");
      expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
    },
  );
});

describe("a pool both hosts see on a local filesystem: refused at plan, b's pool refreshed", () => {
  const VM = "pool-shared";
  const SHARED = `lvpool-shared-${process.pid}`;
  const VOL = `${VM}.raw`;
  let tf: TerraformDir;
  const config = async (host: LabHost) => {
    const cfg = (await labConfig([{ name: VM, host, testMib: 32, rate: 8, migration: {} }])) as {
      resource: { livevirt_vm: Record<string, Record<string, unknown>> };
    };
    cfg.resource.livevirt_vm[VM.replaceAll("-", "_")]!.disk = [{ pool: SHARED, volume: VOL }];
    return cfg;
  };
  beforeAll(async () => {
    await requireLab();
    await freshNames([VM]);
    for (const h of ["a", "b"] as const) await removeLabPool(h, SHARED, { shared: true });
    for (const h of ["a", "b"] as const) await createLabPool(h, SHARED, { shared: true });
    await connect("a").createVolume(SHARED, VOL, 32 * 1024 * 1024, "raw");
    tf = await TerraformDir.create();
    tf.writeConfig(await config("a"));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    await freshNames([VM]);
    for (const h of ["a", "b"] as const) await removeLabPool(h, SHARED, { shared: true });
    tf?.remove();
  });

  it(
    "refuses the move at plan — the pool's directory is a local filesystem, which libvirt would refuse at apply — after refreshing b's pool; nothing moves",
    { timeout: 300_000 },
    async () => {
      await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
      await waitForHeartbeats("a", VM, 2);
      // b scanned its pool before the volume was made through a: libvirt there does not list it yet.
      expect(await connect("b").volumeInfo(SHARED, VOL)).toBeNull();

      // The lab's "shared" directory is one ext4 filesystem both hosts see, not a filesystem libvirt
      // counts as shared (NFS, CephFS, …): libvirt 11.3 refuses such a move at apply ("Unsafe
      // migration: Migration without shared storage is unsafe", measured). The plan says so first.
      tf.writeConfig(await config("b"));
      const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
      const text = r.stdout + r.stderr;
      const first = /Error: (.*)/.exec(text)?.[1] ?? "";
      console.log(`POOL-SHARED plan: ${first}`);
      expect(first).toBe(
        `VM ${VM} cannot move from host a to host b: fit.shared-storage on host a: volume ${VOL} in pool ${SHARED} is on ext4, ` +
          "not shared storage: libvirt would refuse the move without copying it",
      );
      expect(text).toMatch(new RegExp(`volume ${VOL} in pool ${SHARED} \\(ext4\\)`));
      expect(text).toMatch(/Migration\s+without\s+shared\s+storage\s+is\s+unsafe/);
      expect(text).toMatch(/copy_storage\s+=\s+true/);
      // The plan's fit.storage refreshed b's pool all the same: it lists the volume now.
      expect(await connect("b").volumeInfo(SHARED, VOL)).toMatchObject({
        format: "raw",
        capacityBytes: 32 * 1024 * 1024,
        path: join(sharedPoolDir(SHARED), VOL),
      });
      expect(await domainsOn("b")).not.toContain(VM);
      expect((await connect("a").domainState(VM)).state).toBe("running");
    },
  );
});
