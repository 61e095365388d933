/**
 * Real Terraform against the real provider binary (via the mirror launcher): install, plan a
 * create, and classify update / replace / no-op from a hand-written prior state. The host URIs
 * are never dialled: planning needs no libvirt. Terraform talks to the provider over AutoMTLS
 * here (TF_DISABLE_PLUGIN_TLS is removed from the environment), so every passing command is
 * also an mTLS handshake test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProvider, CLI_CONFIG } from "../../scripts/build-provider.js";

const PROVIDER = 'provider["registry.terraform.io/livevirt/livevirt"]';
const VM_ID = "7f2b0f5e-1111-2222-3333-444455556666";

let dir: string;
const env: Record<string, string | undefined> = {
  ...process.env,
  TF_CLI_CONFIG_FILE: CLI_CONFIG,
  CHECKPOINT_DISABLE: "1",
  TF_IN_AUTOMATION: "1",
  TF_DISABLE_PLUGIN_TLS: undefined,
  TF_LOG: undefined,
  TF_LOG_PROVIDER: undefined,
};

const tf = async (args: string[], extraEnv: Record<string, string | undefined> = {}) => {
  const res = await execa("terraform", [...args], { cwd: dir, env: { ...env, ...extraEnv }, extendEnv: false, reject: false });
  if (res.exitCode !== 0) throw new Error(`terraform ${args.join(" ")} failed (${res.exitCode}):\n${res.stdout}\n${res.stderr}`);
  return res;
};

function writeConfig(vm: Record<string, unknown>): void {
  const config = {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: {
      livevirt: {
        host: [
          { name: "a", uri: "qemu+ssh://root@kvm-a.invalid/system" },
          { name: "b", uri: "qemu+tls://kvm-b.invalid/system", migration_uri: "qemu+tcp://10.77.0.3/system" },
        ],
      },
    },
    resource: { livevirt_vm: { web: vm } },
  };
  writeFileSync(join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
}

const baseVm = { name: "web1", host: "a", disk: [{ path: "/var/lib/livevirt/web1.img" }] };

/** A terraform.tfstate (format 4) as if baseVm had been created on host a. */
function writePriorState(): void {
  const attributes = {
    id: VM_ID,
    name: "web1",
    host: "a",
    memory_mib: 512,
    vcpus: 1,
    domain_type: "kvm",
    kernel: null,
    initrd: null,
    cmdline: null,
    console_log: null,
    disk: [{ path: "/var/lib/livevirt/web1.img", format: "raw", target: null, shared: true }],
    migration: null,
    state: "running",
    last_move: null,
    preflight: null,
  };
  const state = {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: "6a1e0c4e-5b7f-4d8e-9a43-3c5a4f2f0b11",
    outputs: {},
    resources: [
      { mode: "managed", type: "livevirt_vm", name: "web", provider: PROVIDER, instances: [{ schema_version: 0, attributes, sensitive_attributes: [] }] },
    ],
    check_results: null,
  };
  writeFileSync(join(dir, "terraform.tfstate"), JSON.stringify(state, null, 2));
}

