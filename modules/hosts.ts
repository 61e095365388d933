/**
 * LivevirtHosts: the libvirt hosts a stack may place VMs on. It configures the livevirt provider
 * (one `host` block per host); VmPlacement constructs name these hosts by their short `name`.
 */
import { TerraformStack } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { LivevirtProvider } from "../.gen/providers/livevirt/provider/index.js";
import { HOST_NAME } from "../provider/index.js";
import { problem, PropsValidator, type PropsSchema } from "./validation.js";

export interface HostProps {
  /** Short name VMs use in `host`, e.g. "a". A lowercase letter, then up to 31 of a–z, 0–9, _ and -. */
  readonly name: string;
  /**
   * libvirt URI livevirt (Terraform, on this machine) connects to, e.g. "qemu+ssh://root@kvm-a/system",
   * "qemu:///system" or "qemu+unix:///system?socket=/path/libvirt-sock".
   */
  readonly uri: string;
  /**
   * URI the *other* hosts' libvirt daemons use to reach this one for peer-to-peer live migration,
   * e.g. "qemu+tcp://10.77.0.2/system".
   * @default uri (only right when the same URI works from every host, e.g. qemu+ssh://kvm-b/system)
   */
  readonly migrationUri?: string;
  /**
   * argv prefix that runs a command on this host, for the provider's host-local post-copy checks
   * (sysctl, /dev/userfaultfd, qemu.conf), e.g. ["ssh", "root@kvm-a"].
   * @default this machine for qemu:/// and qemu+unix URIs, ssh for qemu+ssh URIs; otherwise those checks report "unknown"
   */
  readonly shell?: readonly string[];
}

export interface LivevirtHostsProps {
  /** The hosts, at least one, names unique. */
  readonly hosts: readonly HostProps[];
}

const NAME_RULE = "must be 1–32 characters: a lowercase letter first, then lowercase letters, digits, _ or -";
const URI_FIX = "use a libvirt URI such as qemu:///system, qemu+ssh://root@kvm-a/system, qemu+tls://kvm-a/system or qemu+unix:///system?socket=/path";

/** Exported for docs and tests; `fix`/`explain` are livevirt annotations (see validation.ts). */
export const livevirtHostsSchema: PropsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["hosts"],
  properties: {
    hosts: {
      type: "array",
      minItems: 1,
      fix: 'declare at least one host, e.g. hosts: [{ name: "a", uri: "qemu:///system" }]',
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "uri"],
        fix: 'write each host as { name: "a", uri: "qemu+ssh://root@kvm-a/system" }',
        properties: {
          name: { type: "string", pattern: HOST_NAME.source, explain: NAME_RULE, fix: 'name the host like "a", "kvm-b" or "rack1_host3"' },
          uri: { type: "string", libvirtUri: true, fix: URI_FIX },
          migrationUri: { type: "string", libvirtUri: true, fix: `${URI_FIX}; it must be reachable from the other hosts, e.g. qemu+tcp://10.77.0.2/system` },
          shell: {
            type: "array",
            minItems: 1,
            items: { type: "string", pattern: "\\S", explain: "must not be empty or blank", fix: 'give each argv word as a non-empty string, e.g. ["ssh", "root@kvm-a"]' },
            fix: 'give the command as argv words, e.g. ["ssh", "root@kvm-a"], or leave shell out',
          },
        },
      },
    },
  },
};

const validator = new PropsValidator<LivevirtHostsProps>(livevirtHostsSchema, "LivevirtHosts");

export class LivevirtHosts extends Construct {
  /** The configured provider; pass it to resources that should use these hosts explicitly. */
  readonly provider: LivevirtProvider;
  readonly hosts: readonly HostProps[];

  constructor(scope: Construct, id: string, props: LivevirtHostsProps) {
    super(scope, id);
    this.hosts = props.hosts ?? [];
    this.provider = new LivevirtProvider(this, "provider", {
      host: (Array.isArray(this.hosts) ? this.hosts : []).map((h) => ({ name: h.name, uri: h.uri, migrationUri: h.migrationUri, shell: h.shell ? [...h.shell] : undefined })),
    });
    this.node.addValidation({ validate: () => [...validator.problems(this.node.path, props), ...this.crossChecks()] });
  }

  /** Declared host names (valid or not), in order. */
  get names(): string[] {
    return Array.isArray(this.hosts) ? this.hosts.map((h) => h?.name).filter((n): n is string => typeof n === "string") : [];
  }

  /** Every LivevirtHosts in the stack that holds `c`. */
  static allIn(c: IConstruct): LivevirtHosts[] {
    return TerraformStack.of(c).node.findAll().filter((n): n is LivevirtHosts => n instanceof LivevirtHosts);
  }

  private crossChecks(): string[] {
    const out: string[] = [];
    const path = this.node.path;
    this.names.forEach((name, i) => {
      const first = this.names.indexOf(name);
      if (first !== i) {
        out.push(problem(path, `hosts[${i}].name`, name, `is already the name of hosts[${first}]`, "give each host its own name"));
      }
    });
    // One provider configuration per stack: a second LivevirtHosts would silently fight the first
    // over the default provider (Terraform rejects duplicate provider blocks without an alias).
    const all = LivevirtHosts.allIn(this);
    if (all.length > 1 && all[0] !== this) {
      out.push(
        problem(path, "hosts", this.names, `this stack already declares its hosts in ${all[0]!.node.path}`, `move these hosts into ${all[0]!.node.path} (one LivevirtHosts per stack)`),
      );
    }
    return out;
  }
}
