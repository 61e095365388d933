/**
 * Synth-time validation: every bad input must fail synthesis with one line that names the
 * construct path, the field, the bad value and the fix. Stacks are built in-process (no CLI);
 * test/integration/cdktf-plan.test.ts checks the real `cdktf synth` exits non-zero with them.
 */
import { Testing, TerraformStack } from "cdktf";
import { testApp } from "./testing-app.js";
import { describe, expect, it } from "vitest";
import { LivevirtHosts, VmPlacement, type Host, type VmPlacementProps } from "../../../modules/index.js";

const HOSTS: Host[] = [
  { name: "a", uri: "qemu+ssh://root@kvm-a/system", migrationUri: "qemu+tcp://10.77.0.1/system" },
  { name: "b", uri: "qemu+tls://kvm-b/system" },
];

/** All validation messages of a stack, as cdktf's synth would collect them. */
function problems(stack: TerraformStack): string[] {
  return stack.node.findAll().flatMap((n) => n.node.validate());
}

function stackWith(opts: { hosts?: unknown; vm?: Partial<VmPlacementProps> | Record<string, unknown>; extra?: (s: TerraformStack) => void }) {
  const stack = new TerraformStack(testApp(), "s");
  new LivevirtHosts(stack, "hosts", { hosts: (opts.hosts ?? HOSTS) as Host[] });
  new VmPlacement(stack, "web", { host: "a", ...(opts.vm ?? {}) } as VmPlacementProps);
  opts.extra?.(stack);
  return stack;
}

/** Exactly one problem, and it names path, field, value and fix. */
function expectOne(stack: TerraformStack, path: string, field: string, value: string | null, fix: RegExp): string {
  const all = problems(stack).filter((m) => m.startsWith("livevirt:")); // cdktf may add its own
  expect(all, all.join("\n")).toHaveLength(1);
  const msg = all[0]!;
  expect(msg.startsWith(`livevirt: ${path}: ${field} `), msg).toBe(true);
  if (value === null) expect(msg).toContain(`${field} is missing`);
  else expect(msg).toContain(`${field} = ${value} is invalid`);
  expect(msg).toMatch(/\. Fix: .+\.$/);
  expect(msg).toMatch(fix);
  return msg;
}

