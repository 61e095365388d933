/**
 * Destroy is never blocked by a move check (issue: a config asking for a move the preflight
 * refuses made `cdktf destroy` fail with that preflight error).
 *
 * Terraform's refresh before a destroy plan is a *normal* plan, so PlanResourceChange sees the
 * configured move. The provider learns from the Terraform run that started it that this plan is
 * the pre-destroy refresh and skips its move checks there. The refusal itself stays: the same
 * move still fails `cdktf diff` and `cdktf deploy`, and nothing is moved.
 *
 * Real cdktf, real Terraform, the lab's real daemons. The refusal is a real preflight finding:
 * a disk that is not shared and not copied (fit.disks) cannot follow the VM to host b.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeGuest } from "../../src/lab/guests.js";
import { connect } from "../../src/lab/lab.js";
import { HOST_NAMES } from "../../src/lab/paths.js";
import { requireLab } from "./lab-setup.js";
import { CdktfProject, userEnv } from "./support/cdktf-project.js";

const STACK = "livevirt-destroy";
const VM = "lv-destroy";

let project: CdktfProject;
let img: string;

const stackSource = (image: string) => `
import { TerraformStack } from "cdktf";
import { LivevirtApp, LivevirtHosts, VmPlacement } from "../modules/index.js";
import { guestCmdline } from "../src/lab/guest/console.js";
import { LAB_GUEST, LAB_HOSTS } from "./lab.js";

const app = new LivevirtApp();
const stack = new TerraformStack(app, ${JSON.stringify(STACK)});
const hosts = new LivevirtHosts(stack, "hosts", { hosts: LAB_HOSTS });
new VmPlacement(stack, ${JSON.stringify(VM)}, {
  host: process.env.LVTEST_HOST ?? "a",
  memoryMib: 256,
  domainType: "qemu",
  boot: { ...LAB_GUEST, cmdline: guestCmdline({ memMib: 16, rateMibPerS: 0 }) },
  // On host a only as far as livevirt knows: not shared, and the move would not copy it.
  disks: [{ path: ${JSON.stringify(image)}, format: "qcow2", shared: false }],
  hosts,
});
app.synth();
`;

const env = (host: string) => userEnv({ LVTEST_HOST: host });
const where = async () => {
  const out: Record<string, string> = {};
  for (const h of HOST_NAMES) {
    const d = (await connect(h).listDomains({ all: true })).find((x) => x.name === VM);
    if (d) out[h] = d.state;
  }
  return out;
};

beforeAll(async () => {
  await requireLab();
  for (const h of HOST_NAMES) await removeGuest(h, VM);
  project = new CdktfProject("destroy-refused-move", { prebuilt: true });
  img = join(project.dir, "disk.qcow2");
  await execa("qemu-img", ["create", "-q", "-f", "qcow2", img, "16M"]);
  writeFileSync(join(project.dir, "stacks/main.ts"), stackSource(img));
}, 60_000);

afterAll(async () => {
  for (const h of HOST_NAMES) await removeGuest(h, VM).catch(() => undefined);
  project?.remove();
});

describe("a move the preflight refuses", () => {
  it("deploys on a", async () => {
    await project.run("cdktf deploy (host a)", "npx", ["cdktf", "deploy", "--auto-approve"], { env: env("a") });
    expect(await where()).toEqual({ a: "running" });
  }, 180_000);

  it("still fails its plan and its deploy, and nothing moves", async () => {
    const diff = await project.run("cdktf diff (host b, refused)", "npx", ["cdktf", "diff"], { env: env("b"), expectFail: true });
    expect(diff.exitCode).not.toBe(0);
    expect(diff.out).toMatch(/fit\.disks/);
    const deploy = await project.run("cdktf deploy (host b, refused)", "npx", ["cdktf", "deploy", "--auto-approve"], { env: env("b"), expectFail: true });
    expect(deploy.exitCode).not.toBe(0);
    expect(deploy.out).toMatch(/fit\.disks/);
    expect(await where()).toEqual({ a: "running" });
  }, 240_000);

  it("does not block terraform plan -refresh-only or plan -destroy", async () => {
    const cwd = project.stackDir(STACK); // synthesized with host b by the deploy above
    const refresh = await project.run("terraform plan -refresh-only", "terraform", ["plan", "-refresh-only", "-input=false", "-no-color"], {
      cwd,
      env: env("b"),
    });
    expect(refresh.out).toMatch(/No changes/);
    const destroyPlan = await project.run("terraform plan -destroy", "terraform", ["plan", "-destroy", "-input=false", "-no-color"], { cwd, env: env("b") });
    expect(destroyPlan.out).toContain("Plan: 0 to add, 0 to change, 1 to destroy.");
    expect(await where()).toEqual({ a: "running" });
  }, 120_000);

  it("does not block cdktf destroy, which removes the VM", async () => {
    await project.run("cdktf destroy (config still asks for host b)", "npx", ["cdktf", "destroy", "--auto-approve"], { env: env("b") });
    expect(await where()).toEqual({});
  }, 180_000);
});
