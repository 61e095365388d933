/**
 * Network interfaces through Terraform on the lab's guest network (lab-net: one layer-2 segment
 * across both hosts, a client namespace on it). A VM declared with an interface on lab-net gets
 * a MAC from libvirt that the state keeps (no diff on the next plan); a TCP stream from the client
 * to the guest keeps flowing through a post-copy move made by `terraform apply` — no reset, no
 * lost or reordered byte — and the guest keeps its MAC. A VM on a network only its source host
 * has is refused at plan (fit.network), naming VM, host and network, with nothing touched.
 */
import { existsSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeNetworkXml } from "../../src/libvirt/network-xml.js";
import { consolePath, consolePathInHost, guestImages, readConsole, removeGuest, waitForHeartbeats } from "../../src/lab/guests.js";
import { guestCmdline, lastHeartbeat } from "../../src/lab/guest/console.js";
import { connect } from "../../src/lab/lab.js";
import { GUEST_NET } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";
import { domainsOn, expectContinuous, freshNames, labProviderConfig, type LabHost } from "./support/lab-vms.js";
import { STREAM_CLIENT, type StreamResult } from "../../src/lab/tcp-stream.js";
import { actionsOf, resourceValues, TerraformDir } from "./support/terraform.js";

const WEB = "tf-net-web";
const SOLO = "tf-net-solo";
const NEWVM = "tf-net-new";
/** A libvirt network only host a defines (on the same bridge as lab-net): host b lacks it. */
const ONLY_A = "lvt-only-a";
const IP = `${GUEST_NET.guestBase}31`;
const PORT = 7000;
const addr = (n: string) => `livevirt_vm.${n.replaceAll("-", "_")}`;

interface NetVm {
  name: string;
  host: LabHost;
  network: string;
  ip?: string;
  /** More interfaces after the first, as network_interface blocks. */
  more?: Record<string, unknown>[];
}

async function config(vms: NetVm[]): Promise<Record<string, unknown>> {
  const img = await guestImages();
  const resource: Record<string, unknown> = {};
  for (const v of vms) {
    const net = v.ip ? ` lv.ip=${v.ip}/${GUEST_NET.prefixLen} lv.echo=${PORT}` : "";
    resource[v.name.replaceAll("-", "_")] = {
      name: v.name,
      host: v.host,
      memory_mib: 256,
      domain_type: "qemu",
      kernel: img.kernel,
      initrd: img.initrd,
      // The guest dirties memory faster than the move's bandwidth: only post-copy can finish the move.
      cmdline: `${guestCmdline({ memMib: 64, rateMibPerS: 30, heartbeatMs: 500 })}${net}`,
      console_log: consolePathInHost(v.name),
      network_interface: [{ network: v.network }, ...(v.more ?? [])],
      migration: [{ probe: false, bandwidth_mib: 20, switch: "first-pass" }],
    };
  }
  return {
    ...labProviderConfig(),
    ...(vms.length > 0 ? { resource: { livevirt_vm: resource } } : {}),
  };
}

const macOf = async (h: LabHost, name: string) => (await connect(h).dumpXml(name)).interfaces.map((i) => i.mac);

