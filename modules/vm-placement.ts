/**
 * VmPlacement: one VM and the host it runs on. Editing `host` and deploying live-migrates the
 * running VM (the provider plans that as an in-place update); most other fields replace the VM.
 */
import { TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { Vm, type VmConfig, type VmMigration } from "../.gen/providers/livevirt/vm/index.js";
import { MEMORY_MIB_RANGE, TARGET_RE, VCPUS_RANGE } from "../src/libvirt/domain-xml.js";
import { LivevirtHosts } from "./hosts.js";
import { problem, PropsValidator, type PropsSchema } from "./validation.js";

/** Direct kernel boot: paths are on the host (every host the VM may move to). */
export interface BootProps {
  /** Absolute path of the kernel image on the host. */
  readonly kernel: string;
  /** Absolute path of the initrd on the host. @default none */
  readonly initrd?: string;
  /** Kernel command line. @default none */
  readonly cmdline?: string;
}

export interface DiskProps {
  /** Absolute path of the image on the host. */
  readonly path: string;
  /** @default "raw" */
  readonly format?: "raw" | "qcow2";
  /** Guest device name, e.g. "vda". @default assigned in order */
  readonly target?: string;
  /** The image is on storage every host sees; false copies it during a move. @default true */
  readonly shared?: boolean;
}

/** How a host change moves the running VM. Every field defaults in the provider. */
export interface MigrationProps {
  /** @default "postcopy" */
  readonly mode?: "postcopy" | "precopy";
  /** When pre-copy switches to post-copy. @default "auto" */
  readonly switch?: "auto" | "first-pass" | "stall" | "timeout";
  /** When the hosts cannot post-copy. @default "fail" */
  readonly onUnsupported?: "fail" | "precopy" | "recreate";
  /** Pre-copy bandwidth limit, MiB/s. @default unlimited */
  readonly bandwidthMib?: number;
  /** Post-copy bandwidth limit, MiB/s. @default unlimited */
  readonly postcopyBandwidthMib?: number;
  /** Longest tolerated pause for a pre-copy switch, ms. @default libvirt's */
  readonly maxDowntimeMs?: number;
  /** Give up on the move after this many seconds. @default 600 */
  readonly timeoutS?: number;
  /** Copy non-shared disks during the move. @default false */
  readonly copyStorage?: boolean;
  /** Check both hosts can post-copy before moving. @default true */
  readonly probe?: boolean;
}

export interface VmPlacementProps {
  /** libvirt domain name, unique across the stack. @default the construct id */
  readonly name?: string;
  /** Short name of a host declared in the stack's LivevirtHosts. Change it to move the VM. */
  readonly host: string;
  /** @default 512 */
  readonly memoryMib?: number;
  /** @default 1 */
  readonly vcpus?: number;
  /** "kvm", "qemu" (TCG) or "auto". @default chosen at create: kvm when the host has it */
  readonly domainType?: "auto" | "kvm" | "qemu";
  /** Direct kernel boot. @default none (boot from disks) */
  readonly boot?: BootProps;
  /** Host path the serial console is written to. @default none */
  readonly consoleLog?: string;
  /** @default none */
  readonly disks?: readonly DiskProps[];
  /** @default the provider's defaults (post-copy, probe first, fail if unsupported) */
  readonly migration?: MigrationProps;
  /** The hosts to use. @default the one LivevirtHosts in this stack */
  readonly hosts?: LivevirtHosts;
}

export const VM_DEFAULTS = { memoryMib: 512, vcpus: 1 } as const;

const ABS = "^/";
const absPath = (what: string, example: string) => ({
  type: "string",
  pattern: ABS,
  explain: "must be an absolute path on the host",
  fix: `write ${what} as an absolute path on the host, e.g. ${example}`,
});
const positiveInt = (min: number, fix: string, max?: number) => ({ type: "integer", minimum: min, ...(max !== undefined ? { maximum: max } : {}), fix });

export const vmPlacementSchema: PropsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["host"],
  properties: {
    name: {
      type: "string",
      pattern: "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$",
      explain: "must be 1–64 characters: letters, digits and _ . + - (not first)",
      fix: 'name the VM like "web1" or "db.primary"',
    },
    host: { type: "string", minLength: 1, explain: "must not be empty", fix: 'name one of the stack\'s hosts, e.g. host: "a"' },
    // Bounds of the domain layer (src/libvirt/domain-xml.ts), which the provider applies at plan too.
    memoryMib: { type: "integer", minimum: MEMORY_MIB_RANGE[0], maximum: MEMORY_MIB_RANGE[1], fix: "give the VM at least 16 MiB (a whole number of MiB)" },
    vcpus: { type: "integer", minimum: VCPUS_RANGE[0], maximum: VCPUS_RANGE[1], fix: `give the VM a whole number of vCPUs, at least 1 (at most ${VCPUS_RANGE[1]})` },
    domainType: { enum: ["auto", "kvm", "qemu"], fix: 'use "kvm" (hardware), "qemu" (software emulation) or leave it out' },
    boot: {
      type: "object",
      additionalProperties: false,
      required: ["kernel"],
      fix: 'write boot as { kernel: "/path/vmlinuz", initrd: "/path/initrd.img", cmdline: "console=ttyS0" }',
      properties: {
        kernel: absPath("kernel", "/var/lib/livevirt/vmlinuz"),
        initrd: absPath("initrd", "/var/lib/livevirt/initrd.img"),
        cmdline: { type: "string", fix: "write the kernel command line as one string" },
      },
    },
    consoleLog: absPath("consoleLog", "/var/log/libvirt/qemu/web1.console"),
    disks: {
      type: "array",
      fix: 'write disks as [{ path: "/var/lib/livevirt/web1.img" }]',
      items: {
        type: "object",
        additionalProperties: false,
        required: ["path"],
        fix: 'write each disk as { path: "/var/lib/livevirt/web1.img" }',
        properties: {
          path: absPath("the disk path", "/var/lib/livevirt/web1.img"),
          format: { enum: ["raw", "qcow2"], fix: 'use "raw" or "qcow2"' },
          target: { type: "string", pattern: TARGET_RE.source, explain: "must be a device name like vda", fix: 'use a device name like "vda" or "vdb"' },
          shared: { type: "boolean", fix: "use true (on storage every host sees) or false" },
        },
      },
    },
    migration: {
      type: "object",
      additionalProperties: false,
      fix: 'write migration as { mode: "postcopy", timeoutS: 600 }',
      properties: {
        mode: { enum: ["postcopy", "precopy"], fix: 'use "postcopy" (default) or "precopy"' },
        switch: { enum: ["auto", "first-pass", "stall", "timeout"], fix: 'use "auto" (default), "first-pass", "stall" or "timeout"' },
        onUnsupported: { enum: ["fail", "precopy", "recreate"], fix: 'use "fail" (default), "precopy" or "recreate"' },
        // Upper bounds as the move engine's (src/migration/policy.ts): beyond them a value is a unit mix-up.
        bandwidthMib: positiveInt(1, "give a whole number of MiB/s, at least 1, or leave it out for no limit", 1_000_000),
        postcopyBandwidthMib: positiveInt(1, "give a whole number of MiB/s, at least 1, or leave it out for no limit", 1_000_000),
        maxDowntimeMs: positiveInt(1, "give a whole number of milliseconds, at least 1 (at most 60000)", 60_000),
        timeoutS: positiveInt(1, "give a whole number of seconds, at least 1 (default 600)", 7 * 24 * 3600),
        copyStorage: { type: "boolean", fix: "use true or false" },
        probe: { type: "boolean", fix: "use true or false" },
      },
    },
    // Checked by instanceof, not by JSON Schema; listed so it is a known field.
    hosts: { fix: "pass the stack's LivevirtHosts construct" },
  },
};

