/** LivevirtApp: after synth every livevirt stack dir is ready for offline Terraform; invalid stacks fail cleanly. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LivevirtApp } from "../../../modules/index.js";
import { packageHashH1, PROVIDER_SOURCE } from "../../../modules/provider-install.js";
import { ExampleStack } from "../../../stacks/example.js";

let dir: string;
let mirror: string;
let pkg: string;
const savedOutdir = process.env.CDKTF_OUTDIR;

beforeEach(() => {
  delete process.env.CDKTF_OUTDIR; // under the CLI the app exits instead of throwing
  dir = mkdtempSync(join(tmpdir(), "lv-app-"));
  mirror = join(dir, "mirror");
  pkg = join(mirror, PROVIDER_SOURCE, "0.1.0", "linux_amd64");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "terraform-provider-livevirt_v0.1.0"), "#!/bin/sh\nexit 1\n");
  chmodSync(join(pkg, "terraform-provider-livevirt_v0.1.0"), 0o755);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedOutdir !== undefined) process.env.CDKTF_OUTDIR = savedOutdir;
});

describe("LivevirtApp", () => {
  it("writes the lock file (terraform providers lock -fs-mirror) and the implied-mirror symlink", () => {
    const app = new LivevirtApp({ outdir: join(dir, "out"), mirrorDir: mirror });
    new ExampleStack(app, "ex", { webHost: "a" });
    app.synth();
    const stackDir = join(dir, "out/stacks/ex");
    expect(readlinkSync(join(stackDir, "terraform.d/plugins"))).toBe(mirror);
    const lock = readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8");
    expect(lock).toContain(`"${packageHashH1(pkg)}"`); // our hash agrees with Terraform's

    // A rebuild that changes the package: the next synth replaces the stale hash.
    writeFileSync(join(pkg, "terraform-provider-livevirt_v0.1.0"), "#!/bin/sh\n# other build\nexit 1\n");
    const again = new LivevirtApp({ outdir: join(dir, "out"), mirrorDir: mirror });
    new ExampleStack(again, "ex", { webHost: "a" });
    again.synth();
    const relocked = readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8");
    expect(relocked).toContain(`"${packageHashH1(pkg)}"`);
    expect(relocked).not.toBe(lock);
  });

  it("fails with a fix when the provider was never built", () => {
    const app = new LivevirtApp({ outdir: join(dir, "out"), mirrorDir: join(dir, "no-mirror") });
    new ExampleStack(app, "ex", { webHost: "a" });
    expect(() => app.synth()).toThrowError(/livevirt Terraform provider is not built.*Fix: run `npm run build`/);
  });

  it("reports invalid stacks as plain livevirt lines, without cdktf's skip-validation advice", () => {
    const app = new LivevirtApp({ outdir: join(dir, "out"), mirrorDir: mirror });
    new ExampleStack(app, "ex", { webHost: "nowhere" });
    let message = "";
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      'livevirt: the stack is not valid (1 problem):\n  livevirt: ex/web: host = "nowhere" is invalid: is not a declared host in ex/hosts. ' +
        'Fix: use one of the declared hosts: "a", "b" — or declare a host named "nowhere".',
    );
    expect(existsSync(join(dir, "out/stacks/ex/.terraform.lock.hcl"))).toBe(false);
  });

  it("providerSetup: false leaves the stack dir as cdktf wrote it", () => {
    const app = new LivevirtApp({ outdir: join(dir, "out"), mirrorDir: mirror, providerSetup: false });
    new ExampleStack(app, "ex", { webHost: "a" });
    app.synth();
    expect(existsSync(join(dir, "out/stacks/ex/cdk.tf.json"))).toBe(true);
    expect(existsSync(join(dir, "out/stacks/ex/.terraform.lock.hcl"))).toBe(false);
  });
});
