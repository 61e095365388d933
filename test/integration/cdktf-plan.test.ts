/**
 * The user's path, with the real cdktf CLI and real Terraform, offline, in a fresh copy of the
 * project (so neither the checkout's cdktf.out nor a deployed demo's state can colour results):
 *
 *   npm run build                      (what `npm ci` runs as postinstall)
 *   npx cdktf synth                    → stack dir with lock file + implied-mirror symlink
 *   terraform init/plan/show -json     → create actions for the example VMs
 *   npx cdktf diff                     exactly as typed in the project root
 *   rebuild changing the launcher      → the lock-file hash pitfall does not bite
 *   npx cdktf deploy (lab)             → web on a, db on b, running
 *   LIVEVIRT_DEMO_WEB_HOST=b cdktf diff → web "~ update in-place", host "a" -> "b", post-copy verdict
 *   npx cdktf destroy                  → no domain left on either lab host (asked libvirt)
 *   LIVEVIRT_DEMO_WEB_HOST=c           → `cdktf synth` exits non-zero with the livevirt message
 *
 * Until the deploy step no libvirt is dialled: there is nothing to refresh without state.
 * Each step prints its wall time.
 */
import { appendFileSync, existsSync, lstatSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeGuest } from "../../src/lab/guests.js";
import { connect } from "../../src/lab/lab.js";
import { HOST_NAMES } from "../../src/lab/paths.js";
import { requireLab } from "./lab-setup.js";
import { CdktfProject, userEnv } from "./support/cdktf-project.js";

const STACK = "livevirt-example";
const PKG = "registry.terraform.io/livevirt/livevirt";

let project: CdktfProject;
let proj: string;
let stackDir: string;
const run = (...a: Parameters<CdktfProject["run"]>) => project.run(...a);

async function showPlan(label: string): Promise<Record<string, string[]>> {
  await run(`${label}: terraform plan -refresh=false -out`, "terraform", ["plan", "-refresh=false", "-input=false", "-no-color", "-out=tfplan"], {
    cwd: stackDir,
  });
  const show = await run(`${label}: terraform show -json`, "terraform", ["show", "-json", "tfplan"], { cwd: stackDir });
  const plan = JSON.parse(show.stdout as string) as {
    resource_changes: Array<{ address: string; change: { actions: string[]; after: Record<string, unknown> } }>;
  };
  return Object.fromEntries(plan.resource_changes.map((c) => [c.address, c.change.actions]));
}

beforeAll(async () => {
  // A fresh clone: sources only; node_modules shared (npm ci itself is not what we test).
  project = new CdktfProject("cdktf-plan");
  proj = project.dir;
  stackDir = project.stackDir(STACK);
}, 30_000);

afterAll(() => project?.remove());

