/** The model's rules, in the model's own words: every layer (synth, plan, create) applies these. */
import { describe, expect, it } from "vitest";
import {
  MIGRATION_DEFAULTS,
  MODEL_SPELLING,
  VM_NAME,
  assign,
  attachDisks,
  hostsProblems,
  isNetworkAddress,
  migrationDataUri,
  migrationProblems,
  ref,
  resolveMigration,
  spell,
  spellProblem,
  unknownHostProblem,
  vmProblems,
  type Spelling,
} from "../../../src/model/index.js";

const fields = (vm: Record<string, unknown>) => vmProblems(vm).map((p) => p.field);

describe("VM rules", () => {
  it("one VM name rule: letters or digits first, then _ . + - too, 1–64 characters", () => {
    for (const ok of ["web1", "db.primary", "a_b-c", "db+1", "W".repeat(64)]) expect(VM_NAME.test(ok), ok).toBe(true);
    for (const bad of ["", "_web", ".web", "+web", "-web", "my vm", "a/b", "x".repeat(65)]) expect(fields({ name: bad }), bad).toEqual(["name"]);
  });

  it("bounds, enums and paths name field, value, reason and fix", () => {
    expect(vmProblems({ memoryMib: 8 })).toEqual([
      { field: "memoryMib", value: 8, reason: "must be at least 16", fix: "set ‹memoryMib› to a whole number between 16 and 1048576 MiB" },
    ]);
    expect(fields({ vcpus: 1.5, domainType: "xen", kernel: "vmlinuz", consoleLog: "/x\ny" })).toEqual(["vcpus", "domainType", "kernel", "consoleLog"]);
  });

  it("initrd and cmdline need a kernel; a kernel known only later is not absent", () => {
    expect(fields({ initrd: "/i", cmdline: "x" })).toEqual(["initrd", "cmdline"]);
    expect(fields({ initrd: "/i", cmdline: "x", kernel: Symbol("unknown") })).toEqual([]);
  });

  it("two disks on one device — also through the targets assigned by position — and one image twice", () => {
    expect(
      fields({
        disks: [
          { path: "/a", target: "vdb" },
          { path: "/b", target: "vdb" },
        ],
      }),
    ).toEqual(["disks.1.target"]);
    expect(fields({ disks: [{ path: "/a" }, { path: "/b", target: "vda" }] })).toEqual(["disks.1.target"]);
    expect(fields({ disks: [{ path: "/a" }, { path: "/a" }] })).toEqual(["disks.1.path"]);
    expect(fields({ disks: [{ path: "/a" }, { path: "/b" }, { path: "/c", target: "sda" }] })).toEqual([]);
    expect(
      attachDisks([
        { path: "/a", pool: null, volume: null, format: "raw", target: null, shared: true },
        { path: "/b", pool: null, volume: null, format: "raw", target: "sdb", shared: true },
      ]).map((d) => d.target),
    ).toEqual(["vda", "sdb"]);
  });

  it("values of another type are left to the layer's shape check", () => {
    expect(vmProblems({ memoryMib: "512", name: 7, disks: "x", migration: 3 })).toEqual([]);
  });
});

describe("migration policy", () => {
  it("one default each (the move timeout is 600 s everywhere)", () => {
    expect(resolveMigration(null)).toEqual(MIGRATION_DEFAULTS);
    expect(MIGRATION_DEFAULTS.timeoutS).toBe(600);
    expect(resolveMigration({ mode: "precopy", bandwidthMib: 10 })).toMatchObject({ mode: "precopy", bandwidthMib: 10, timeoutS: 600, probe: true });
  });

  it("settings that only mean something with post-copy are refused with pre-copy", () => {
    const ps = migrationProblems({ mode: "precopy", switch: "stall", postcopyBandwidthMib: 5 });
    expect(ps.map((p) => p.field)).toEqual(["migration.switch", "migration.postcopyBandwidthMib"]);
    expect(spell(ps[0]!.fix, MODEL_SPELLING)).toBe('remove migration.switch, or set migration.mode = "postcopy"');
    expect(migrationProblems({ mode: "precopy", switch: "auto" })).toEqual([]);
  });
});

describe("hosts", () => {
  it("names, duplicates, shells and URIs, each with its list index", () => {
    const ps = hostsProblems([
      { name: "a", uri: "qemu:///system" },
      { name: "A", uri: "http://x/system" },
      { name: "a", uri: "qemu+ssh://root:pw@h", shell: [" "] },
    ]);
    expect(ps.map((p) => p.field)).toEqual(["hosts.1.name", "hosts.1.uri", "hosts.2.name", "hosts.2.shell", "hosts.2.uri"]);
    expect(ps.find((p) => p.field === "hosts.2.uri")!.value).toBe("qemu+ssh://root:***@h");
    expect(hostsProblems([]).map((p) => p.field)).toEqual(["hosts"]);
  });

  it("a migration address is an address only: IPv4, IPv6 or a DNS name, no scheme or port", () => {
    for (const ok of ["10.77.0.2", "fd00:77::2", "::1", "kvm-b", "kvm-b.migration.example"]) expect(isNetworkAddress(ok), ok).toBe(true);
    for (const bad of ["tcp://10.77.0.2", "10.77.0.2:49152", "10.77.0.256", "1.2.3", "kvm_b", "-kvm", "kvm b", "", "a::b::c"])
      expect(isNetworkAddress(bad), bad).toBe(false);
    const [p] = hostsProblems([{ name: "b", uri: "qemu:///system", migrationAddress: "tcp://10.77.0.2" }]);
    expect(p).toMatchObject({ field: "hosts.0.migrationAddress", value: "tcp://10.77.0.2", reason: "is not an IP address or a DNS name" });
    expect(p!.fix).toMatch(/no scheme, port or path/);
    expect(migrationDataUri("10.77.0.2")).toBe("tcp://10.77.0.2");
    expect(migrationDataUri("fd00:77::2")).toBe("tcp://[fd00:77::2]");
  });

  it("an undeclared host lists the declared ones", () => {
    expect(unknownHostProblem("host", "c", ["a", "b"]).fix).toBe('use one of the declared hosts: "a", "b" — or declare a host named "c"');
  });
});

describe("spelling: texts name fields through markers each layer renders", () => {
  const upper: Spelling = { field: (id) => id.toUpperCase(), assign: (id, json) => `${id.toUpperCase()} := ${json}` };
  it("renders names and assignments in the layer's words", () => {
    const text = `remove ${ref("migration.switch")}, or set ${assign("migration.mode", "postcopy")}`;
    expect(spell(text, upper)).toBe('remove MIGRATION.SWITCH, or set MIGRATION.MODE := "postcopy"');
    expect(spell(text, MODEL_SPELLING)).toBe('remove migration.switch, or set migration.mode = "postcopy"');
    expect(spellProblem({ field: "x", value: 1, reason: `needs ${ref("kernel")}`, fix: "f" }, upper).reason).toBe("needs KERNEL");
  });
});
