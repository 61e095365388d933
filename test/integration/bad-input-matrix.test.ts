/**
 * The bad-input matrix: every invalid input below must be rejected before anything touches a
 * host — at synth (the model's rules spelled as props, plus the constructs' shape and cross-construct checks, in-process with LivevirtApp) or at
 * plan (real Terraform with the real provider) — with one message that names the field, the bad
 * value and the fix. Around the whole matrix the test snapshots both lab hosts (`virsh list --all`
 * + each domain's persistent XML): a case that were wrongly accepted and got as far as libvirt
 * would show up as a created or changed domain (see the last test for how a lab shared with other
 * runs is handled).
 *
 * The valid parts of every configuration point at the real lab hosts (hostUri/migrationUri), so a
 * wrongly accepted case would really reach libvirt. Plan cases: host-block cases run one plan each
 * (their field, host.2.*, is the same for all), resource cases are batched (one resource per case,
 * one plan) and each diagnostic is attributed to its case by Terraform's diagnostic `address` (or,
 * for Terraform core's own schema errors, the source context) — and no diagnostic may be left over.
 *
 * Separate runs per phase because Terraform stops at the first failing one: provider-config errors
 * hide resource validation, and validation errors hide plan (PlanResourceChange) errors.
 *
 * Not covered at plan (reported, not tested here): duplicate VM names across resources — the
 * provider sees one resource at a time (synth catches them); a kernel path that does not exist on
 * the host — only create finds out today.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformStack } from "cdktf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, hostUri, migrationUri } from "../../src/lab/lab.js";
import { HOST_NAMES } from "../../src/lab/paths.js";
import { LivevirtApp, LivevirtHosts, VmPlacement, type Host, type VmPlacementProps } from "../../modules/index.js";
import { requireLab } from "./lab-setup.js";
import { TerraformDir } from "./support/terraform.js";

// ---------------------------------------------------------------------------------------------
// Cases

interface Expect {
  /** The field as the user spells it at that layer (camelCase props at synth, attribute path at plan). */
  field: string;
  /** The bad value as given (numbers stay numbers: synth prints them bare, plan quotes them). */
  value: unknown;
  /** A fragment of the fix. */
  fix: string | RegExp;
}

interface SynthInput {
  vm?: Record<string, unknown>;
  /** An extra (third) host appended to the lab's a and b, or the whole list when `hosts` is set. */
  extraHost?: Record<string, unknown>;
  hosts?: unknown[];
  /** Add more constructs (second VM, …). */
  extra?: (stack: TerraformStack) => void;
  /** Construct path the message must name (default bim/vm; bim/hosts for host cases). */
  path?: string;
}

interface PlanInput {
  /** A livevirt_vm resource's attributes (merged over a valid VM), validated by ValidateResourceConfig. */
  vm?: Record<string, unknown>;
  /** A third provider host block (merged over a valid block), validated by ValidateProviderConfig. */
  host?: Record<string, unknown>;
  /** Checked by PlanResourceChange (needs valid config): a create or a move from prior host "a". */
  planVm?: Record<string, unknown>;
  movedFrom?: string;
  /** The message comes from Terraform core (schema), not from livevirt: only the field is checked. */
  terraformCore?: boolean;
}

type Case = { id: string; what: string; expect: Expect } & ({ layer: "synth"; input: SynthInput } | { layer: "plan"; input: PlanInput });

const LONG_NAME = `bim-${"x".repeat(61)}`; // 65 characters
const INJECTION_NAMES: [string, string][] = [
  ["a '<'", "bim<x"],
  ["a quote", "bim'x"],
  ["a ';'", "bim;reboot"],
  ["$(…)", "bim$(touch /tmp/bim-pwned)"],
  ["'../'", "../bim"],
  ["a newline", "bim\nx"],
];
const labHost = (h: "a" | "b") => ({ name: h, uri: hostUri(h), migrationUri: migrationUri(h) });

const NAME_FIX = 'name the VM like "web1"';
const PLAN_NAME_FIX = "use 1–64 characters: letters, digits, and _ . + - (not first)";

const synth = (id: string, what: string, input: SynthInput, expect: Expect): Case => ({ id, what, layer: "synth", input, expect });
const plan = (id: string, what: string, input: PlanInput, expect: Expect): Case => ({ id, what, layer: "plan", input, expect });

