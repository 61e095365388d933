/**
 * The lab's guest network, before livevirt models interfaces: a guest on the libvirt network
 * lab-net (one layer-2 segment across both hosts) serves TCP; a client in the lab's client
 * namespace keeps a stream flowing through a raw post-copy `virsh migrate` a → b. No reset, no
 * lost or reordered byte; the longest gap in the stream is printed next to libvirt's downtime.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { execa } from "execa";
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDomainXml } from "../../src/libvirt/domain-xml.js";
import { startMigration } from "../../src/libvirt/migrate.js";
import { guestCmdline } from "../../src/lab/guest/console.js";
import { consolePath, consolePathInHost, guestImages, removeGuest } from "../../src/lab/guests.js";
import { connect, hostUri, migrationUri } from "../../src/lab/lab.js";
import { HOST_NAMES } from "../../src/lab/paths.js";
import { GUEST_NET } from "../../src/lab/topology.js";
import { requireLab } from "./lab-setup.js";
import { STREAM_CLIENT, type StreamResult } from "../../src/lab/tcp-stream.js";

const NAME = "lab-net-stream";
const IP = `${GUEST_NET.guestBase}21`;
const PORT = 7000;

/** The lab guest's domain XML plus one virtio NIC on lab-net (added with the XML library). */
async function domainXml(): Promise<string> {
  const images = await guestImages();
  const base = buildDomainXml({
    name: NAME,
    memoryMib: 256,
    vcpus: 1,
    type: "qemu",
    kernel: images.kernel,
    initrd: images.initrd,
    cmdline: `${guestCmdline({ memMib: 32, rateMibPerS: 8, heartbeatMs: 500 })} lv.ip=${IP}/${GUEST_NET.prefixLen} lv.echo=${PORT}`,
    consoleLog: consolePathInHost(NAME),
    onReboot: "destroy",
  });
  const opts = { ignoreAttributes: false, attributeNamePrefix: "@_" };
  const doc = new XMLParser(opts).parse(base) as { domain: { devices: Record<string, unknown> } };
  doc.domain.devices.interface = {
    "@_type": "network",
    source: { "@_network": GUEST_NET.libvirtNetwork },
    mac: { "@_address": "52:54:00:4c:56:15" },
    model: { "@_type": "virtio" },
  };
  return new XMLBuilder({ ...opts, format: true, suppressEmptyNode: true }).build(doc) as string;
}

beforeAll(async () => {
  await requireLab();
  for (const h of HOST_NAMES) await removeGuest(h, NAME);
}, 60_000);
afterAll(async () => {
  for (const h of HOST_NAMES) await removeGuest(h, NAME);
});

describe("lab guest network: a TCP stream through a post-copy move", () => {
  it("keeps flowing a → b: nothing lost, reordered or reset", async () => {
    for (const h of HOST_NAMES) rmSync(consolePath(h, NAME), { force: true });
    const a = connect("a");
    await a.defineXml(await domainXml());
    await a.start(NAME);
    const consoleText = () => (existsSync(consolePath("a", NAME)) ? readFileSync(consolePath("a", NAME), "utf8") : "");
    const deadline = Date.now() + 90_000;
    while (!/LVNET listening/.test(consoleText()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(consoleText()).toContain(`LVNET eth0 ip=${IP}/${GUEST_NET.prefixLen}`);

    const client = execa("ip", ["netns", "exec", GUEST_NET.clientNetns, "node", "-e", STREAM_CLIENT, IP, String(PORT), "20000"], { reject: false });
    await new Promise((r) => setTimeout(r, 4000)); // the stream is flowing before the move starts
    const move = startMigration(hostUri("a"), NAME, migrationUri("b"), {
      live: true,
      p2p: true,
      postcopy: true,
      postcopyAfterPrecopy: true,
      persistent: true,
      undefineSource: true,
    });
    await move.done;
    const job = await connect("b").domJobInfo(NAME, { completed: true });
    const r = await client;
    const lines = String(r.stdout).trim().split("\n");
    expect(lines[0]).toBe("connected");
    const stream = JSON.parse(lines[lines.length - 1]!) as StreamResult;
    process.stdout.write(
      `[guest-network] stream ${stream.sent} bytes echoed ${stream.recv}, longest gap ${stream.maxGapMs} ms; ` +
        `libvirt downtime ${job.downtimeMs ?? "unknown"} ms\n`,
    );
    expect(stream.err).toBeNull();
    expect(stream.bad).toBe(0);
    expect(stream.recv).toBe(stream.sent);
    expect(stream.sent).toBeGreaterThan(100_000); // a stream really flowed (512 B per 10 ms tick for 20 s when the machine keeps up)
    expect((await connect("b").domainState(NAME)).state).toBe("running");
    expect((await connect("a").listDomains({ all: true })).map((d) => d.name)).not.toContain(NAME);
  }, 180_000);
});
