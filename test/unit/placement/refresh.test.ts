/**
 * The shared refresh listing (src/placement/refresh.ts): what it may answer itself and what it
 * leaves to locate(), and that concurrent reads share one listing per host. The hosts are fakes
 * that count their calls (the parsers are tested on captured output in test/unit/libvirt).
 */
import { describe, expect, it } from "vitest";
import type { DomainStatsState } from "../../../src/libvirt/parse/domstats-state.js";
import type { Placement } from "../../../src/model/index.js";
import { answerFromListings, SharedListings, type HostListing, type ListingConnection } from "../../../src/placement/refresh.js";

type Dom = { name: string; uuid: string; state: DomainStatsState["state"]; reason: string | null; bridge?: string };

const run = (name: string, uuid: string, reason = "booted"): Dom => ({ name, uuid, state: "running", reason });

function listing(host: string, doms: Dom[]): HostListing {
  return {
    host,
    states: doms.map((d) => ({ name: d.name, state: d.state, reason: d.reason, reasonCode: 1 })),
    described: new Map(
      doms
        .filter((d) => d.state === "running")
        .map((d) => {
          const interfaces = d.bridge ? [{ type: "bridge", bridge: d.bridge, mac: "52:54:00:AA:00:01" }] : [];
          return [d.name, { name: d.name, uuid: d.uuid, type: "qemu", interfaces }];
        }),
    ),
  };
}

describe("answerFromListings: only what locate() would say beyond doubt", () => {
  it("a VM running (booted) on one host, nowhere else: its placement there, interfaces as the model has them", () => {
    const p = answerFromListings("u1", [listing("a", [run("vm1", "u1")]), listing("b", [{ ...run("vm2", "u2"), bridge: "br0" }])]);
    expect(p).toEqual({ uuid: "u1", name: "vm1", host: "a", domainType: "qemu", state: "running", reason: "booted", networkInterfaces: [] });
    expect(answerFromListings("u2", [listing("a", []), listing("b", [{ ...run("vm2", "u2"), bridge: "br0" }])])!.networkInterfaces).toEqual([
      { network: null, bridge: "br0", mac: "52:54:00:aa:00:01", model: "virtio" },
    ]);
  });

  it("moved behind Terraform's back: found on the host it is on now, whatever the state said", () => {
    expect(answerFromListings("u1", [listing("a", []), listing("b", [run("vm1", "u1", "migrated")])])).toMatchObject({ host: "b", leftovers: [] });
  });

  it.each<[string, HostListing[]]>([
    ["not on any host (destroyed? a host listed before the VM arrived?)", [listing("a", []), listing("b", [])]],
    ["shut off", [listing("a", [{ name: "vm1", uuid: "u1", state: "shut off", reason: "destroyed" }])]],
    ["paused by the user", [listing("a", [{ name: "vm1", uuid: "u1", state: "paused", reason: "user" }])]],
    ["running in post-copy", [listing("a", [run("vm1", "u1", "post-copy")])]],
    ["running for a reason the parser has no word for", [listing("a", [run("vm1", "u1", null as unknown as string)])]],
    [
      "running, a leftover definition on the other host",
      [listing("a", [run("vm1", "u1", "migrated")]), listing("b", [{ ...run("vm1", "u1"), state: "shut off", reason: "migrated" }])],
    ],
    [
      "running, the other end of a move paused on the other host",
      [listing("a", [run("vm1", "u1")]), listing("b", [{ ...run("vm1", "u1"), state: "paused", reason: null }])],
    ],
    ["running on both hosts (listed at two moments of a move)", [listing("a", [run("vm1", "u1")]), listing("b", [run("vm1", "u1", "migrated")])]],
  ])("%s → locate()", (_why, ls) => {
    expect(answerFromListings("u1", ls)).toBeUndefined();
  });
});