const CASES: Case[] = [
  // ---- synth: VmPlacement
  synth("s-name-empty", "empty VM name", { vm: { name: "" } }, { field: "name", value: "", fix: NAME_FIX }),
  synth("s-name-long", "65-character VM name", { vm: { name: LONG_NAME } }, { field: "name", value: LONG_NAME, fix: NAME_FIX }),
  ...INJECTION_NAMES.map(([what, name], i) => synth(`s-name-inj${i}`, `VM name with ${what}`, { vm: { name } }, { field: "name", value: name, fix: NAME_FIX })),
  synth("s-host-unknown", "unknown host", { vm: { host: "zzz" } }, { field: "host", value: "zzz", fix: 'use one of the declared hosts: "a", "b"' }),
  synth("s-host-empty", "empty host", { vm: { host: "" } }, { field: "host", value: "", fix: "name one of the declared hosts" }),
  synth(
    "s-vm-dup",
    "duplicate VM names",
    { vm: { name: "bim-dup" }, extra: (s) => new VmPlacement(s, "vm2", { name: "bim-dup", host: "b" }), path: "bim/vm2" },
    { field: "name", value: "bim-dup", fix: "give each VM its own name" },
  ),
  synth("s-mem-0", "memory 0", { vm: { memoryMib: 0 } }, { field: "memoryMib", value: 0, fix: "a whole number between 16 and 1048576 MiB" }),
  synth("s-mem-neg", "memory -5", { vm: { memoryMib: -5 } }, { field: "memoryMib", value: -5, fix: "a whole number between 16 and 1048576 MiB" }),
  synth("s-mem-frac", "memory 1.5", { vm: { memoryMib: 1.5 } }, { field: "memoryMib", value: 1.5, fix: "a whole number between 16 and 1048576 MiB" }),
  synth("s-mem-huge", "memory 10^9 MiB", { vm: { memoryMib: 1e9 } }, { field: "memoryMib", value: 1e9, fix: "a whole number between 16 and 1048576 MiB" }),
  synth("s-cpu-0", "vcpus 0", { vm: { vcpus: 0 } }, { field: "vcpus", value: 0, fix: "whole number between 1 and 256 vCPUs" }),
  synth("s-cpu-neg", "vcpus -1", { vm: { vcpus: -1 } }, { field: "vcpus", value: -1, fix: "whole number between 1 and 256 vCPUs" }),
  synth("s-cpu-huge", "vcpus 10000", { vm: { vcpus: 10000 } }, { field: "vcpus", value: 10000, fix: "between 1 and 256" }),
  synth("s-type-xen", 'domainType "xen"', { vm: { domainType: "xen" } }, { field: "domainType", value: "xen", fix: "auto, kvm, qemu" }),
  synth("s-kernel-rel", "relative kernel path", { vm: { boot: { kernel: "vmlinuz" } } }, { field: "boot.kernel", value: "vmlinuz", fix: "absolute path" }),
  synth("s-console-rel", "relative consoleLog", { vm: { consoleLog: "web.log" } }, { field: "consoleLog", value: "web.log", fix: "absolute path" }),
  synth(
    "s-disk-vmdk",
    'disk format "vmdk"',
    { vm: { disks: [{ path: "/srv/bim.img", format: "vmdk" }] } },
    { field: "disks[0].format", value: "vmdk", fix: "raw, qcow2" },
  ),
  synth(
    "s-disk-target",
    "bad disk target",
    { vm: { disks: [{ path: "/srv/bim.img", target: "xyz" }] } },
    { field: "disks[0].target", value: "xyz", fix: "use vda, vdb" },
  ),
  synth(
    "s-disk-dup-target",
    "two disks on one device (the first gets vda by position)",
    { vm: { disks: [{ path: "/srv/bim-a.img" }, { path: "/srv/bim-b.img", target: "vda" }] } },
    { field: "disks[1].target", value: "vda", fix: "give each disk its own target" },
  ),
  synth(
    "s-disk-dup-path",
    "one image attached twice",
    { vm: { disks: [{ path: "/srv/bim.img" }, { path: "/srv/bim.img" }] } },
    { field: "disks[1].path", value: "/srv/bim.img", fix: "attach each image once: remove disks[1]" },
  ),
  synth("s-disk-rel", "relative disk path", { vm: { disks: [{ path: "bim.img" }] } }, { field: "disks[0].path", value: "bim.img", fix: "absolute path" }),
  synth("s-mig-mode", 'migration mode "fast"', { vm: { migration: { mode: "fast" } } }, { field: "migration.mode", value: "fast", fix: "postcopy, precopy" }),
  synth(
    "s-mig-switch-pre",
    "switch with precopy",
    { vm: { migration: { mode: "precopy", switch: "stall" } } },
    { field: "migration.switch", value: "stall", fix: 'set migration: { mode: "postcopy" }' },
  ),
  synth(
    "s-mig-bw-neg",
    "negative bandwidth",
    { vm: { migration: { bandwidthMib: -1 } } },
    { field: "migration.bandwidthMib", value: -1, fix: "between 1 and 1000000 MiB/s" },
  ),
  synth("s-mig-timeout-0", "timeout 0", { vm: { migration: { timeoutS: 0 } } }, { field: "migration.timeoutS", value: 0, fix: "between 1 and 604800 seconds" }),
  synth(
    "s-mig-pcbw-pre",
    "postcopyBandwidthMib with precopy",
    { vm: { migration: { mode: "precopy", postcopyBandwidthMib: 100 } } },
    { field: "migration.postcopyBandwidthMib", value: 100, fix: 'set migration: { mode: "postcopy" }' },
  ),
  synth(
    "s-mig-downtime",
    "absurd maxDowntimeMs",
    { vm: { migration: { maxDowntimeMs: 1e9 } } },
    { field: "migration.maxDowntimeMs", value: 1e9, fix: "between 1 and 60000 ms" },
  ),
  synth(
    "s-mig-tunnelled",
    "tunnelled (+ post-copy): not a livevirt setting",
    { vm: { migration: { mode: "postcopy", tunnelled: true } } },
    { field: "migration.tunnelled", value: true, fix: "remove it or correct its spelling" },
  ),
  synth("s-prop-typo", "misspelt prop", { vm: { memoryMB: 512 } }, { field: "memoryMB", value: 512, fix: "remove it or correct its spelling" }),
  // ---- synth: LivevirtHosts (a third host next to the lab's a and b)
  synth("s-hosts-empty", "no hosts", { hosts: [], vm: { host: "a" }, path: "bim/hosts" }, { field: "hosts", value: [], fix: "declare at least one host" }),
  synth(
    "s-hname-dup",
    "duplicate host names",
    { extraHost: { name: "a", uri: hostUri("b") }, path: "bim/hosts" },
    { field: "hosts[2].name", value: "a", fix: "give each host its own name" },
  ),
  synth(
    "s-hname-bad",
    "host name with capitals and a space",
    { extraHost: { name: "Kvm A" }, path: "bim/hosts" },
    { field: "hosts[2].name", value: "Kvm A", fix: 'name the host like "a"' },
  ),
  synth(
    "s-hname-inj",
    "host name with ';'",
    { extraHost: { name: "c;rm -rf /" }, path: "bim/hosts" },
    { field: "hosts[2].name", value: "c;rm -rf /", fix: 'name the host like "a"' },
  ),
  synth(
    "s-hname-long",
    "33-character host name",
    { extraHost: { name: `c${"x".repeat(32)}` }, path: "bim/hosts" },
    { field: "hosts[2].name", value: `c${"x".repeat(32)}`, fix: 'name the host like "a"' },
  ),
  synth(
    "s-uri-noscheme",
    "URI without scheme",
    { extraHost: { uri: "kvm-c/system" }, path: "bim/hosts" },
    { field: "hosts[2].uri", value: "kvm-c/system", fix: "use a libvirt URI such as" },
  ),
  synth(
    "s-uri-http",
    "http:// URI",
    { extraHost: { uri: "http://kvm-c/system" }, path: "bim/hosts" },
    { field: "hosts[2].uri", value: "http://kvm-c/system", fix: "use a libvirt URI such as" },
  ),
  synth(
    "s-uri-ssh-nohost",
    "qemu+ssh without host",
    { extraHost: { uri: "qemu+ssh:///system" }, path: "bim/hosts" },
    { field: "hosts[2].uri", value: "qemu+ssh:///system", fix: "use a libvirt URI such as" },
  ),
  synth(
    "s-uri-garbage",
    "garbage URI",
    { extraHost: { uri: "::::" }, path: "bim/hosts" },
    { field: "hosts[2].uri", value: "::::", fix: "use a libvirt URI such as" },
  ),
  synth(
    "s-miguri-bad",
    "migrationUri without host",
    { extraHost: { migrationUri: "qemu+tcp:///system" }, path: "bim/hosts" },
    { field: "hosts[2].migrationUri", value: "qemu+tcp:///system", fix: "reachable from the other hosts" },
  ),
  synth("s-shell-empty", "empty shell argv", { extraHost: { shell: [] }, path: "bim/hosts" }, { field: "hosts[2].shell", value: [], fix: "argv words" }),

  // ---- plan: provider host blocks (ValidateProviderConfig); a third block next to a and b
  plan("p-hname-empty", "empty host name", { host: { name: "" } }, { field: "host.2.name", value: "", fix: "a lowercase letter first" }),
  plan(
    "p-hname-bad",
    "host name with capitals and a space",
    { host: { name: "Kvm A" } },
    { field: "host.2.name", value: "Kvm A", fix: "a lowercase letter first" },
  ),
  plan("p-hname-inj", "host name with ';'", { host: { name: "c;rm -rf /" } }, { field: "host.2.name", value: "c;rm -rf /", fix: "a lowercase letter first" }),
  plan(
    "p-hname-long",
    "33-character host name",
    { host: { name: `c${"x".repeat(32)}` } },
    { field: "host.2.name", value: `c${"x".repeat(32)}`, fix: "a lowercase letter first" },
  ),
  plan("p-hname-dup", "duplicate host names", { host: { name: "a" } }, { field: "host.2.name", value: "a", fix: "give each host its own name" }),
  plan(
    "p-uri-noscheme",
    "URI without scheme",
    { host: { uri: "kvm-c/system" } },
    { field: "host.2.uri", value: "kvm-c/system", fix: "use a libvirt URI such as" },
  ),
  plan(
    "p-uri-http",
    "http:// URI",
    { host: { uri: "http://kvm-c/system" } },
    { field: "host.2.uri", value: "http://kvm-c/system", fix: "use a libvirt URI such as" },
  ),
  plan(
    "p-uri-ssh-nohost",
    "qemu+ssh without host",
    { host: { uri: "qemu+ssh:///system" } },
    { field: "host.2.uri", value: "qemu+ssh:///system", fix: "use a libvirt URI such as" },
  ),
  plan("p-uri-garbage", "garbage URI", { host: { uri: "::::" } }, { field: "host.2.uri", value: "::::", fix: "use a libvirt URI such as" }),
  plan("p-uri-empty", "empty URI", { host: { uri: "" } }, { field: "host.2.uri", value: "", fix: "use a libvirt URI such as" }),
  plan(
    "p-miguri-bad",
    "migration_uri without host",
    { host: { migration_uri: "qemu+tcp:///system" } },
    { field: "host.2.migration_uri", value: "qemu+tcp:///system", fix: "use a libvirt URI such as" },
  ),
  plan("p-shell-empty", "empty shell argv", { host: { shell: [] } }, { field: "host.2.shell", value: "[]", fix: "argv words" }),

  // ---- plan: livevirt_vm attributes (ValidateResourceConfig)
  plan("r-name-empty", "empty VM name", { vm: { name: "" } }, { field: "name", value: "", fix: PLAN_NAME_FIX }),
  plan("r-name-long", "65-character VM name", { vm: { name: LONG_NAME } }, { field: "name", value: LONG_NAME, fix: PLAN_NAME_FIX }),
  ...INJECTION_NAMES.map(([what, name], i) =>
    plan(`r-name-inj${i}`, `VM name with ${what}`, { vm: { name } }, { field: "name", value: name, fix: PLAN_NAME_FIX }),
  ),
  plan("r-mem-0", "memory 0", { vm: { memory_mib: 0 } }, { field: "memory_mib", value: 0, fix: "between 16 and" }),
  plan("r-mem-neg", "memory -5", { vm: { memory_mib: -5 } }, { field: "memory_mib", value: -5, fix: "between 16 and" }),
  plan("r-mem-frac", "memory 1.5", { vm: { memory_mib: 1.5 } }, { field: "memory_mib", value: 1.5, fix: "whole number between 16 and 1048576 MiB" }),
  plan("r-mem-huge", "memory 10^9 MiB", { vm: { memory_mib: 1e9 } }, { field: "memory_mib", value: 1e9, fix: "between 16 and 1048576" }),
  plan("r-cpu-0", "vcpus 0", { vm: { vcpus: 0 } }, { field: "vcpus", value: 0, fix: "whole number between 1 and 256 vCPUs" }),
  plan("r-cpu-neg", "vcpus -1", { vm: { vcpus: -1 } }, { field: "vcpus", value: -1, fix: "whole number between 1 and 256 vCPUs" }),
  plan("r-cpu-huge", "vcpus 10000", { vm: { vcpus: 10000 } }, { field: "vcpus", value: 10000, fix: "between 1 and 256" }),
  plan("r-type-xen", 'domain_type "xen"', { vm: { domain_type: "xen" } }, { field: "domain_type", value: "xen", fix: "auto, kvm, qemu" }),
  plan("r-kernel-rel", "relative kernel path", { vm: { kernel: "vmlinuz" } }, { field: "kernel", value: "vmlinuz", fix: "absolute path" }),
  plan(
    "r-kernel-nl",
    "kernel path with a newline",
    { vm: { kernel: "/boot/vmlinuz\n-append x" } },
    { field: "kernel", value: "/boot/vmlinuz\n-append x", fix: "remove the control characters" },
  ),
  plan(
    "r-initrd-nokernel",
    "initrd without kernel",
    { vm: { initrd: "/boot/initrd.img" } },
    { field: "initrd", value: "/boot/initrd.img", fix: "set kernel too" },
  ),
  plan(
    "r-cmdline-nokernel",
    "cmdline without kernel",
    { vm: { cmdline: "console=ttyS0" } },
    { field: "cmdline", value: "console=ttyS0", fix: "set kernel too" },
  ),
  plan("r-console-rel", "relative console_log", { vm: { console_log: "web.log" } }, { field: "console_log", value: "web.log", fix: "absolute path" }),
  plan(
    "r-disk-vmdk",
    'disk format "vmdk"',
    { vm: { disk: [{ path: "/srv/bim.img", format: "vmdk" }] } },
    { field: "disk.0.format", value: "vmdk", fix: "raw, qcow2" },
  ),
  plan(
    "r-disk-target",
    "bad disk target",
    { vm: { disk: [{ path: "/srv/bim.img", target: "xyz" }] } },
    { field: "disk.0.target", value: "xyz", fix: "use vda, vdb" },
  ),
  plan(
    "r-disk-dup-target",
    "two disks on one device (the first gets vda by position)",
    { vm: { disk: [{ path: "/srv/bim-a.img" }, { path: "/srv/bim-b.img", target: "vda" }] } },
    { field: "disk.1.target", value: "vda", fix: "give each disk its own target" },
  ),
  plan(
    "r-disk-dup-path",
    "one image attached twice",
    { vm: { disk: [{ path: "/srv/bim.img" }, { path: "/srv/bim.img" }] } },
    { field: "disk.1.path", value: "/srv/bim.img", fix: "attach each image once: remove disk.1" },
  ),
  plan("r-disk-rel", "relative disk path", { vm: { disk: [{ path: "bim.img" }] } }, { field: "disk.0.path", value: "bim.img", fix: "absolute path" }),
  plan("r-mig-mode", 'migration mode "fast"', { vm: { migration: { mode: "fast" } } }, { field: "migration.mode", value: "fast", fix: "postcopy, precopy" }),
  plan(
    "r-mig-switch-pre",
    "switch with precopy",
    { vm: { migration: { mode: "precopy", switch: "stall" } } },
    { field: "migration.switch", value: "stall", fix: 'set migration.mode = "postcopy"' },
  ),
  plan(
    "r-mig-unsupported",
    'on_unsupported "ignore"',
    { vm: { migration: { on_unsupported: "ignore" } } },
    { field: "migration.on_unsupported", value: "ignore", fix: "fail, precopy, recreate" },
  ),
  plan(
    "r-mig-bw-neg",
    "negative bandwidth",
    { vm: { migration: { bandwidth_mib: -1 } } },
    { field: "migration.bandwidth_mib", value: -1, fix: "between 1 and 1000000 MiB/s" },
  ),
  plan(
    "r-mig-timeout-0",
    "timeout 0",
    { vm: { migration: { timeout_s: 0 } } },
    { field: "migration.timeout_s", value: 0, fix: "between 1 and 604800 seconds" },
  ),
  plan(
    "r-mig-pcbw-pre",
    "postcopy_bandwidth_mib with precopy",
    { vm: { migration: { mode: "precopy", postcopy_bandwidth_mib: 100 } } },
    { field: "migration.postcopy_bandwidth_mib", value: 100, fix: 'set migration.mode = "postcopy"' },
  ),
  plan(
    "r-mig-downtime",
    "absurd max_downtime_ms",
    { vm: { migration: { max_downtime_ms: 1e9 } } },
    { field: "migration.max_downtime_ms", value: 1e9, fix: "between 1 and 60000 ms" },
  ),
  plan(
    "r-mig-bw-huge",
    "absurd bandwidth_mib",
    { vm: { migration: { bandwidth_mib: 1e12 } } },
    { field: "migration.bandwidth_mib", value: 1e12, fix: "between 1 and 1000000 MiB/s" },
  ),
  plan(
    "r-mig-tunnelled",
    "tunnelled (+ post-copy): not an attribute",
    { vm: { migration: { tunnelled: true } }, terraformCore: true },
    { field: "tunnelled", value: true, fix: "No argument or block type is named" },
  ),

  // ---- plan: PlanResourceChange (config valid; needs the configured hosts)
  plan("x-host-unknown", "unknown host", { planVm: { host: "zzz" } }, { field: "host", value: "zzz", fix: 'use one of the declared hosts: "a", "b", "a2"' }),
  plan(
    "x-same-host",
    "move between two names of the same host (a → a2, same URI)",
    { planVm: { host: "a2" }, movedFrom: "a" },
    { field: "host", value: "a2", fix: 'keep host = "a"' },
  ),
];

