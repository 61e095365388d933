/**
 * `npm run demo` — the README's main job: deploy the example stack (stacks/) to the local lab.
 *
 *   1. build the provider and bindings when stale (same as `npm run build`; cheap when fresh);
 *   2. bring the two-host lab up (idempotent; like `npm run lab:up`);
 *   3. build the lab guest kernel/initrd the example VMs boot (idempotent, cached);
 *   4. `npx cdktf deploy --auto-approve` in the project root — the command a user types;
 *   5. print where each VM runs: Terraform's state and what each lab host's libvirt reports.
 *
 * Move a VM: `LIVEVIRT_DEMO_WEB_HOST=b npm run demo` (or edit `host` in stacks/example.ts).
 * Exit status is cdktf deploy's.
 */
import { join } from "node:path";
import { execa } from "execa";
import { LivevirtError } from "../src/errors.js";
import { buildGuest } from "../src/lab/guest/build.js";
import { connect, labUp } from "../src/lab/lab.js";
import { GUEST_DIR, HOST_NAMES } from "../src/lab/paths.js";
import { EXAMPLE_STACK } from "../stacks/example.js";
import { OFFLINE_ENV } from "../modules/provider-install.js";
import { build } from "./cdktf-build.js";
import { ROOT } from "./build-provider.js";

const log = (m: string) => process.stderr.write(`demo: ${m}\n`);

async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  const r = await fn();
  log(`${what}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return r;
}

interface StateVm {
  address: string;
  values: { name: string; host: string; state: string | null; id: string | null };
}

/** livevirt_vm resources in the stack's state (empty when nothing was deployed). */
async function stateVms(): Promise<StateVm[]> {
  const r = await execa("terraform", ["show", "-json"], { cwd: join(ROOT, "cdktf.out/stacks", EXAMPLE_STACK), env: OFFLINE_ENV, reject: false });
  if (r.exitCode !== 0) return [];
  const show = JSON.parse(r.stdout) as { values?: { root_module?: { resources?: Array<StateVm & { type: string }> } } };
  return (show.values?.root_module?.resources ?? []).filter((x) => x.type === "livevirt_vm");
}

async function report(): Promise<void> {
  const vms = await stateVms();
  const seen = new Map<string, string[]>();
  for (const h of HOST_NAMES) {
    try {
      for (const d of await connect(h).listDomains({ all: true })) seen.set(d.name, [...(seen.get(d.name) ?? []), `${h} (${d.state})`]);
    } catch (e) {
      log(`could not list domains on lab host ${h}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const lines = vms.map((v) => `  ${v.values.name.padEnd(8)} state says host ${v.values.host}, ${v.values.state ?? "?"}; libvirt sees it on: ${seen.get(v.values.name)?.join(", ") ?? "no host"}`);
  process.stdout.write(`\nWhere the VMs run:\n${lines.length ? lines.join("\n") : "  (nothing in Terraform state yet)"}\n`);
  process.stdout.write(`Inspect: virsh -c '${connect("a").uri}' list --all   (host b: …/hosts/b/…)\n`);
}

async function main(): Promise<number> {
  await step("provider + bindings", () => build({ log }));
  await step("lab up", () => labUp({ log }));
  await step("lab guest", () => buildGuest(GUEST_DIR));
  const deploy = await step("cdktf deploy", () =>
    execa("npx", ["cdktf", "deploy", "--auto-approve"], { cwd: ROOT, env: OFFLINE_ENV, stdio: "inherit", reject: false }),
  );
  await report();
  if (deploy.exitCode !== 0) log(`cdktf deploy failed (exit ${deploy.exitCode}); see its output above`);
  return deploy.exitCode ?? 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const fix = e instanceof LivevirtError && e.detail.fix ? `\n  fix: ${e.detail.fix}` : "";
    log(`${e instanceof Error ? e.message : String(e)}${fix}`);
    process.exit(1);
  },
);
