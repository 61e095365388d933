/**
 * The part of `terraform show -json <plan>` the review reads: `resource_changes` of type
 * livevirt_vm. Only plain JSON shapes here (no provider types): the review must work on a plan
 * saved anywhere, e.g. by CI, without loading the provider.
 * https://developer.hashicorp.com/terraform/internals/json-format#change-representation
 */
import { ParseError } from "../errors.js";

export const VM_RESOURCE = "livevirt_vm";

export type Attrs = Record<string, unknown>;

/** Terraform's action lists, named. Replace is ["delete","create"] or, with create_before_destroy, ["create","delete"]. */
export type VmAction = "create" | "delete" | "update" | "replace" | "no-op" | "read";

export interface VmChange {
  address: string;
  action: VmAction;
  before: Attrs | null;
  after: Attrs | null;
  /** Attributes (and nested ones) that are "known after apply": Terraform leaves them out of `after`. */
  afterUnknown: Attrs;
  /** Attribute paths that force the replacement (`replace_paths`), when Terraform says. */
  replacePaths: string[][];
}

/** A host block of the plan's livevirt provider configuration: what the review reads of it (constants only). */
export interface PlanHost {
  name: string;
  state?: string;
  capacityMemoryMib?: number;
  maxOutboundMoves?: number;
  maxInboundMoves?: number;
}

export interface PlanSummary {
  terraformVersion?: string;
  /** The livevirt provider's host blocks; empty when the configuration is not in the plan or not constant. */
  hosts: PlanHost[];
  formatVersion?: string;
  /** False when Terraform could not finish the plan (`errored`): the review says so. */
  errored: boolean;
  vms: VmChange[];
}

const isObj = (v: unknown): v is Attrs => typeof v === "object" && v !== null && !Array.isArray(v);

function actionOf(actions: unknown, address: string, text: string): VmAction {
  const a = Array.isArray(actions) ? actions.join(",") : "";
  switch (a) {
    case "create":
    case "delete":
    case "update":
    case "no-op":
    case "read":
      return a;
    case "delete,create":
    case "create,delete":
      return "replace";
    default:
      throw new ParseError(`plan JSON: ${address} has unknown actions ${JSON.stringify(actions)}`, "terraform show -json", text);
  }
}

export function readPlan(json: unknown): PlanSummary {
  const excerpt = () => JSON.stringify(json).slice(0, 200);
  if (!isObj(json) || typeof json.format_version !== "string") {
    throw new ParseError("not a Terraform plan in JSON: no format_version (expected `terraform show -json <plan file>`)", "terraform show -json", excerpt());
  }
  if ("values" in json && !("resource_changes" in json) && !("planned_values" in json)) {
    throw new ParseError("this is Terraform state, not a plan: run `terraform show -json <plan file>` on a saved plan", "terraform show -json", excerpt());
  }
  const changes = json.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new ParseError("plan JSON: resource_changes is not a list", "terraform show -json", excerpt());
  const vms: VmChange[] = [];
  for (const rc of changes) {
    if (!isObj(rc) || rc.type !== VM_RESOURCE || rc.mode === "data") continue;
    const address = String(rc.address);
    const c = isObj(rc.change) ? rc.change : {};
    vms.push({
      address,
      action: actionOf(c.actions, address, JSON.stringify(rc).slice(0, 200)),
      before: isObj(c.before) ? c.before : null,
      after: isObj(c.after) ? c.after : null,
      afterUnknown: isObj(c.after_unknown) ? c.after_unknown : {},
      replacePaths: Array.isArray(c.replace_paths) ? c.replace_paths.filter(Array.isArray).map((p) => p.map(String)) : [],
    });
  }
  return {
    ...(typeof json.terraform_version === "string" ? { terraformVersion: json.terraform_version } : {}),
    hosts: hostsOf(json.configuration),
    formatVersion: json.format_version,
    errored: json.errored === true,
    vms,
  };
}

/**
 * `configuration.provider_config.livevirt.expressions.host`: one object per host block, each
 * attribute `{ constant_value }` when it is a literal (a cdktf stack's always are). A host whose
 * name is not a constant is left out.
 */
function hostsOf(configuration: unknown): PlanHost[] {
  const providers = isObj(configuration) && isObj(configuration.provider_config) ? configuration.provider_config : {};
  const livevirt = Object.values(providers).find((p): p is Attrs => isObj(p) && p.name === "livevirt" && !("alias" in p));
  const blocks = livevirt && isObj(livevirt.expressions) && Array.isArray(livevirt.expressions.host) ? livevirt.expressions.host : [];
  const constant = (b: Attrs, k: string) => (isObj(b[k]) ? (b[k] as Attrs).constant_value : undefined);
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const out: PlanHost[] = [];
  for (const b of blocks) {
    if (!isObj(b) || typeof constant(b, "name") !== "string") continue;
    const h: PlanHost = { name: constant(b, "name") as string };
    const state = constant(b, "state");
    if (typeof state === "string") h.state = state;
    const set = (k: "capacityMemoryMib" | "maxOutboundMoves" | "maxInboundMoves", v: unknown) => {
      if (num(v) !== undefined) h[k] = num(v);
    };
    set("capacityMemoryMib", constant(b, "capacity_memory_mib"));
    set("maxOutboundMoves", constant(b, "max_outbound_moves"));
    set("maxInboundMoves", constant(b, "max_inbound_moves"));
    out.push(h);
  }
  return out;
}