// ---------------------------------------------------------------------------------------------
// Synth layer

function synthProblems(input: SynthInput): string {
  const outdir = mkdtempSync(join(tmpdir(), "bim-synth-"));
  try {
    const app = new LivevirtApp({ outdir, providerSetup: false });
    const stack = new TerraformStack(app, "bim");
    const hosts = input.hosts ?? [labHost("a"), labHost("b"), ...(input.extraHost ? [{ name: "c", uri: hostUri("a"), ...input.extraHost }] : [])];
    new LivevirtHosts(stack, "hosts", { hosts: hosts as Host[] });
    new VmPlacement(stack, "vm", { name: "bim-vm", host: "a", ...input.vm } as unknown as VmPlacementProps);
    input.extra?.(stack);
    app.synth();
    return "";
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Plan layer

const LAB_BLOCKS = HOST_NAMES.map((h) => ({ name: h, uri: hostUri(h), migration_uri: migrationUri(h) }));
const validVm = (id: string) => ({ name: `bim-${id}`.slice(0, 60), host: "a", memory_mib: 64, vcpus: 1 });
const resourceName = (id: string) => id.replace(/[^a-z0-9_]/g, "_");

function tfConfig(hosts: unknown[], vms: Record<string, unknown>): unknown {
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: { livevirt: { host: hosts } },
    ...(Object.keys(vms).length ? { resource: { livevirt_vm: vms } } : {}),
  };
}

interface Diagnostic {
  severity: string;
  summary: string;
  detail: string;
  /** Set by Terraform for diagnostics a provider returned about a resource or its own config. */
  address?: string;
  /** Where in main.tf.json: e.g. "resource.livevirt_vm.r_mig_tunnelled.migration" (core errors have no address). */
  snippet?: { context?: string };
}

/** The diagnostic is about resource livevirt_vm.<name>: by address, or by source context for Terraform core's own. */
const aboutResource = (name: string) => (d: Diagnostic) =>
  d.address === `livevirt_vm.${name}` ||
  (d.address === undefined && (d.snippet?.context ?? "").split(".").slice(0, 3).join(".") === `resource.livevirt_vm.${name}`);

function diagnosticsOf(jsonLines: string): Diagnostic[] {
  return jsonLines
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { type?: string; diagnostic?: Diagnostic })
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => m.diagnostic!);
}