const validator = new PropsValidator<VmPlacementProps>(vmPlacementSchema, "VmPlacement");

export class VmPlacement extends Construct {
  readonly vm: Vm;
  /** The libvirt domain name. */
  readonly vmName: string;
  readonly host: string;

  constructor(scope: Construct, id: string, props: VmPlacementProps) {
    super(scope, id);
    this.vmName = props.name ?? id;
    this.host = props.host;
    const config: VmConfig = {
      name: this.vmName,
      host: props.host,
      memoryMib: props.memoryMib ?? VM_DEFAULTS.memoryMib,
      vcpus: props.vcpus ?? VM_DEFAULTS.vcpus,
      domainType: props.domainType,
      kernel: props.boot?.kernel,
      initrd: props.boot?.initrd,
      cmdline: props.boot?.cmdline,
      consoleLog: props.consoleLog,
      disk: props.disks?.map((d) => ({ path: d.path, format: d.format, target: d.target, shared: d.shared })),
      migration: props.migration ? toMigration(props.migration) : undefined,
      provider: props.hosts?.provider,
    };
    this.vm = new Vm(this, "vm", config);
    // Address livevirt_vm.<vm name> instead of cdktf's hashed path id: plans read
    // "livevirt_vm.web will be updated in-place", and wrapping the placement in another construct
    // later does not change the address (which would destroy and recreate the VM).
    this.vm.overrideLogicalId(logicalId(this.vmName));
    // `hosts` is a construct: keep it out of the JSON Schema check (ajv would walk the whole tree).
    const { hosts: _hosts, ...plain } = props;
    this.node.addValidation({ validate: () => [...validator.problems(this.node.path, { ...plain, name: this.vmName } as VmPlacementProps), ...this.crossChecks(props)] });
  }

