/**
 * runVirsh and Connection against the real virsh binary, using libvirt's built-in test driver
 * (`test:///default`: an in-process fake host, no daemon; every virsh process gets a fresh one).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainNotFoundError, LibvirtError } from "../../../src/errors.js";
import { buildDomainXml, renderDomainXml } from "../../../src/libvirt/domain-xml.js";
import { MigrationError, VirshAbortedError, VirshTimeoutError } from "../../../src/libvirt/errors.js";
import { Connection, DUMPXML_BATCH, observeVirshCalls, runVirsh, type VirshCall } from "../../../src/libvirt/virsh.js";
import { HOSTILE, HOSTILE_CMDLINE } from "./fixtures.js";

const TEST = "test:///default";
const c = new Connection(TEST, { timeoutMs: 15_000 });
const tmp = mkdtempSync(join(tmpdir(), "livevirt-virsh-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("runVirsh / Connection on test:///default", () => {
  it("version (test driver, --daemon form)", async () => {
    const v = await c.version();
    expect(v.hypervisor.name).toBe("TEST");
    expect(v.api.driver).toBe("TEST");
    expect(v.library).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("list --all", async () => {
    expect(await c.listDomains({ all: true })).toEqual([{ id: 1, name: "test", state: "running" }]);
  });

  it("dumpxml test", async () => {
    const d = await c.dumpXml("test");
    expect(d).toMatchObject({ type: "test", id: 1, name: "test", uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f", vcpus: 2, memoryBytes: 8 * 1024 ** 3 });
    expect(d.disks).toEqual([{ type: "file", device: "disk", format: undefined, path: "/guest/diskimage1", target: "vda", bus: "virtio" }]);
    expect(d.interfaces).toHaveLength(1);
  });

  it("state, uuid, hostname, nodeinfo, freecell, capabilities", async () => {
    expect(await c.domainState("test")).toEqual({ state: "running", reason: "unknown" });
    expect(await c.domainUuid("test")).toBe("6695eb01-f6a4-8304-79aa-97f2502e193f");
    expect(await c.hostname()).not.toBe("");
    expect((await c.nodeInfo()).cpus).toBe(16);
    expect(await c.freeMemory()).toBeGreaterThan(0);
    expect((await c.capabilities()).arch).toBe("i686");
  });

  it("a missing domain is DomainNotFoundError; destroy treats it as done", async () => {
    await expect(c.dumpXml("nosuch")).rejects.toBeInstanceOf(DomainNotFoundError);
    await expect(c.dumpXml("--live")).rejects.toBeInstanceOf(DomainNotFoundError);
    expect(await c.destroy("nosuch")).toBe("not-found");
    expect(await c.destroy("test")).toBe("destroyed");
    expect(await c.undefine("nosuch", { missingOk: true })).toBe("not-found");
  });

  it("unsupported calls are LibvirtError with libvirt's message", async () => {
    const e = await c.domJobInfo("test").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LibvirtError);
    expect((e as LibvirtError).message).toMatch(/not supported by the connection driver/);
    await expect(runVirsh(TEST, ["no-such-command"])).rejects.toThrow(/unknown command/);
  });

  it("defineXml accepts a built definition", async () => {
    await expect(c.defineXml(buildDomainXml({ name: "lv-1", memoryMib: 64, vcpus: 1, type: "qemu" }))).resolves.toBeUndefined();
    await expect(c.defineXml("<domain")).rejects.toBeInstanceOf(LibvirtError);
  });

  it("a passed AbortSignal kills virsh", async () => {
    const ac = new AbortController();
    const p = runVirsh(TEST, ["event", "--all", "--loop"], { signal: ac.signal, timeoutMs: 10_000 });
    setTimeout(() => ac.abort(), 200);
    await expect(p).rejects.toBeInstanceOf(VirshAbortedError);
  });

  it("migrate on the test driver fails as MigrationError (or hits virsh's lost-wakeup hang)", async () => {
    // The test driver cannot migrate: virsh fails at once, and virsh 11.3 then sometimes hangs
    // (see MigrationHandle.done). Either outcome must end the promise with a typed error.
    const h = c.migrate("test", "test:///default", { postcopy: true, processTimeoutMs: 4_000, killGraceMs: 300 });
    const e = await h.done.catch((x: unknown) => x);
    if (e instanceof VirshTimeoutError) return;
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as MigrationError).failure).toEqual({ kind: "unknown", message: "this function is not supported by the connection driver: virDomainMigrate3" });
  });

  it("migrate --help lists post-copy flags", async () => {
    const help = await c.migrateHelp();
    expect(help.options.has("postcopy-after-precopy")).toBe(true);
  });

  it("events(): an unreachable host ends the iteration with a LibvirtError", async () => {
    const stream = new Connection("qemu+tcp://127.0.0.1:1/system").events();
    await expect(stream.next()).rejects.toBeInstanceOf(LibvirtError);
  });
});

describe("libvirt itself reads our XML as meant (not fooled by hostile strings)", () => {
  it("name and cmdline come back exact from libvirt's parser; no injected devices", async () => {
    const xml = renderDomainXml({
      name: HOSTILE,
      uuid: "9d2e73aa-e829-4260-868c-80852db936d7",
      memoryMib: 64,
      vcpus: 1,
      type: "qemu",
      kernel: "/k",
      cmdline: HOSTILE_CMDLINE,
    });
    // A test-driver node file: libvirt loads the domain with its own XML parser.
    const node = join(tmp, "node.xml");
    writeFileSync(node, `<node>\n${xml}\n</node>\n`);
    const host = new Connection(`test://${node}`);
    const names = await host.listDomains({ all: true });
    expect(names.map((d) => d.name)).toEqual([HOSTILE]);
    const back = await host.dumpXml(HOSTILE);
    expect(back.name).toBe(HOSTILE);
    expect(back.os.cmdline).toBe(HOSTILE_CMDLINE);
    expect(back.interfaces).toEqual([]);
    expect(back.disks).toEqual([]);
  });
});

describe("a host's listing in two virsh processes: domainStates and dumpXmls", () => {
  const dom = (name: string, uuid: string) =>
    `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;
  // Names virsh's command line would split or comment out if they were not quoted: ; # $ and spaces.
  const ODD = "semi;colon #hash $x y";
  const many = Array.from({ length: DUMPXML_BATCH + 3 }, (_, i) => dom(`d${i}`, `00000000-0000-0000-0000-${String(i).padStart(12, "0")}`));
  const node = join(tmp, "listing-node.xml");
  writeFileSync(
    node,
    `<node>\n${dom(ODD, "22222222-2222-2222-2222-222222222222")}\n${dom("it's", "33333333-3333-3333-3333-333333333333")}\n${many.join("\n")}\n</node>\n`,
  );
  const host = new Connection(`test://${node}`, { timeoutMs: 15_000 });
  const calls: VirshCall[] = [];
  const stop = observeVirshCalls((call) => calls.push(call));
  afterAll(stop);

  it("domainStates: every domain in one process", async () => {
    calls.length = 0;
    const states = await host.domainStates();
    expect(states).toHaveLength(DUMPXML_BATCH + 5);
    expect(states.find((s) => s.name === ODD)).toMatchObject({ state: "running" });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.command.slice(3)).toEqual(["domstats", "--state"]);
  });

  it("dumpXmls: one process per DUMPXML_BATCH names, quoted; a missing name is left out, and so is a name it cannot quote", async () => {
    calls.length = 0;
    const names = [ODD, "it's", "no-such-domain", ...many.map((_, i) => `d${i}`)];
    const xs = await host.dumpXmls(names);
    expect(xs.map((x) => x.name)).toEqual([ODD, ...many.map((_, i) => `d${i}`)]);
    expect(xs[0]!.uuid).toBe("22222222-2222-2222-2222-222222222222");
    expect(calls).toHaveLength(2);
    expect(calls[0]!.command[3]).toMatch(/^dumpxml --domain 'semi;colon #hash \$x y'; dumpxml --domain 'no-such-domain'; dumpxml --domain 'd0';/);
  });

  it("dumpXmls of nothing runs no virsh; an unreachable host throws", async () => {
    calls.length = 0;
    expect(await host.dumpXmls([])).toEqual([]);
    expect(calls).toHaveLength(0);
    await expect(new Connection("qemu+tcp://127.0.0.1:1/system").dumpXmls(["x"])).rejects.toBeInstanceOf(LibvirtError);
  });
});