/** A format-4 state with one livevirt_vm created on `host` (never dialled: plan runs -refresh=false). */
function priorState(resources: { name: string; attributes: Record<string, unknown> }[]): unknown {
  return {
    version: 4,
    terraform_version: "1.11.4",
    serial: 1,
    lineage: "0b1d9e7c-6f00-4bad-9a00-b1d0b1d0b1d0",
    outputs: {},
    resources: resources.map((r) => ({
      mode: "managed",
      type: "livevirt_vm",
      name: r.name,
      provider: 'provider["registry.terraform.io/livevirt/livevirt"]',
      instances: [{ schema_version: 0, attributes: r.attributes, sensitive_attributes: [] }],
    })),
    check_results: null,
  };
}

const fullVm = (name: string, host: string) => ({
  id: "b1d0b1d0-0000-4000-8000-00000000b1d0",
  name,
  host,
  memory_mib: 64,
  vcpus: 1,
  domain_type: "qemu",
  kernel: null,
  initrd: null,
  cmdline: null,
  console_log: null,
  disk: [],
  migration: null,
  state: "running",
  last_move: null,
  preflight: null,
});

// ---------------------------------------------------------------------------------------------
// Lab snapshot

async function labSnapshot(): Promise<Record<string, string>> {
  const snap: Record<string, string> = {};
  for (const h of HOST_NAMES) {
    const c = connect(h);
    for (const d of await c.listDomains({ all: true })) {
      const xml = await c.dumpXml(d.name, { inactive: true });
      snap[`${h}/${d.name}`] = `${d.state}\n${xml.xml}`;
    }
  }
  return snap;
}

