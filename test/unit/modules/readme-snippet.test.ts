/**
 * The README's "Using it" snippet runs as written (imports, app and stack included) and
 * synthesizes the stack it shows; stacks/production.ts, the example for real hosts, synthesizes
 * without a validation problem.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { ProductionStack } from "../../../stacks/production.js";
import { testApp } from "./testing-app.js";

const ROOT = join(import.meta.dirname, "../../..");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function readmeSnippet(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Using it"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("README has no ts block under ## Using it");
  return m[1]!;
}

describe("README's Using it snippet", () => {
  it("synthesizes as written (as stacks/main.ts), with the VM on host a", async () => {
    const dir = mkdtempSync(join(tmpdir(), "livevirt-readme-"));
    dirs.push(dir);
    // As a file in stacks/: its relative imports point at the project's modules.
    const code = readmeSnippet().replaceAll('"../modules/index.js"', JSON.stringify(join(ROOT, "modules/index.ts")));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(dir, "main.ts"), code);
    const out = join(dir, "out");
    const r = await execa("npx", ["tsx", join(dir, "main.ts")], {
      cwd: ROOT,
      env: { CDKTF_OUTDIR: out, LIVEVIRT_SKIP_PROVIDER_SETUP: "1" },
      reject: false,
      all: true,
    });
    expect(r.all).toBe("");
    expect(r.exitCode).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "stacks/livevirt-production/cdk.tf.json"), "utf8"));
    expect(json.resource.livevirt_vm.web).toMatchObject({ name: "web", host: "a", memory_mib: 2048, vcpus: 2 });
    expect(json.provider.livevirt[0].host.map((h: { uri: string }) => h.uri)).toEqual(["qemu+ssh://root@kvm-a/system", "qemu+ssh://root@kvm-b/system"]);
  }, 60_000);
});

describe("stacks/production.ts", () => {
  it("synthesizes for two real hosts without a validation problem, and moves web by one prop", () => {
    for (const webHost of ["a", "b"]) {
      const json = JSON.parse(Testing.synth(new ProductionStack(testApp(), undefined, { webHost }), true));
      expect(json.resource.livevirt_vm.web.host).toBe(webHost);
      expect(json.provider.livevirt[0].host.map((h: { migration_uri: string }) => h.migration_uri)).toEqual([
        "qemu+tls://mig-a/system",
        "qemu+tls://mig-b/system",
      ]);
    }
  });
});
