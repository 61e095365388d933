/**
 * `npm run demo` — the README's main job: deploy the example stack (stacks/) to the local lab.
 *
 *   1. build the provider and bindings when stale (same as `npm run build`; cheap when fresh);
 *   2. bring the two-host lab up (idempotent; like `npm run lab:up`);
 *   3. build the lab guest kernel/initrd the example VMs boot (idempotent, cached);
 *   4. `npx cdktf deploy --auto-approve` in the project root — the command a user types;
 *   5. the move: the same deploy with the "web" VM's host changed (as if the stack had been
 *      edited), which live-migrates it with post-copy; then what the move recorded and the guest's
 *      own proof that it kept running (same boot, uptime on, memory verified), and a TCP stream
 *      from the lab's client namespace to web kept flowing across the move (bytes, longest gap);
 *   6. print where each VM runs: Terraform's state and what each lab host's libvirt reports.
 *
 * Each run moves "web" to the other host. Pin it with LIVEVIRT_DEMO_WEB_HOST=a|b (no move then).
 * Exit status is the first failing cdktf deploy's.
 */
import { sshUri } from "../src/lab/topology.js";
import { join } from "node:path";
import { execa } from "execa";
import { progressDir, watchProgress } from "../src/migration/progress-log.js";
import { LivevirtError } from "../src/errors.js";
import { buildGuest } from "../src/lab/guest/build.js";
import { checkContinuity, lastHeartbeat } from "../src/lab/guest/console.js";
import { readConsole, waitForEcho, waitForHeartbeats } from "../src/lab/guests.js";
import { startStream } from "../src/lab/tcp-stream.js";
import { LAB_WEB_NET } from "../stacks/lab.js";
import { connect, labUp } from "../src/lab/lab.js";
import { GUEST_DIR, HOST_NAMES, type HostName } from "../src/lab/paths.js";
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
  values: { name: string; host: string; state: string | null; id: string | null; last_move: Record<string, unknown> | null };
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
  const lines = vms.map(
    (v) =>
      `  ${v.values.name.padEnd(8)} state says host ${v.values.host}, ${v.values.state ?? "?"}; ` +
      `libvirt sees it on: ${seen.get(v.values.name)?.join(", ") ?? "no host"}`,
  );
  process.stdout.write(`\nWhere the VMs run:\n${lines.length ? lines.join("\n") : "  (nothing in Terraform state yet)"}\n`);
  process.stdout.write(`Inspect: virsh -c ${sshUri("a")} list --all   (host b: ${sshUri("b")}; SSH host keys checked against the lab's known_hosts)\n`);
}

function deployWith(webHost: string | undefined) {
  const env = { ...OFFLINE_ENV, ...(webHost ? { LIVEVIRT_DEMO_WEB_HOST: webHost } : {}) };
  return execa("npx", ["cdktf", "deploy", "--auto-approve"], { cwd: ROOT, env, stdio: "inherit", reject: false });
}

/**
 * A TCP stream from the lab's client namespace to web's echo service, flowing until stop() — so
 * it spans the whole deploy. Null when web does not serve yet (then the demo says so).
 */
async function streamToWeb(host: HostName): Promise<{ stop: () => Promise<string> } | null> {
  if (!(await waitForEcho(host, "web"))) return null;
  const { ip, echoPort, clientNetns } = LAB_WEB_NET;
  const stream = await startStream(ip, echoPort);
  return {
    stop: async () => {
      const { result: s, stderr } = await stream.stop();
      if (!s) return `TCP stream to web (${ip}:${echoPort}) from namespace ${clientNetns}: no result (${stderr.trim().split("\n").pop() ?? "no output"})`;
      const intact = s.err === null && s.bad === 0 && s.recv === s.sent;
      return (
        `TCP stream ${clientNetns} → web ${ip}:${echoPort} across the move: ` +
        `${(s.sent / 1024).toFixed(0)} KiB sent, ${(s.recv / 1024).toFixed(0)} KiB echoed, ` +
        `${s.bad} bytes wrong, longest gap ${s.maxGapMs} ms${s.err ? `, connection error: ${s.err}` : ""}. ` +
        `${intact ? "The connection survived the move." : "THE CONNECTION DID NOT SURVIVE INTACT."}`
      );
    },
  };
}

/** What the move recorded, and the guest's console as proof it lived through it. */
async function moveStory(from: string, to: string): Promise<void> {
  const web = (await stateVms()).find((v) => v.values.name === "web");
  const m = web?.values.last_move;
  if (!m) return;
  const mib = typeof m.bytes === "number" ? `${(m.bytes / 1048576).toFixed(0)} MiB sent` : "bytes unknown";
  process.stdout.write(
    `\nweb moved ${m.from} → ${m.to} with ${m.mode}` +
      `${m.switched_at_iteration !== null ? ` (switched to post-copy in pre-copy pass ${m.switched_at_iteration})` : ""}: ` +
      `${m.total_ms} ms in all, guest paused ${m.downtime_ms ?? "?"} ms, ${mib}, ${m.postcopy_requests ?? 0} pages fetched on demand.\n`,
  );
  const before = lastHeartbeat(readConsole(from as HostName, "web"));
  const after = lastHeartbeat(readConsole(to as HostName, "web"));
  if (before && after) {
    const c = checkContinuity(before, readConsole(to as HostName, "web"));
    process.stdout.write(
      `Guest's own word: boot ${after.boot}, uptime ${before.uptimeS.toFixed(1)} s on ${from} → ${after.uptimeS.toFixed(1)} s on ${to}, ` +
        `${after.verified} pages verified, ${after.errors} bad. ${c.ok ? "It kept running: no reboot, no lost page." : `PROBLEMS: ${c.problems.join("; ")}`}\n`,
    );
  }
}

async function main(): Promise<number> {
  await step("provider + bindings", () => build({ log }));
  await step("lab up", () => labUp({ log }));
  await step("lab guest", () => buildGuest(GUEST_DIR));
  const pinned = process.env.LIVEVIRT_DEMO_WEB_HOST;
  const current = (await stateVms()).find((v) => v.values.name === "web")?.values.host ?? "a";
  const first = await step("cdktf deploy", () => deployWith(pinned ?? current));
  if (first.exitCode !== 0 || pinned) {
    await report();
    if (first.exitCode !== 0) log(`cdktf deploy failed (exit ${first.exitCode}); see its output above`);
    return first.exitCode ?? 1;
  }
  await waitForHeartbeats(current as HostName, "web", 3);
  const other = current === "a" ? "b" : "a";
  log(`moving web: ${current} → ${other} (the stack's web host changed; cdktf deploy plans an in-place update)`);
  const stream = await streamToWeb(current as HostName);
  if (!stream) log("web does not serve TCP yet (no LVNET listening on its console): the move runs without a stream");
  // What `npm run moves -- --watch` shows in another terminal, printed beside the deploy.
  const watch = watchProgress(progressDir(), (line) => process.stdout.write(`[moves] ${line}\n`));
  const second = await step("cdktf deploy (move)", () => deployWith(other)).finally(() => watch.stop());
  const streamLine = stream ? await stream.stop() : null;
  if (second.exitCode === 0) await moveStory(current, other);
  if (streamLine) process.stdout.write(`${streamLine}\n`);
  await report();
  if (second.exitCode !== 0) log(`cdktf deploy failed (exit ${second.exitCode}); see its output above`);
  return second.exitCode ?? 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const fix = e instanceof LivevirtError && e.detail.fix ? `\n  fix: ${e.detail.fix}` : "";
    log(`${e instanceof Error ? e.message : String(e)}${fix}`);
    process.exit(1);
  },
);