// ---------------------------------------------------------------------------------------------

const synthCases = CASES.filter((c): c is Case & { layer: "synth" } => c.layer === "synth");
const planCases = CASES.filter((c): c is Case & { layer: "plan" } => c.layer === "plan");

describe("bad-input matrix", () => {
  let before: Record<string, string>;
  let tf: TerraformDir;

  beforeAll(async () => {
    await requireLab();
    before = await labSnapshot();
    tf = await TerraformDir.create();
    tf.writeConfig(tfConfig(LAB_BLOCKS, {}));
    await tf.run(["init", "-input=false", "-no-color"]);
  });

  afterAll(() => tf?.remove());

  it("has at least 40 cases, ids unique", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    // For the report: cases per layer.
    console.log(`bad-input matrix: ${synthCases.length} synth cases, ${planCases.length} plan cases, ${CASES.length} in all`);
  });

  describe("synth", () => {
    it.each(synthCases.map((c) => [c.id, c] as const))("%s is rejected at synth", (_id, c) => {
      const text = synthProblems(c.input);
      expect(text, `${c.what}: synth passed`).toMatch(/^livevirt: the stack is not valid/);
      const path = c.input.path ?? (c.input.extraHost ? "bim/hosts" : "bim/vm");
      const shown = `${c.expect.field} = ${JSON.stringify(c.expect.value)} is invalid`;
      const line = text.split("\n").find((l) => l.trim().startsWith(`livevirt: ${path}: ${shown}`));
      expect(line, `${c.what}: no line "livevirt: ${path}: ${shown}" in:\n${text}`).toBeDefined();
      expect(line).toMatch(/\. Fix: .+\.$/);
      const fix = line!.slice(line!.indexOf(". Fix: "));
      if (typeof c.expect.fix === "string") expect(fix, line).toContain(c.expect.fix);
      else expect(fix, line).toMatch(c.expect.fix);
    });
  });

  describe("plan (real Terraform, real provider)", () => {
    /** Runs `terraform plan -json`, which must fail, and returns its error diagnostics. */
    async function failingPlan(extra: string[] = []): Promise<Diagnostic[]> {
      const r = await tf.run(["plan", "-json", "-input=false", "-no-color", "-lock=false", ...extra], [1]);
      return diagnosticsOf(r.stdout);
    }

    function expectDiagnostic(c: Case & { layer: "plan" }, diags: Diagnostic[], match: (d: Diagnostic) => boolean): void {
      const mine = diags.filter(match);
      const summary = diags.map((d) => `${d.address ?? "-"}: ${d.summary} | ${d.detail.replace(/\n/g, " / ")}`).join("\n");
      expect(mine.length, `${c.id} (${c.what}): no diagnostic attributed to it; all diagnostics:\n${summary}`).toBeGreaterThan(0);
      const text = mine.map((d) => `${d.summary}\n${d.detail}`).join("\n---\n");
      const fixOk = (t: string) => (typeof c.expect.fix === "string" ? t.includes(c.expect.fix) : c.expect.fix.test(t));
      if (c.input.terraformCore) {
        expect(text, c.id).toContain(`"${c.expect.field}"`);
        expect(fixOk(text), `${c.id}: ${text}`).toBe(true);
        return;
      }
      const d = mine.find((x) => x.detail.includes(`Field: ${c.expect.field}\n`) || x.detail.startsWith(`Field: ${c.expect.field}\n`));
      expect(d, `${c.id} (${c.what}): no diagnostic with Field: ${c.expect.field} in:\n${text}`).toBeDefined();
      expect(d!.detail, c.id).toContain(`Value: ${JSON.stringify(String(c.expect.value))}`);
      const fixLine = d!.detail.split("\n").find((l) => l.startsWith("Fix: "));
      expect(fixLine, `${c.id}: no Fix line in ${d!.detail}`).toBeDefined();
      expect(fixOk(fixLine!), `${c.id}: ${fixLine}`).toBe(true);
    }

    it("provider host blocks: every bad block is rejected, each with its own diagnostic", async () => {
      const cases = planCases.filter((c) => c.input.host);
      // One Terraform run per case keeps attribution exact (the field is host.2.*, the same for all).
      for (const c of cases) {
        tf.writeConfig(tfConfig([...LAB_BLOCKS, { name: "c", uri: hostUri("b"), ...c.input.host }], { [resourceName(c.id)]: validVm(c.id) }));
        const diags = await failingPlan();
        expectDiagnostic(c, diags, (d) => d.address?.startsWith("provider[") === true);
      }
    });

    it("livevirt_vm attributes: one resource per case, all rejected in one plan", async () => {
      const cases = planCases.filter((c) => c.input.vm);
      const vms = Object.fromEntries(cases.map((c) => [resourceName(c.id), { ...validVm(c.id), ...c.input.vm }]));
      tf.writeConfig(tfConfig(LAB_BLOCKS, vms));
      const diags = await failingPlan();
      for (const c of cases) expectDiagnostic(c, diags, aboutResource(resourceName(c.id)));
      // Nothing else: every diagnostic belongs to a case.
      expect(diags.filter((d) => !cases.some((c) => aboutResource(resourceName(c.id))(d)))).toEqual([]);
    });

    it("plan-time checks (unknown host, a move to the same host under another name)", async () => {
      const cases = planCases.filter((c) => c.input.planVm);
      const a2 = { name: "a2", uri: hostUri("a"), migration_uri: migrationUri("a") };
      const vms = Object.fromEntries(cases.map((c) => [resourceName(c.id), { ...validVm(c.id), ...c.input.planVm }]));
      const moved = cases.filter((c) => c.input.movedFrom);
      writeFileSync(
        join(tf.dir, "terraform.tfstate"),
        JSON.stringify(priorState(moved.map((c) => ({ name: resourceName(c.id), attributes: { ...fullVm(validVm(c.id).name, c.input.movedFrom!) } })))),
      );
      tf.writeConfig(tfConfig([...LAB_BLOCKS, a2], vms));
      try {
        // -refresh=false: the prior VM is made up; refreshing would (rightly) find it gone.
        const diags = await failingPlan(["-refresh=false"]);
        for (const c of cases) expectDiagnostic(c, diags, aboutResource(resourceName(c.id)));
      } finally {
        rmSync(join(tf.dir, "terraform.tfstate"), { force: true });
      }
    });
  });

  it("created or changed no domain on any lab host", async () => {
    const after = await labSnapshot();
    const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
    const describeKey = (k: string) => `${k}: ${!(k in before) ? "created" : !(k in after) ? "removed" : "changed"}`;
    // What the matrix could create or change is known exactly: domains named by its configs
    // (every VM name in it contains "bim"; "" is no libvirt name) — create, or the create path of a
    // replace. Its only prior state is a made-up UUID, and its only move is refused before the
    // preflight (so no probe domain either). These must not exist, nor appear, nor change.
    const ours = (k: string) => k.split("/").slice(1).join("/").includes("bim");
    expect(Object.keys(after).filter(ours), "matrix VMs found on the lab").toEqual([]);
    expect(changed.filter(ours).map(describeKey)).toEqual([]);
    // Every other domain must be unchanged too: under `npm test` this file runs in the exclusive
    // group (scripts/test-groups.ts), so nothing else touches the lab meanwhile (running it beside
    // another lab user by hand can make this line fail, and then it says which domains moved).
    expect(changed.filter((k) => !ours(k)).map(describeKey)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets: a URI password never leaves the provider in output, logs, plan or state.

describe("secrets", () => {
  const SECRET = "s3cret-bim-7Q";
  let tf: TerraformDir;
  let logFile: string;

  beforeAll(async () => {
    await requireLab();
    tf = await TerraformDir.create();
    logFile = join(tf.dir, "terraform.log");
  });
  afterAll(() => tf?.remove());

  const config = (withData: boolean) =>
    ({
      terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
      provider: {
        livevirt: {
          host: [
            ...LAB_BLOCKS,
            // Unreachable on purpose (.invalid never resolves): the failure path must redact too.
            { name: "s", uri: `qemu+ssh://root:${SECRET}@kvm-s.invalid/system`, migration_uri: `qemu+tcp://mig:${SECRET}@kvm-s.invalid/system` },
          ],
        },
      },
      resource: { livevirt_vm: { bim_secret: { name: "bim-secret", host: "s", memory_mib: 64 } } },
      ...(withData ? { data: { livevirt_host: { s: { name: "s" } } } } : {}),
    }) as const;

  const traced = { TF_LOG: "TRACE", TF_LOG_PATH: "" };

  it("a failing connection (data source on the host) redacts the password in output and the TRACE log", async () => {
    tf.writeConfig(config(true));
    await tf.run(["init", "-input=false", "-no-color"]);
    Object.assign(tf.env, { ...traced, TF_LOG_PATH: logFile });
    try {
      const r = await tf.run(["plan", "-input=false", "-no-color"], [1]);
      expect(r.stdout + r.stderr).toMatch(/qemu\+ssh:\/\/root:\*\*\*@kvm-s\.invalid/); // it did talk about the URI
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      const log = readFileSync(logFile, "utf8");
      expect(log.length).toBeGreaterThan(10_000); // really TRACE
      expect(log).not.toContain(SECRET);
    } finally {
      Object.assign(tf.env, { TF_LOG: undefined, TF_LOG_PATH: undefined });
    }
  });

  it("a successful plan: not in output, log, or the plan's values; apply's failure and state neither", async () => {
    tf.writeConfig(config(false));
    rmSync(logFile, { force: true });
    Object.assign(tf.env, { ...traced, TF_LOG_PATH: logFile });
    try {
      const r = await tf.run(["plan", "-input=false", "-no-color", "-out=plan.bin"]);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      const show = await tf.run(["show", "-json", "plan.bin"]);
      const planJson = JSON.parse(show.stdout) as Record<string, unknown>;
      // Terraform's `configuration` section echoes the configuration source verbatim (here the
      // literal password the user wrote in main.tf.json); nothing the provider produced is in it.
      const { configuration: _source, ...produced } = planJson;
      expect(JSON.stringify(produced)).not.toContain(SECRET);
      // Apply: the create fails (host unreachable) — its error and the state must not carry it either.
      const a = await tf.run(["apply", "-input=false", "-no-color", "-auto-approve", "plan.bin"], [1]);
      expect(a.stdout + a.stderr).toMatch(/kvm-s\.invalid/);
      expect(a.stdout + a.stderr).not.toContain(SECRET);
      const state = readFileSync(join(tf.dir, "terraform.tfstate"), "utf8");
      expect(state).not.toContain(SECRET);
      expect(readFileSync(logFile, "utf8")).not.toContain(SECRET);
    } finally {
      Object.assign(tf.env, { TF_LOG: undefined, TF_LOG_PATH: undefined });
    }
  });
});