interface Change {
  actions: string[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  after_unknown: Record<string, unknown>;
  replace_paths?: unknown[];
}

/** plan -out + show -json → the livevirt_vm.web resource change. */
async function planChange(extra: string[] = []): Promise<Change> {
  // -refresh=false: refresh would call ReadResource, which needs a reachable libvirt host; the
  // real-libvirt lifecycle tests cover refresh. Here the prior state is exactly what we wrote.
  await tf(["plan", "-input=false", "-no-color", "-refresh=false", "-out=plan.bin", ...extra]);
  const show = await tf(["show", "-json", "plan.bin"]);
  const plan = JSON.parse(show.stdout) as { resource_changes: Array<{ address: string; change: Change }> };
  const rc = plan.resource_changes.find((r) => r.address === "livevirt_vm.web");
  expect(rc).toBeDefined();
  return rc!.change;
}

beforeAll(async () => {
  await buildProvider("js");
  dir = mkdtempSync(join(tmpdir(), "livevirt-plan-"));
  writeConfig(baseVm);
  await tf(["init", "-input=false", "-no-color"]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("terraform plan with the livevirt provider", () => {
  it("installs from the mirror and records a lock-file hash that survives a rebuild", async () => {
    const lock = readFileSync(join(dir, ".terraform.lock.hcl"), "utf8");
    expect(lock).toMatch(/provider "registry.terraform.io\/livevirt\/livevirt"[\s\S]*version\s+= "0.1.0"[\s\S]*"h1:/);
    await buildProvider("js"); // idempotent: launcher unchanged, so the h1: hash still matches
    await tf(["providers", "-no-color"]);
    await tf(["validate", "-no-color"]);
  });

  it("plans a create with defaults filled and computed values unknown (over mTLS)", async () => {
    rmSync(join(dir, "terraform.tfstate"), { force: true });
    writeConfig(baseVm);
    const res = await tf(["plan", "-input=false", "-no-color", "-out=plan.bin"], { TF_LOG_PROVIDER: "debug" });
    // Our "plugin ready" log line reports whether the session is TLS; Terraform relays it.
    expect(res.stderr + res.stdout).toMatch(/plugin ready.*tls=true/);
    const show = await tf(["show", "-json", "plan.bin"]);
    const change = (JSON.parse(show.stdout) as { resource_changes: Array<{ change: Change }> }).resource_changes[0]!.change;
    expect(change.actions).toEqual(["create"]);
    expect(change.after).toMatchObject({ name: "web1", host: "a", memory_mib: 512, vcpus: 1, last_move: null, preflight: null });
    expect(change.after.disk).toEqual([{ path: "/var/lib/livevirt/web1.img", pool: null, volume: null, format: "raw", target: null, shared: true }]);
    expect(change.after_unknown).toMatchObject({ id: true, state: true, domain_type: true });
  });

  it("also works in plaintext when TF_DISABLE_PLUGIN_TLS=1", async () => {
    rmSync(join(dir, "terraform.tfstate"), { force: true });
    writeConfig(baseVm);
    const res = await tf(["plan", "-input=false", "-no-color"], { TF_DISABLE_PLUGIN_TLS: "1", TF_LOG_PROVIDER: "debug" });
    expect(res.stderr + res.stdout).toMatch(/plugin ready.*tls=false/);
  });

  describe("with a prior state (format 4, written by hand)", () => {
    // A host change is planned as an in-place update with the preflight verdict of both hosts
    // (asserted against the real lab in provider-move.test.ts and cdktf-plan.test.ts). Here the
    // hosts do not exist, so the preflight cannot run: the plan must fail, naming the host.
    it("host change with unreachable hosts → plan fails naming the host that does not answer", async () => {
      writePriorState();
      writeConfig({ ...baseVm, host: "b" });
      const r = await execa("terraform", ["plan", "-input=false", "-no-color", "-refresh=false"], { cwd: dir, env, extendEnv: false, reject: false });
      expect(r.exitCode).toBe(1);
      const text = r.stdout + r.stderr;
      expect(text).toMatch(/host a does not answer/);
      expect(text).toMatch(/virsh\s+-c\s+URI\s+version/); // Terraform wraps long lines
    });

    it("name change → replace (delete, create) because of name", async () => {
      writePriorState();
      writeConfig({ ...baseVm, name: "web2" });
      const change = await planChange();
      expect(change.actions).toEqual(["delete", "create"]);
      expect(change.replace_paths).toEqual([["name"]]);
    });

    it("unchanged → no-op", async () => {
      writePriorState();
      writeConfig(baseVm);
      const change = await planChange();
      expect(change.actions).toEqual(["no-op"]);
    });

    it("undeclared host → plan fails naming the declared hosts", async () => {
      writePriorState();
      writeConfig({ ...baseVm, host: "c" });
      await expect(planChange()).rejects.toThrow(/host = "c" is invalid: is not a declared host[\s\S]*Fix: use one of the declared hosts: "a", "b"/);
    });
  });
});
