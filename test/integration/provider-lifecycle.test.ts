/**
 * The livevirt provider against real libvirt on the lab, driven by real Terraform:
 * create → read (no changes) → drift (moved / removed behind Terraform's back) → import → destroy,
 * each time asking libvirt directly what is really there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { guestImages, consolePath, consolePathInHost, removeGuest, waitForHeartbeats } from "../../src/lab/guests.js";
import { guestCmdline } from "../../src/lab/guest/console.js";
import { connect, hostUri, migrationUri } from "../../src/lab/lab.js";
import { startMigration } from "../../src/libvirt/migrate.js";
import { requireLab } from "./lab-setup.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

const NAME = "tf-life-1";
let tf: TerraformDir;

async function config(vmExtra: Record<string, unknown> = {}, resources?: Record<string, unknown>) {
  const img = await guestImages();
  const vm = {
    name: NAME,
    host: "a",
    memory_mib: 256,
    domain_type: "qemu",
    kernel: img.kernel,
    initrd: img.initrd,
    cmdline: guestCmdline({ memMib: 32, rateMibPerS: 0, heartbeatMs: 500 }),
    console_log: consolePathInHost(NAME),
    ...vmExtra,
  };
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: {
      livevirt: {
        host: [
          { name: "a", uri: hostUri("a"), migration_uri: migrationUri("a") },
          { name: "b", uri: hostUri("b"), migration_uri: migrationUri("b") },
        ],
      },
    },
    resource: { livevirt_vm: resources ?? { web: vm } },
  };
}

const names = async (h: "a" | "b") => (await connect(h).listDomains({ all: true })).map((d) => d.name);

describe("livevirt_vm lifecycle on the lab with real Terraform", () => {
  beforeAll(async () => {
    await requireLab();
    for (const h of ["a", "b"] as const) {
      await removeGuest(h, NAME);
      rmSync(consolePath(h, NAME), { force: true }); // appended to: an old run's boot would count
    }
    tf = await TerraformDir.create();
    tf.writeConfig(await config());
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
    tf?.remove();
  });

  it("creates the VM on host a: running, booted, and its UUID is the resource id", async () => {
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const st = await connect("a").domainState(NAME);
    expect(st.state).toBe("running");
    expect(await names("b")).not.toContain(NAME);
    const v = resourceValues(await tf.stateJson(), "livevirt_vm.web");
    expect(v?.id).toBe(await connect("a").domainUuid(NAME));
    expect(v?.state).toBe("running");
    expect(v?.domain_type).toBe("qemu");
    await waitForHeartbeats("a", NAME, 2);
  });

  it("plans no change when nothing changed (refresh reads libvirt)", async () => {
    const r = await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2]);
    expect(r.exitCode).toBe(0);
  });

  it("shows a VM moved behind Terraform's back as drift: update host b → a", async () => {
    const move = startMigration(hostUri("a"), NAME, migrationUri("b"), { live: true, p2p: true, persistent: true, undefineSource: true });
    await move.done;
    expect(await names("b")).toContain(NAME);
    const plan = await tf.planJson();
    expect(actionsOf(plan, "livevirt_vm.web")).toEqual(["update"]);
    const change = plan.resource_changes!.find((r) => r.address === "livevirt_vm.web")!.change;
    expect(change.before?.host).toBe("b");
    expect(change.after?.host).toBe("a");
    // Put it back by hand so the remaining steps start from the declared placement.
    await startMigration(hostUri("b"), NAME, migrationUri("a"), { live: true, p2p: true, persistent: true, undefineSource: true }).done;
  });

  it("imports an existing domain by host/name", async () => {
    const uuid = await connect("a").domainUuid(NAME);
    await tf.run(["state", "rm", "livevirt_vm.web"]);
    await tf.run(["import", "-input=false", "-no-color", "livevirt_vm.web", `a/${NAME}`]);
    const v = resourceValues(await tf.stateJson(), "livevirt_vm.web");
    expect(v?.id).toBe(uuid);
    expect(v?.host).toBe("a");
    expect(v?.memory_mib).toBe(256);
    // The imported state matches the configuration: nothing to do.
    const r = await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2]);
    expect(r.stdout).not.toMatch(/must be replaced/);
  });

  it("shows a VM removed behind Terraform's back as drift: create", async () => {
    await removeGuest("a", NAME);
    const plan = await tf.planJson();
    expect(actionsOf(plan, "livevirt_vm.web")).toEqual(["create"]);
  });

  it("destroy removes every domain it made (checked with libvirt on both hosts)", async () => {
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    expect(await names("a")).toContain(NAME);
    await tf.run(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    expect(await names("a")).not.toContain(NAME);
    expect(await names("b")).not.toContain(NAME);
  });
});