/** Two hosts whose connections count listings and can be held until released. */
function fakeHosts(doms: Record<string, Dom[]>) {
  const counts = { domainStates: 0, dumpXmls: 0, names: [] as string[][] };
  let fail: string | null = null;
  const conn = (host: string): ListingConnection => ({
    domainStates: async () => {
      counts.domainStates++;
      await new Promise((r) => setTimeout(r, 5));
      if (fail === host) throw new Error(`host ${host} does not answer`);
      return listing(host, doms[host]!).states.map((s) => ({ ...s }));
    },
    dumpXmls: async (names) => {
      counts.dumpXmls++;
      counts.names.push([...names]);
      return names.map((n) => listing(host, doms[host]!).described.get(n)!).map((x) => ({ ...x, interfaces: [...x.interfaces] })) as never;
    },
  });
  const conns = Object.fromEntries(Object.keys(doms).map((h) => [h, conn(h)]));
  return { hosts: { names: () => Object.keys(doms), connection: (h: string) => conns[h]! }, counts, failOn: (h: string | null) => (fail = h) };
}

function setup(doms: Record<string, Dom[]>) {
  const f = fakeHosts(doms);
  const located: string[] = [];
  const locate = async (uuid: string): Promise<Placement | null> => {
    located.push(uuid);
    return null;
  };
  let clock = 0;
  const shared = new SharedListings(f.hosts, locate, { ttlMs: 1000, now: () => clock });
  return { ...f, located, shared, tick: (ms: number) => (clock += ms) };
}

const VMS = Array.from({ length: 12 }, (_, i) => run(`vm${i}`, `u${i}`));

describe("SharedListings: one listing per host for the reads of a refresh", () => {
  it("12 concurrent reads of VMs on two hosts: 1 domainStates + 1 dumpXmls per host, every VM answered, none asked alone", async () => {
    const s = setup({ a: VMS.slice(0, 6), b: VMS.slice(6) });
    const found = await Promise.all(VMS.map((v) => s.shared.read(v.uuid, "a")));
    expect(found.map((p) => p && `${p.name}@${p.host}`)).toEqual(VMS.map((v, i) => `${v.name}@${i < 6 ? "a" : "b"}`));
    expect(s.counts).toMatchObject({ domainStates: 2, dumpXmls: 2 });
    expect(s.located).toEqual([]);
  });

  it("only ordinary running domains are described; the others go to locate() one by one", async () => {
    const s = setup({ a: [run("vm0", "u0"), { ...run("vm1", "u1"), state: "paused", reason: "user" }], b: [run("vm2", "u2", "post-copy")] });
    expect(await s.shared.read("u0")).toMatchObject({ host: "a" });
    expect(await s.shared.read("u1")).toBeNull();
    expect(await s.shared.read("u2")).toBeNull();
    expect(s.counts.names).toEqual([["vm0"], []]);
    expect(s.located).toEqual(["u1", "u2"]);
  });

  it("a listing answers within its window after it is taken, and a later read takes a new one", async () => {
    const s = setup({ a: VMS.slice(0, 1), b: [] });
    await s.shared.read("u0");
    s.tick(1000);
    await s.shared.read("u0");
    expect(s.counts.domainStates).toBe(2);
    s.tick(1001);
    await s.shared.read("u0");
    expect(s.counts.domainStates).toBe(4);
  });

  it("invalidate(): the next read lists that host again (a change through this process)", async () => {
    const s = setup({ a: VMS.slice(0, 1), b: [] });
    await s.shared.read("u0");
    s.shared.invalidate(["a"]);
    await s.shared.read("u0");
    expect(s.counts.domainStates).toBe(3);
    s.shared.invalidate();
    await s.shared.read("u0");
    expect(s.counts.domainStates).toBe(5);
  });

  it("a host whose listing fails: every read goes to locate() (which says what is wrong), and the failure is not retried per read", async () => {
    const s = setup({ a: VMS.slice(0, 3), b: [] });
    s.failOn("b");
    await Promise.all(VMS.slice(0, 3).map((v) => s.shared.read(v.uuid)));
    expect(s.located).toEqual(["u0", "u1", "u2"]);
    expect(s.counts.domainStates).toBe(2);
  });

  it("tells of every listing it takes: host, time, and what it found", async () => {
    const f = fakeHosts({ a: VMS.slice(0, 2), b: [] });
    const seen: string[] = [];
    const shared = new SharedListings(f.hosts, async () => null, {
      onListing: (host, ms, r) => seen.push(`${host} ${ms >= 0} ${r instanceof Error ? r.message : r.described.size}`),
    });
    await Promise.all([shared.read("u0"), shared.read("u1")]);
    expect(seen.sort()).toEqual(["a true 2", "b true 0"]);
  });
});
