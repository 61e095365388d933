/**
 * VmPlacement: one VM and the host it runs on. Editing `host` and deploying live-migrates the
 * running VM (the provider plans that as an in-place update); most other fields replace the VM.
 */
import { TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { Vm, type VmConfig } from "../.gen/providers/livevirt/vm/index.js";
import {
  VM_DEFAULTS,
  capacityProblem,
  duplicateMacProblem,
  hostStateProblem,
  type Landing,
  unknownHostProblem,
  vmProblems,
  type Disk,
  type DomainType,
  type MacOwner,
  type MigrationPolicy,
  type NetworkInterface,
} from "../src/model/index.js";
import { LivevirtHosts } from "./hosts.js";
import { modelProblems, problem, PropsValidator, tokensMarked, type PropsSchema } from "./validation.js";

export { VM_DEFAULTS } from "../src/model/index.js";

/** Direct kernel boot: paths are on the host (every host the VM may move to). */
export interface BootProps {
  /** Absolute path of the kernel image on the host. */
  readonly kernel: string;
  /** Absolute path of the initrd on the host. @default none */
  readonly initrd?: string;
  /** Kernel command line. @default none */
  readonly cmdline?: string;
}

/**
 * A disk of the model (src/model/vm.ts): an image file (`path`) or a volume of a libvirt storage
 * pool (`pool` + `volume`), exactly one of the two; the rest optional.
 */
export type DiskProps = { readonly [K in keyof Disk]?: Disk[K] };

/** A network interface of the model (src/model/nic.ts): `network` or `bridge`, the rest optional. */
export type NetworkInterfaceProps = { readonly [K in keyof NetworkInterface]?: NetworkInterface[K] };

export interface VmPlacementProps {
  /** libvirt domain name, unique across the stack. @default the construct id */
  readonly name?: string;
  /** Short name of a host declared in the stack's LivevirtHosts. Change it to move the VM. */
  readonly host: string;
  /** @default 512 (VM_DEFAULTS) */
  readonly memoryMib?: number;
  /** @default 1 (VM_DEFAULTS) */
  readonly vcpus?: number;
  /** Memory the VM may grow to without a restart (≥ memoryMib). @default memoryMib (a change of memoryMib restarts the VM) */
  readonly maxMemoryMib?: number;
  /** vCPUs the VM may grow to without a restart (≥ vcpus). @default vcpus */
  readonly maxVcpus?: number;
  /** "kvm", "qemu" (TCG) or "auto". @default chosen at create: kvm when the host has it */
  readonly domainType?: DomainType;
  /**
   * Guest CPU: "host-model", "host-passthrough" (kvm; moves only between identical CPUs) or a
   * named model every host offers (e.g. "Nehalem"). @default host-model on kvm, QEMU's default model on TCG
   */
  readonly cpu?: string;
  /** Direct kernel boot. @default none (boot from disks) */
  readonly boot?: BootProps;
  /** Host path the serial console is written to. @default none */
  readonly consoleLog?: string;
  /** @default none */
  readonly disks?: readonly DiskProps[];
  /** Network interfaces in guest order, each on a libvirt network or a host bridge. @default none */
  readonly networkInterfaces?: readonly NetworkInterfaceProps[];
  /** How a host change moves the running VM (the model's MigrationPolicy). @default the model's defaults (post-copy, probe first, fail if unsupported) */
  readonly migration?: Partial<MigrationPolicy>;
  /** The hosts to use. @default the one LivevirtHosts in this stack */
  readonly hosts?: LivevirtHosts;
}

/** The props' shape (exported for docs and tests); the rules are the model's (src/model/vm.ts). */
export const vmPlacementSchema: PropsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["host"],
  properties: {
    name: { type: "string" },
    host: { type: "string", fix: 'name one of the declared hosts, e.g. host: "a"' },
    memoryMib: { type: "number" },
    vcpus: { type: "number" },
    maxMemoryMib: { type: "number" },
    maxVcpus: { type: "number" },
    domainType: { type: "string" },
    cpu: { type: "string" },
    boot: {
      type: "object",
      additionalProperties: false,
      fix: 'write boot as { kernel: "/path/vmlinuz", initrd: "/path/initrd.img", cmdline: "console=ttyS0" }',
      properties: { kernel: { type: "string" }, initrd: { type: "string" }, cmdline: { type: "string" } },
    },
    consoleLog: { type: "string" },
    disks: {
      type: "array",
      fix: 'write disks as [{ path: "/var/lib/livevirt/web1.img" }] or [{ pool: "default", volume: "web1.qcow2", format: "qcow2" }]',
      items: {
        type: "object",
        additionalProperties: false,
        fix: 'write each disk as { path: "/var/lib/livevirt/web1.img" } or { pool: "default", volume: "web1.qcow2" }',
        properties: {
          path: { type: "string" },
          pool: { type: "string" },
          volume: { type: "string" },
          format: { type: "string" },
          target: { type: "string" },
          shared: { type: "boolean" },
        },
      },
    },
    networkInterfaces: {
      type: "array",
      fix: 'write networkInterfaces as [{ network: "default" }]',
      items: {
        type: "object",
        additionalProperties: false,
        fix: 'write each interface as { network: "default" } or { bridge: "br0", mac: "52:54:00:12:34:56" }',
        properties: { network: { type: "string" }, bridge: { type: "string" }, mac: { type: "string" }, model: { type: "string" } },
      },
    },
    migration: {
      type: "object",
      additionalProperties: false,
      fix: 'write migration as { mode: "postcopy", timeoutS: 600 }',
      properties: {
        mode: { type: "string" },
        switch: { type: "string" },
        onUnsupported: { type: "string" },
        bandwidthMib: { type: "number" },
        postcopyBandwidthMib: { type: "number" },
        maxDowntimeMs: { type: "number" },
        timeoutS: { type: "number" },
        copyStorage: { type: "boolean" },
        probe: { type: "boolean" },
        tls: { type: "string" },
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
  /** The props as given (read by the stack-wide checks of other placements). */
  readonly props: VmPlacementProps;

  constructor(scope: Construct, id: string, props: VmPlacementProps) {
    super(scope, id);
    this.props = props;
    this.vmName = props.name ?? id;
    this.host = props.host;
    const config: VmConfig = {
      name: this.vmName,
      host: props.host,
      memoryMib: props.memoryMib ?? VM_DEFAULTS.memoryMib,
      vcpus: props.vcpus ?? VM_DEFAULTS.vcpus,
      maxMemoryMib: props.maxMemoryMib,
      maxVcpus: props.maxVcpus,
      domainType: props.domainType,
      cpu: props.cpu,
      kernel: props.boot?.kernel,
      initrd: props.boot?.initrd,
      cmdline: props.boot?.cmdline,
      consoleLog: props.consoleLog,
      disk: props.disks?.map((d) => ({
        path: d.path ?? undefined,
        pool: d.pool ?? undefined,
        volume: d.volume ?? undefined,
        format: d.format,
        target: d.target ?? undefined,
        shared: d.shared,
      })),
      networkInterface: props.networkInterfaces?.map((n) => ({
        network: n.network ?? undefined,
        bridge: n.bridge ?? undefined,
        mac: n.mac ?? undefined,
        model: n.model,
      })),
      // The policy's fields are the model's names, which are the generated binding's too.
      migration: props.migration ? { ...props.migration } : undefined,
      provider: props.hosts?.provider,
    };
    this.vm = new Vm(this, "vm", config);
    // Address livevirt_vm.<vm name> instead of cdktf's hashed path id: plans read
    // "livevirt_vm.web will be updated in-place", and wrapping the placement in another construct
    // later does not change the address (which would destroy and recreate the VM).
    this.vm.overrideLogicalId(logicalId(this.vmName));
    // `hosts` is a construct: keep it out of the JSON Schema check (ajv would walk the whole tree).
    const { hosts: _hosts, ...plain } = props;
    this.node.addValidation({
      validate: () => {
        const shaped = { ...plain, name: this.vmName } as VmPlacementProps;
        const { value, tokens } = tokensMarked(shaped);
        const v = value as VmPlacementProps;
        const boot = (v.boot ?? {}) as Partial<BootProps>;
        const rules = vmProblems({ ...v, kernel: boot.kernel, initrd: boot.initrd, cmdline: boot.cmdline });
        return [...validator.problems(this.node.path, shaped), ...modelProblems(this.node.path, rules, tokens), ...this.crossChecks(props)];
      },
    });
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
      out.push(
        problem(
          path,
          "host",
          props.host,
          "this stack declares no hosts",
          `add new LivevirtHosts(stack, "hosts", { hosts: [{ name: ${JSON.stringify(props.host)}, uri: "qemu:///system" }] }) to the stack`,
        ),
      );
    } else if (typeof props.host === "string" && props.host !== "" && !Token.isUnresolved(props.host) && !hosts.names.includes(props.host)) {
      const p = unknownHostProblem("host", props.host, hosts.names);
      out.push(problem(path, "host", props.host, `${p.reason} in ${hosts.node.path}`, p.fix));
    }
    // libvirt domain names must be unique across every host a VM may move to, i.e. the stack.
    // The Terraform address is derived from the name too, so "web.1" and "web_1" collide.
    const first = TerraformStack.of(this)
      .node.findAll()
      .find((n): n is VmPlacement => n instanceof VmPlacement && logicalId(n.vmName) === logicalId(this.vmName));
    if (first && first !== this && !Token.isUnresolved(this.vmName)) {
      const same = first.vmName === this.vmName;
      out.push(
        problem(
          path,
          "name",
          this.vmName,
          same
            ? `${first.node.path} already uses this VM name`
            : `it maps to the same Terraform address livevirt_vm.${logicalId(this.vmName)} as ${first.node.path} (${JSON.stringify(first.vmName)})`,
          "give each VM its own name",
        ),
      );
    }
    out.push(...this.macChecks(props));
    out.push(...this.hostChecks(hosts, props));
    return out;
  }

  /**
   * A VM declared on a draining host (it must leave: the stack is what says where it goes), and the
   * declared capacity of its host against every VM of the stack declared there up to this one. A
   * cordoned host is checked at plan, where a VM that stays can be told from one that arrives.
   */
  private hostChecks(hosts: LivevirtHosts | undefined, props: VmPlacementProps): string[] {
    if (!hosts || typeof props.host !== "string" || Token.isUnresolved(props.host)) return [];
    const host = hosts.hosts.find((h) => h?.name === props.host);
    if (!host) return [];
    const state = host.state === "draining" ? hostStateProblem("host", this.vmName, host, false, hosts.hosts) : null;
    const out = state ? modelProblems(this.node.path, [state]) : [];
    if (host.capacityMemoryMib === undefined && host.capacityVcpus === undefined) return out;
    const landing: Landing[] = [];
    for (const n of TerraformStack.of(this).node.findAll()) {
      if (!(n instanceof VmPlacement) || n.props.host !== props.host) continue;
      const memory = numberOr(n.props.maxMemoryMib, numberOr(n.props.memoryMib, VM_DEFAULTS.memoryMib));
      landing.push({ vm: n.vmName, memoryMib: memory, vcpus: numberOr(n.props.maxVcpus, numberOr(n.props.vcpus, VM_DEFAULTS.vcpus)) });
      if (n === this) break;
    }
    // Reported once, by the VM that overflows first (the later ones would repeat it).
    const before = capacityProblem("host", host, landing.slice(0, -1));
    const now = capacityProblem("host", host, landing);
    return before || !now ? out : [...out, ...modelProblems(this.node.path, [now])];
  }

  /** A MAC another VM of the stack declares (a VM's own duplicates are the model's rule). */
  private macChecks(props: VmPlacementProps): string[] {
    const mine = macOwners(this, props);
    if (mine.length === 0) return [];
    const earlier: MacOwner[] = [];
    for (const n of TerraformStack.of(this).node.findAll()) {
      if (n === this) break;
      if (n instanceof VmPlacement) earlier.push(...macOwners(n, n.props));
    }
    return modelProblems(
      this.node.path,
      mine.flatMap((m) => duplicateMacProblem(m, earlier) ?? []),
    );
  }
}

function macOwners(vm: VmPlacement, props: VmPlacementProps): MacOwner[] {
  const out: MacOwner[] = [];
  (Array.isArray(props.networkInterfaces) ? props.networkInterfaces : []).forEach((n, i) => {
    if (typeof n?.mac === "string" && !Token.isUnresolved(n.mac)) out.push({ vm: vm.node.path, field: `networkInterfaces.${i}.mac`, mac: n.mac });
  });
  return out;
}

const numberOr = (v: unknown, d: number): number => (typeof v === "number" && !Token.isUnresolved(v) ? v : d);

/** A Terraform identifier from a VM name (letters, digits, _ and -; not starting with a digit). */
export function logicalId(vmName: string): string {
  const id = String(vmName).replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[A-Za-z_]/.test(id) ? id : `vm_${id}`;
}