  private crossChecks(props: VmPlacementProps): string[] {
    const out: string[] = [];
    const path = this.node.path;
    if (props.hosts !== undefined && !(props.hosts instanceof LivevirtHosts)) {
      out.push(problem(path, "hosts", String(props.hosts), "is not a LivevirtHosts construct", "pass the stack's LivevirtHosts, or leave hosts out"));
    }
    // Unknown host: list the declared ones (the most common slip when moving a VM by hand).
    const declared = LivevirtHosts.allIn(this);
    const hosts = props.hosts instanceof LivevirtHosts ? props.hosts : declared[0];
    if (!hosts) {
      out.push(problem(path, "host", props.host, "this stack declares no hosts", `add new LivevirtHosts(stack, "hosts", { hosts: [{ name: ${JSON.stringify(props.host)}, uri: "qemu:///system" }] }) to the stack`));
    } else if (typeof props.host === "string" && props.host !== "" && !Token.isUnresolved(props.host) && !hosts.names.includes(props.host)) {
      const names = hosts.names.map((n) => JSON.stringify(n)).join(", ");
      out.push(problem(path, "host", props.host, `no host of that name is declared in ${hosts.node.path}`, `use one of the declared hosts: ${names || "(none declared)"}`));
    }
    // libvirt domain names must be unique across every host a VM may move to, i.e. the stack.
    // The Terraform address is derived from the name too, so "web.1" and "web_1" collide.
    const first = TerraformStack.of(this)
      .node.findAll()
      .find((n): n is VmPlacement => n instanceof VmPlacement && logicalId(n.vmName) === logicalId(this.vmName));
    if (first && first !== this && !Token.isUnresolved(this.vmName)) {
      const same = first.vmName === this.vmName;
      out.push(
        problem(path, "name", this.vmName, same ? `${first.node.path} already uses this VM name` : `it maps to the same Terraform address livevirt_vm.${logicalId(this.vmName)} as ${first.node.path} (${JSON.stringify(first.vmName)})`, "give each VM its own name"),
      );
    }
    const m = props.migration;
    if (m?.mode === "precopy" && m.switch !== undefined && m.switch !== "auto") {
      out.push(problem(path, "migration.switch", m.switch, "only applies to post-copy moves", 'remove switch, or set mode: "postcopy"'));
    }
    if (m?.mode === "precopy" && m.postcopyBandwidthMib !== undefined && !Token.isUnresolved(m.postcopyBandwidthMib)) {
      out.push(problem(path, "migration.postcopyBandwidthMib", m.postcopyBandwidthMib, "only applies to post-copy moves", 'remove postcopyBandwidthMib, or set mode: "postcopy"'));
    }
    return out;
  }
}

/** A Terraform identifier from a VM name (letters, digits, _ and -; not starting with a digit). */
export function logicalId(vmName: string): string {
  const id = String(vmName).replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[A-Za-z_]/.test(id) ? id : `vm_${id}`;
}

function toMigration(m: MigrationProps): VmMigration {
  return {
    mode: m.mode,
    switch: m.switch,
    onUnsupported: m.onUnsupported,
    bandwidthMib: m.bandwidthMib,
    postcopyBandwidthMib: m.postcopyBandwidthMib,
    maxDowntimeMs: m.maxDowntimeMs,
    timeoutS: m.timeoutS,
    copyStorage: m.copyStorage,
    probe: m.probe,
  };
}
