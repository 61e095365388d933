/**
 * LivevirtHosts: the libvirt hosts a stack may place VMs on. It configures the livevirt provider
 * (one `host` block per host); VmPlacement constructs name these hosts by their short `name`.
 */
import { TerraformStack } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { LivevirtProvider } from "../.gen/providers/livevirt/provider/index.js";
import { hostsProblems, type Host } from "../src/model/index.js";
import { modelProblems, problem, PropsValidator, tokensMarked, type PropsSchema } from "./validation.js";

export type { Host } from "../src/model/index.js";

export interface LivevirtHostsProps {
  /** The hosts, at least one, names unique. */
  readonly hosts: readonly Host[];
}

/** The props' shape (exported for docs and tests); the rules are the model's (src/model/host.ts). */
export const livevirtHostsSchema: PropsSchema = {
  type: "object",
  additionalProperties: false,
  required: ["hosts"],
  properties: {
    hosts: {
      type: "array",
      fix: 'declare the hosts as a list, e.g. hosts: [{ name: "a", uri: "qemu:///system" }]',
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "uri"],
        fix: 'write each host as { name: "a", uri: "qemu+ssh://root@kvm-a/system" }',
        properties: {
          name: { type: "string" },
          uri: { type: "string" },
          migrationUri: { type: "string" },
          migrationAddress: { type: "string" },
          shell: { type: "array", items: { type: "string" }, fix: 'give the command as argv words, e.g. ["ssh", "root@kvm-a"], or leave shell out' },
          state: { type: "string", fix: 'set state to "active", "cordoned" or "draining"' },
          capacityMemoryMib: { type: "number" },
          capacityVcpus: { type: "number" },
          maxOutboundMoves: { type: "number" },
          maxInboundMoves: { type: "number" },
        },
      },
    },
  },
};

const validator = new PropsValidator<LivevirtHostsProps>(livevirtHostsSchema, "LivevirtHosts");

export class LivevirtHosts extends Construct {
  /** The configured provider; pass it to resources that should use these hosts explicitly. */
  readonly provider: LivevirtProvider;
  readonly hosts: readonly Host[];

  constructor(scope: Construct, id: string, props: LivevirtHostsProps) {
    super(scope, id);
    this.hosts = props.hosts ?? [];
    this.provider = new LivevirtProvider(this, "provider", {
      // Every Host field has the provider attribute of the same name (the schema test holds them in step).
      host: (Array.isArray(this.hosts) ? this.hosts : []).map((h) => ({ ...h, shell: h.shell ? [...h.shell] : undefined })),
    });
    this.node.addValidation({
      validate: () => {
        const { value, tokens } = tokensMarked(props);
        const rules = hostsProblems((value as { hosts?: unknown }).hosts);
        return [...validator.problems(this.node.path, props), ...modelProblems(this.node.path, rules, tokens), ...this.crossChecks()];
      },
    });
  }

  /** Declared host names (valid or not), in order. */
  get names(): string[] {
    return Array.isArray(this.hosts) ? this.hosts.map((h) => h?.name).filter((n): n is string => typeof n === "string") : [];
  }

  /** Every LivevirtHosts in the stack that holds `c`. */
  static allIn(c: IConstruct): LivevirtHosts[] {
    return TerraformStack.of(c)
      .node.findAll()
      .filter((n): n is LivevirtHosts => n instanceof LivevirtHosts);
  }

  private crossChecks(): string[] {
    const out: string[] = [];
    const path = this.node.path;
    // One provider configuration per stack: a second LivevirtHosts would silently fight the first
    // over the default provider (Terraform rejects duplicate provider blocks without an alias).
    const all = LivevirtHosts.allIn(this);
    if (all.length > 1 && all[0] !== this) {
      out.push(
        problem(
          path,
          "hosts",
          this.names,
          `this stack already declares its hosts in ${all[0]!.node.path}`,
          `move these hosts into ${all[0]!.node.path} (one LivevirtHosts per stack)`,
        ),
      );
    }
    return out;
  }
}