describe("network interfaces through Terraform", () => {
  let tf: TerraformDir;
  beforeAll(async () => {
    await requireLab();
    await freshNames([WEB, SOLO, NEWVM]);
    await connect("a").removeNetwork(ONLY_A);
    await connect("b").removeNetwork(ONLY_A);
    await connect("a").defineNetworkXml(bridgeNetworkXml(ONLY_A, GUEST_NET.bridge));
    await connect("a").startNetwork(ONLY_A);
    tf = await TerraformDir.create();
    tf.writeConfig(await config([]));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    await tf?.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
    for (const n of [WEB, SOLO, NEWVM]) for (const h of ["a", "b"] as const) await removeGuest(h, n);
    await connect("a").removeNetwork(ONLY_A);
    tf?.remove();
  });

  it("keeps the MAC libvirt assigned, and a TCP stream flowing through a post-copy move made by terraform apply", async () => {
    const web: NetVm = { name: WEB, host: "a", network: GUEST_NET.libvirtNetwork, ip: IP };
    tf.writeConfig(await config([web]));
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const state = resourceValues(await tf.stateJson(), addr(WEB))!;
    const nics = state.network_interface as Array<Record<string, unknown>>;
    expect(nics).toHaveLength(1);
    expect(nics[0]).toMatchObject({ network: GUEST_NET.libvirtNetwork, bridge: null, model: "virtio" });
    const mac = String(nics[0]!.mac);
    expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(await macOf("a", WEB)).toEqual([mac]);
    // The MAC the config leaves out is kept: nothing to change.
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);

    const [before] = [await waitForHeartbeats("a", WEB, 2)];
    const deadline = Date.now() + 90_000;
    const consoleText = () => (existsSync(consolePath("a", WEB)) ? readFileSync(consolePath("a", WEB), "utf8") : "");
    while (!/LVNET listening/.test(consoleText()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    // Flows until the apply is over (stdin closed), so it spans the whole plan and move.
    const client = execa("ip", ["netns", "exec", GUEST_NET.clientNetns, "node", "-e", STREAM_CLIENT, IP, String(PORT), "240000", "stdin"], {
      reject: false,
      stdin: "pipe",
    });
    await new Promise((r) => setTimeout(r, 2000));

    tf.writeConfig(await config([{ ...web, host: "b" }]));
    const plan = await tf.planJson();
    expect(actionsOf(plan, addr(WEB))).toEqual(["update"]);
    const verdict = String(plan.resource_changes!.find((r) => r.address === addr(WEB))!.change.after?.preflight);
    expect(verdict).toMatch(/\[pass\] b fit\.network/);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    client.stdin!.end();
    const r = await client;
    const lines = String(r.stdout).trim().split("\n");
    expect(lines[0]).toBe("connected");
    const stream = JSON.parse(lines[lines.length - 1]!) as StreamResult;
    const after = resourceValues(await tf.stateJson(), addr(WEB))!;
    const move = after.last_move as Record<string, unknown>;
    process.stdout.write(
      `[provider-network] stream ${stream.sent} B sent, ${stream.recv} B echoed, longest gap ${stream.maxGapMs} ms; ` +
        `move ${String(move.mode)} ${String(move.total_ms)} ms, libvirt downtime ${String(move.downtime_ms)} ms\n`,
    );
    expect(stream.err).toBeNull();
    expect(stream.bad).toBe(0);
    expect(stream.recv).toBe(stream.sent);
    expect(stream.sent).toBeGreaterThan(100_000); // a stream really flowed across the move
    expect(after.host).toBe("b");
    expect(move.mode).toBe("postcopy");
    expect((after.network_interface as Array<Record<string, unknown>>)[0]!.mac).toBe(mac);
    expect(await macOf("b", WEB)).toEqual([mac]);
    expect(await domainsOn("a")).not.toContain(WEB);
    await expectContinuous(WEB, before!, "b");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 300_000);

  it("refuses at plan a move to a host without the VM's network, naming VM, host and network; nothing touched", async () => {
    const solo: NetVm = { name: SOLO, host: "a", network: ONLY_A };
    const web: NetVm = { name: WEB, host: "b", network: GUEST_NET.libvirtNetwork, ip: IP };
    tf.writeConfig(await config([web, solo]));
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const id = resourceValues(await tf.stateJson(), addr(SOLO))!.id;
    // This file's domains only: other files run on the lab at the same time (scripts/test-groups.ts).
    const mine = async (h: LabHost) => (await domainsOn(h)).filter((d) => [WEB, SOLO, NEWVM].includes(d));
    const [domsA, domsB] = [await mine("a"), await mine("b")];

    tf.writeConfig(await config([web, { ...solo, host: "b" }]));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/fit\.network/);
    expect(out).toContain(`no libvirt network "${ONLY_A}" on host b`);
    expect(out).toContain(SOLO);
    expect(out).toMatch(/net-define/);
    // Nothing touched: the same domains on both hosts, the VM still running on a with its id.
    expect(await mine("a")).toEqual(domsA);
    expect(await mine("b")).toEqual(domsB);
    expect((await connect("a").domainState(SOLO)).state).toBe("running");
    expect(resourceValues(await tf.stateJson(), addr(SOLO))!.id).toBe(id);
  }, 300_000);

  it("refuses at plan a new VM on a host without its network (nothing created), and accepts it where the network is", async () => {
    const solo: NetVm = { name: SOLO, host: "a", network: ONLY_A };
    const web: NetVm = { name: WEB, host: "b", network: GUEST_NET.libvirtNetwork, ip: IP };
    const fresh: NetVm = { name: NEWVM, host: "b", network: ONLY_A };
    tf.writeConfig(await config([web, solo, fresh]));
    const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
    const out = r.stdout + r.stderr;
    expect(out).toContain(`VM ${NEWVM} cannot be created on host b: no libvirt network "${ONLY_A}" on host b`);
    expect(out).toMatch(/network_interface\.0\.network/);
    expect(await domainsOn("b")).not.toContain(NEWVM);
    tf.writeConfig(await config([web, solo, { ...fresh, host: "a" }]));
    const ok = await tf.run(["plan", "-input=false", "-no-color", "-detailed-exitcode"], [2]);
    expect(ok.stdout).toMatch(/1 to add, 0 to change, 0 to destroy/);
  }, 120_000);

  it("adds and removes an interface in place (hot-plug): update, not replace; the guest keeps running, the first MAC stays", async () => {
    const web: NetVm = { name: WEB, host: "b", network: GUEST_NET.libvirtNetwork, ip: IP };
    tf.writeConfig(await config([web]));
    await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    const first = String((resourceValues(await tf.stateJson(), addr(WEB))!.network_interface as Array<Record<string, unknown>>)[0]!.mac);
    // web moved here in the first case: its console on b holds heartbeats but no boot banner.
    const before = lastHeartbeat(readConsole("b", WEB))!;
    expect(before).toBeDefined();

    tf.writeConfig(await config([{ ...web, more: [{ bridge: GUEST_NET.bridge, model: "e1000" }] }]));
    const plan = await tf.planJson();
    expect(actionsOf(plan, addr(WEB))).toEqual(["update"]);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    const two = resourceValues(await tf.stateJson(), addr(WEB))!.network_interface as Array<Record<string, unknown>>;
    expect(two.map((n) => [n.network, n.bridge, n.model])).toEqual([
      [GUEST_NET.libvirtNetwork, null, "virtio"],
      [null, GUEST_NET.bridge, "e1000"],
    ]);
    expect(two[0]!.mac).toBe(first);
    expect(String(two[1]!.mac)).toMatch(/^52:54:00/);
    expect(await macOf("b", WEB)).toEqual([first, two[1]!.mac]);
    expect((await connect("b").dumpXml(WEB, { inactive: true })).interfaces.map((i) => i.mac)).toEqual([first, two[1]!.mac]);
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);

    tf.writeConfig(await config([web]));
    const back = await tf.planJson();
    expect(actionsOf(back, addr(WEB))).toEqual(["update"]);
    await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    expect(await macOf("b", WEB)).toEqual([first]);
    expect((await connect("b").dumpXml(WEB, { inactive: true })).interfaces.map((i) => i.mac)).toEqual([first]);
    // Same boot throughout: hot-plug, no restart.
    await expectContinuous(WEB, before, "b");
  }, 240_000);
});