describe("VmPlacement validation", () => {
  it("memoryMib below 16 (the brief's format; rule and fix are the model's, spelled as props)", () => {
    const msg = expectOne(stackWith({ vm: { memoryMib: -5 } }), "s/web", "memoryMib", "-5", /Fix: set memoryMib to a whole number between 16 and 1048576 MiB/);
    expect(msg).toBe("livevirt: s/web: memoryMib = -5 is invalid: must be at least 16. Fix: set memoryMib to a whole number between 16 and 1048576 MiB.");
  });

  it("fractional memoryMib", () => {
    expectOne(stackWith({ vm: { memoryMib: 256.5 } }), "s/web", "memoryMib", "256.5", /must be a whole number\. Fix: set memoryMib to a whole number/);
  });

  it("vcpus 0", () => {
    expectOne(stackWith({ vm: { vcpus: 0 } }), "s/web", "vcpus", "0", /must be at least 1\. Fix: set vcpus to a whole number between 1 and 256 vCPUs/);
  });

  it("unknown host lists the declared ones", () => {
    const msg = expectOne(
      stackWith({ vm: { host: "c" } }),
      "s/web",
      "host",
      '"c"',
      /Fix: use one of the declared hosts: "a", "b" — or declare a host named "c"\.$/,
    );
    expect(msg).toContain("is not a declared host in s/hosts");
  });

  it("empty host", () => {
    expectOne(stackWith({ vm: { host: "" } }), "s/web", "host", '""', /must not be empty\. Fix: name one of the declared hosts/);
  });

  it("missing host (JavaScript caller)", () => {
    const stack = new TerraformStack(testApp(), "s");
    new LivevirtHosts(stack, "hosts", { hosts: HOSTS });
    new VmPlacement(stack, "web", {} as VmPlacementProps);
    const all = problems(stack);
    expect(all.some((m) => m.startsWith("livevirt: s/web: host is missing: is required. Fix: name one of the declared hosts"))).toBe(true);
  });

  it("bad VM name (default name = construct id is checked too)", () => {
    expectOne(stackWith({ vm: { name: "web server" } }), "s/web", "name", '"web server"', /must be 1–64 characters.*Fix: .*name the VM like "web1"/);
  });

  it("duplicate VM names name the first user", () => {
    const stack = stackWith({ extra: (s) => new VmPlacement(s, "web2", { name: "web", host: "b" }) });
    expectOne(stack, "s/web2", "name", '"web"', /s\/web already uses this VM name\. Fix: give each VM its own name\.$/);
  });

  it("VM names that collide as Terraform addresses", () => {
    const stack = stackWith({ vm: { name: "web.1" }, extra: (s) => new VmPlacement(s, "other", { name: "web_1", host: "b" }) });
    expectOne(stack, "s/other", "name", '"web_1"', /same Terraform address livevirt_vm\.web_1 as s\/web/);
  });

  it("unknown domainType", () => {
    expectOne(
      stackWith({ vm: { domainType: "xen" as never } }),
      "s/web",
      "domainType",
      '"xen"',
      /must be one of "auto", "kvm", "qemu"\. Fix: set domainType to one of auto, kvm, qemu\.$/,
    );
  });

  it("relative kernel path", () => {
    expectOne(
      stackWith({ vm: { boot: { kernel: "vmlinuz" } } }),
      "s/web",
      "boot.kernel",
      '"vmlinuz"',
      /must be an absolute path on the host\. Fix: write boot\.kernel as an absolute path/,
    );
  });

  it("boot without kernel", () => {
    expectOne(
      stackWith({ vm: { boot: { initrd: "/i.img" } as never } }),
      "s/web",
      "boot.initrd",
      '"/i.img"',
      /needs boot\.kernel\. Fix: set boot\.kernel too, or remove boot\.initrd\.$/,
    );
  });

  it("relative consoleLog", () => {
    expectOne(stackWith({ vm: { consoleLog: "web.log" } }), "s/web", "consoleLog", '"web.log"', /Fix: write consoleLog as an absolute path/);
  });

  it("disk: bad format and relative path, both reported (allErrors)", () => {
    const all = problems(stackWith({ vm: { disks: [{ path: "web.img", format: "vmdk" as never }] } }));
    expect(all).toHaveLength(2);
    expect(all).toContainEqual(
      expect.stringMatching(
        /^livevirt: s\/web: disks\[0\]\.path = "web\.img" is invalid: must be an absolute path.*Fix: write disks\[0\]\.path as an absolute path/,
      ),
    );
    expect(all).toContainEqual(
      expect.stringMatching(
        /^livevirt: s\/web: disks\[0\]\.format = "vmdk" is invalid: must be one of "raw", "qcow2"\. Fix: set disks\[0\]\.format to one of raw, qcow2\.$/,
      ),
    );
  });

  it("migration.mode typo", () => {
    expectOne(
      stackWith({ vm: { migration: { mode: "post-copy" as never } } }),
      "s/web",
      "migration.mode",
      '"post-copy"',
      /must be one of "postcopy", "precopy"/,
    );
  });

  it("migration.timeoutS 0", () => {
    expectOne(
      stackWith({ vm: { migration: { timeoutS: 0 } } }),
      "s/web",
      "migration.timeoutS",
      "0",
      /must be at least 1\. Fix: set migration\.timeoutS to a whole number between 1 and 604800 seconds/,
    );
  });

  it("migration.switch with precopy (cross-field)", () => {
    expectOne(
      stackWith({ vm: { migration: { mode: "precopy", switch: "stall" } } }),
      "s/web",
      "migration.switch",
      '"stall"',
      /only applies to post-copy moves\. Fix: remove migration\.switch, or set migration: \{ mode: "postcopy" \}\.$/,
    );
  });

  it("misspelt prop names the known fields", () => {
    expectOne(
      stackWith({ vm: { memoryMB: 256 } }),
      "s/web",
      "memoryMB",
      "256",
      /is not a field of these props\. Fix: remove it or correct its spelling; VmPlacement fields are: name, host, memoryMib/,
    );
  });

  it("no LivevirtHosts in the stack", () => {
    const stack = new TerraformStack(testApp(), "s");
    new VmPlacement(stack, "web", { host: "a" });
    expectOne(stack, "s/web", "host", '"a"', /this stack declares no hosts\. Fix: add new LivevirtHosts\(stack, "hosts"/);
  });
});

describe("LivevirtHosts validation", () => {
  it("bad URI scheme", () => {
    const msg = expectOne(
      stackWith({ hosts: [{ name: "a", uri: "http://kvm-a/system" }] }),
      "s/hosts",
      "hosts[0].uri",
      '"http://kvm-a/system"',
      /scheme "http" is not a libvirt scheme.*Fix: use a libvirt URI such as qemu:\/\/\/system/,
    );
    expect(msg).toContain("is invalid");
  });

  it("not a URI at all, in migrationUri", () => {
    expectOne(
      stackWith({ hosts: [{ name: "a", uri: "qemu:///system", migrationUri: "10.0.0.2" }] }),
      "s/hosts",
      "hosts[0].migrationUri",
      '"10.0.0.2"',
      /it is not a URI\. Fix: .*reachable from the other hosts/,
    );
  });

  it("passwords in URIs are never echoed", () => {
    const msg = expectOne(
      stackWith({ hosts: [{ name: "a", uri: "http://root:hunter2@kvm-a/system" }] }),
      "s/hosts",
      "hosts[0].uri",
      '"http://root:***@kvm-a/system"',
      /Fix/,
    );
    expect(msg).not.toContain("hunter2");
  });

  it("bad host name", () => {
    const stack = stackWith({ hosts: [{ name: "A", uri: "qemu:///system" }], vm: { host: "A" } });
    const all = problems(stack);
    expect(all).toContain(
      'livevirt: s/hosts: hosts[0].name = "A" is invalid: must be 1–32 characters: a lowercase letter first, then lowercase letters, digits, _ or -. ' +
        'Fix: name the host like "a", "kvm-b" or "rack1_host3" (1–32 characters: a lowercase letter first, then lowercase letters, digits, _ or -).',
    );
  });

  it("shell given as one string instead of argv words", () => {
    expectOne(
      stackWith({ hosts: [{ name: "a", uri: "qemu+ssh://kvm-a/system", shell: "ssh root@kvm-a" }] }),
      "s/hosts",
      "hosts[0].shell",
      '"ssh root@kvm-a"',
      /must be array\. Fix: give the command as argv words, e\.g\. \["ssh", "root@kvm-a"\]/,
    );
  });

  it("duplicate host names", () => {
    expectOne(
      stackWith({
        hosts: [
          { name: "a", uri: "qemu:///system" },
          { name: "a", uri: "qemu+ssh://kvm-b/system" },
        ],
      }),
      "s/hosts",
      "hosts[1].name",
      '"a"',
      /is already the name of hosts\[0\]\. Fix: give each host its own name\.$/,
    );
  });

  it("no hosts", () => {
    expectOne(stackWithNoVm([]), "s/hosts", "hosts", "[]", /must declare at least one host\. Fix: declare at least one host/);
  });

  it("two LivevirtHosts in one stack", () => {
    const stack = stackWith({ extra: (s) => new LivevirtHosts(s, "more", { hosts: [{ name: "c", uri: "qemu:///system" }] }) });
    expectOne(stack, "s/more", "hosts", '["c"]', /already declares its hosts in s\/hosts\. Fix: move these hosts into s\/hosts/);
  });
});

function stackWithNoVm(hosts: Host[]): TerraformStack {
  const stack = new TerraformStack(testApp(), "s");
  new LivevirtHosts(stack, "hosts", { hosts });
  return stack;
}

describe("how validation surfaces", () => {
  it("fails synthesis with every problem of the stack, each with its construct path", () => {
    const stack = stackWith({ vm: { memoryMib: 8, host: "z" }, extra: (s) => new VmPlacement(s, "db", { host: "b", vcpus: -1 }) });
    expect(() => Testing.synth(stack, true)).toThrowError(
      /\[s\/web\] livevirt: s\/web: memoryMib = 8[\s\S]*\[s\/web\] livevirt: s\/web: host = "z"[\s\S]*\[s\/db\] livevirt: s\/db: vcpus = -1/,
    );
  });

  it("values known only at apply time (tokens) are left to the provider", async () => {
    const { TerraformVariable } = await import("cdktf");
    const stack = new TerraformStack(testApp(), "s");
    new LivevirtHosts(stack, "hosts", { hosts: HOSTS });
    const mem = new TerraformVariable(stack, "mem", { type: "number" });
    const host = new TerraformVariable(stack, "host", { type: "string" });
    new VmPlacement(stack, "web", { host: host.stringValue, memoryMib: mem.numberValue });
    expect(problems(stack)).toEqual([]);
  });

  it("a good stack has no problems", () => {
    expect(
      problems(
        stackWith({
          vm: { memoryMib: 256, boot: { kernel: "/k", initrd: "/i", cmdline: "console=ttyS0" }, migration: { mode: "precopy", bandwidthMib: 100 } },
        }),
      ),
    ).toEqual([]);
  });
});

describe("VmPlacement disks from storage pools", () => {
  it("a pool volume synthesizes disk { pool, volume } and passes validation", () => {
    const stack = stackWith({ vm: { disks: [{ pool: "vms", volume: "web.qcow2", format: "qcow2", shared: false }], migration: { copyStorage: true } } });
    expect(problems(stack).filter((m) => m.startsWith("livevirt:"))).toEqual([]);
    const vm = Object.values((JSON.parse(Testing.synth(stack)) as { resource: { livevirt_vm: Record<string, { disk: unknown[] }> } }).resource.livevirt_vm)[0]!;
    expect(vm.disk).toEqual([{ pool: "vms", volume: "web.qcow2", format: "qcow2", shared: false }]);
  });

  it("a path and a pool volume in one disk, or a volume without its pool: one line naming field, value and fix", () => {
    expectOne(
      stackWith({ vm: { disks: [{ path: "/var/lib/livevirt/web.img", pool: "vms", volume: "web.qcow2" }] } }),
      "s/web",
      "disks[0].pool",
      '"vms"',
      /cannot be set together with disks\[0\]\.path\. Fix: give the disk an image file \(disks\[0\]\.path.*exactly one of the two\.$/,
    );
    expectOne(stackWith({ vm: { disks: [{ volume: "web.qcow2" }] } }), "s/web", "disks[0].pool", null, /Fix: set disks\[0\]\.pool too/);
  });
});