describe("cdktf + Terraform offline, as users type it", () => {
  it("npm run build (postinstall) installs the provider into .mirror and generates .gen", async () => {
    const r = await run("npm run build (provider + cdktf get)", "npm", ["run", "build"]);
    expect(r.out).toMatch(/cdktf bindings generated in \.gen\/ in (\d+) ms/);
    project.figures.push(`  of which cdktf get: ${/generated in \.gen\/ in (\d+) ms/.exec(r.out)?.[1]} ms`);
    expect(existsSync(join(proj, ".mirror", PKG, "0.1.0/linux_amd64/terraform-provider-livevirt_v0.1.0"))).toBe(true);
    expect(readFileSync(join(proj, ".gen/providers/livevirt/vm/index.ts"), "utf8")).toContain("export class Vm extends cdktf.TerraformResource");
    const again = await run("npm run build again (bindings fresh)", "npm", ["run", "build"]);
    expect(again.out).toContain("cdktf bindings in .gen/ are up to date");
  }, 240_000);

  it("npx cdktf synth leaves a lock file and the implied-mirror symlink in the stack dir", async () => {
    await run("npx cdktf synth", "npx", ["cdktf", "synth"]);
    expect(JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")).resource.livevirt_vm).toHaveProperty("web");
    expect(readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8")).toMatch(/provider "registry\.terraform\.io\/livevirt\/livevirt"[\s\S]*h1:/);
    const link = join(stackDir, "terraform.d/plugins");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join(proj, ".mirror"));
  }, 120_000);

  it("terraform init + plan + show -json on the synthesized stack: both VMs are created", async () => {
    await run("terraform init", "terraform", ["init", "-input=false", "-no-color"], { cwd: stackDir });
    const actions = await showPlan("create");
    expect(actions).toEqual({ "livevirt_vm.web": ["create"], "livevirt_vm.db": ["create"] });
  }, 120_000);

  it("npx cdktf diff in the project root shows the plan", async () => {
    rmSync(join(stackDir, ".terraform"), { recursive: true, force: true }); // as on a first diff
    const r = await run("npx cdktf diff", "npx", ["cdktf", "diff"]);
    expect(r.out).toContain("livevirt_vm.web (web/vm) will be created");
    expect(r.out).toContain("livevirt_vm.db (db/vm) will be created");
    expect(r.out).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
  }, 120_000);

  it("a rebuild that changes the provider package does not break the next cdktf diff", async () => {
    const launcher = join(proj, ".mirror", PKG, "0.1.0/linux_amd64/terraform-provider-livevirt_v0.1.0");
    const oldLock = readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8");
    appendFileSync(launcher, "# rebuilt (e.g. the provider sources changed, or --mode tsx)\n");
    // The pitfall is real: plain Terraform now refuses the package...
    const raw = await run("terraform plan after rebuild, no re-synth (expected to fail)", "terraform", ["plan", "-refresh=false", "-no-color"], {
      cwd: stackDir,
      expectFail: true,
    });
    expect(raw.exitCode).not.toBe(0);
    expect(raw.out).toMatch(/does not match any of the checksums/);
    // ...and the next cdktf command re-locks during synth and goes through.
    const r = await run("npx cdktf diff after rebuild", "npx", ["cdktf", "diff"]);
    expect(r.out).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
    expect(readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8")).not.toBe(oldLock);
  }, 180_000);

  it("deploy, then moving web to host b: cdktf diff shows an in-place update a → b; destroy removes every domain", async () => {
    await requireLab();
    // The example's VM names are fixed; a demo deployed earlier on this lab would collide.
    for (const h of HOST_NAMES) for (const n of ["web", "db"]) await removeGuest(h, n);
    await run("npx cdktf deploy", "npx", ["cdktf", "deploy", "--auto-approve"]);
    expect((await connect("a").domainState("web")).state).toBe("running");
    expect((await connect("b").domainState("db")).state).toBe("running");

    const diff = await run("npx cdktf diff (web → b)", "npx", ["cdktf", "diff"], { env: userEnv({ LIVEVIRT_DEMO_WEB_HOST: "b" }) });
    expect(diff.out).toMatch(/livevirt_vm\.web \(web\/vm\) will be updated in-place/);
    expect(diff.out).toMatch(/~ host\s+= "a" -> "b"/);
    expect(diff.out).toMatch(/live-migrates with post-copy/);
    expect(diff.out).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");

    await run("npx cdktf destroy", "npx", ["cdktf", "destroy", "--auto-approve"]);
    for (const h of HOST_NAMES) {
      const names = (await connect(h).listDomains({ all: true })).map((d) => d.name);
      expect(names).not.toContain("web");
      expect(names).not.toContain("db");
    }
  }, 300_000);

  it("an invalid stack fails `npx cdktf synth` with the livevirt message", async () => {
    const r = await run("npx cdktf synth (invalid host)", "npx", ["cdktf", "synth"], { env: userEnv({ LIVEVIRT_DEMO_WEB_HOST: "c" }), expectFail: true });
    expect(r.exitCode).not.toBe(0);
    expect(r.out).toContain(
      'livevirt: livevirt-example/web: host = "c" is invalid: is not a declared host in livevirt-example/hosts. ' +
        'Fix: use one of the declared hosts: "a", "b" — or declare a host named "c".',
    );
    expect(r.out).not.toContain("skipValidation"); // cdktf's advice to switch validation off is not shown
  }, 120_000);
});
