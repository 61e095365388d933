/**
 * migration.copy_storage on the lab: a guest with a real qcow2 disk that only host a has (each lab
 * host has its own /var/lib/libvirt), moved a → b through Terraform. The plan refuses the move
 * while the disk is non-shared and copy_storage is off; with copy_storage on, livevirt creates the
 * destination image (libvirt 11.3 without a storage pool there cannot: see storage-copy.ts),
 * libvirt copies the content during the live move, and the disk on b holds exactly what was
 * written on a — checked byte for byte with qemu-img compare and a pattern read with qemu-io.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { consolePath, consolePathInHost, guestImages, readConsole, removeGuest, waitForHeartbeats, waitForNewHeartbeat } from "../../src/lab/guests.js";
import { checkContinuity, guestCmdline, lastHeartbeat } from "../../src/lab/guest/console.js";
import { connect, hostUri, migrationUri } from "../../src/lab/lab.js";
import { hostPaths, PRIVATE_DIRS } from "../../src/lab/paths.js";
import { labHostTarget } from "../../src/lab/targets.js";
import { requireLab } from "./lab-setup.js";
import { expectCopyOf, writePatterns } from "./support/images.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tf-cs";
const ADDR = "livevirt_vm.tf_cs";
/** The path as both hosts see it (inside their mount namespaces)… */
const IMAGE = `${PRIVATE_DIRS.lib}/images/${NAME}.qcow2`;
/** …and where each host's copy is from this (root) namespace. */
const imageOn = (h: "a" | "b") => join(hostPaths(h).dir("lib"), "images", `${NAME}.qcow2`);
const IMAGE_BYTES = 64 * 1024 * 1024;
/** Recognisable content at both ends of the image: a moved copy that lost or shifted data fails these. */
const PATTERNS = [
  { byte: 0xab, offset: 0, length: 1024 * 1024 },
  { byte: 0x5c, offset: 60 * 1024 * 1024, length: 1024 * 1024 },
];

async function configFor(host: "a" | "b", migration: Record<string, unknown>) {
  const img = await guestImages();
  const h = (n: "a" | "b") => ({ name: n, uri: hostUri(n), migration_uri: migrationUri(n), shell: [...labHostTarget(n).shell!] });
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: { livevirt: { host: [h("a"), h("b")] } },
    resource: {
      livevirt_vm: {
        tf_cs: {
          name: NAME,
          host,
          memory_mib: 256,
          domain_type: "qemu",
          kernel: img.kernel,
          initrd: img.initrd,
          // Dirtying faster than the move's bandwidth: pre-copy cannot converge, so the move must
          // switch to post-copy — the storage copy has to be complete and in sync by then.
          cmdline: guestCmdline({ memMib: 64, rateMibPerS: 40, heartbeatMs: 500 }),
          console_log: consolePathInHost(NAME),
          disk: [{ path: IMAGE, format: "qcow2", shared: false }],
          migration: [migration],
        },
      },
    },
  };
}

const domains = async (h: "a" | "b") => (await connect(h).listDomains({ all: true })).map((d) => d.name);

function cleanImages(): void {
  for (const h of ["a", "b"] as const) rmSync(imageOn(h), { force: true });
}

describe("copy_storage through Terraform: a non-shared qcow2 disk moves with the VM", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    for (const h of ["a", "b"] as const) {
      await removeGuest(h, NAME);
      rmSync(consolePath(h, NAME), { force: true });
      mkdirSync(join(hostPaths(h).dir("lib"), "images"), { recursive: true });
    }
    cleanImages();
    // The disk exists on host a only, with known content.
    await execa("qemu-img", ["create", "-q", "-f", "qcow2", imageOn("a"), String(IMAGE_BYTES)]);
    await writePatterns(imageOn("a"), PATTERNS);
    tf = await TerraformDir.create();
    tf.writeConfig(await configFor("a", {}));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
    cleanImages();
    tf?.remove();
  });

  it("refuses the move while copy_storage is off, then copies the disk with copy_storage = true", { timeout: 300_000 }, async () => {
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const before = await waitForHeartbeats("a", NAME, 3);
    const id = resourceValues(await tf.stateJson(), ADDR)!.id;
    expect(existsSync(imageOn("b"))).toBe(false);

    // Non-shared disk, no copy_storage: the plan fails at the destination-fit check, nothing moves.
    tf.writeConfig(await configFor("b", {}));
    const refused = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const text = refused.stdout + refused.stderr;
    expect(text).toContain("fit.disks");
    expect(text).toContain(IMAGE);
    expect(text).toMatch(/copy_storage = true/);
    expect(await domains("a")).toContain(NAME);
    expect(await domains("b")).not.toContain(NAME);
    expect(existsSync(imageOn("b"))).toBe(false);

    tf.writeConfig(await configFor("b", { copy_storage: true, bandwidth_mib: 10 }));
    const plan = await tf.planJson();
    expect(actionsOf(plan, ADDR)).toEqual(["update"]);
    const verdict = String(plan.resource_changes!.find((r) => r.address === ADDR)!.change.after?.preflight);
    expect(verdict).toMatch(/\[pass\] b fit\.disks/);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);

    expect(await domains("a")).not.toContain(NAME);
    expect((await connect("b").domainState(NAME)).state).toBe("running");
    const v = resourceValues(await tf.stateJson(), ADDR)!;
    expect([v.host, v.id]).toEqual(["b", id]);
    const move = v.last_move as Record<string, unknown>;
    console.log(`COPY-STORAGE-MOVE ${JSON.stringify(move)}`);
    expect(move.mode).toBe("postcopy");

    // The running domain on b uses b's own image at the same path…
    const xml = await connect("b").dumpXml(NAME);
    expect(xml.disks.map((d) => [d.target, d.path, d.format])).toEqual([["vda", IMAGE, "qcow2"]]);
    // …which has the source's format and virtual size and, byte for byte, its content (-U: in use).
    const info = JSON.parse((await execa("qemu-img", ["info", "--output=json", "-U", imageOn("b")])).stdout) as Record<string, unknown>;
    expect([info.format, info["virtual-size"]]).toEqual(["qcow2", IMAGE_BYTES]);
    await expectCopyOf(imageOn("a"), imageOn("b"), PATTERNS);
    // And the guest lived through it: same boot, verifier clean.
    await waitForNewHeartbeat("b", NAME, lastHeartbeat(readConsole("b", NAME)) ?? before);
    expect(checkContinuity(before, readConsole("b", NAME)).problems).toEqual([]);
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  });
});
