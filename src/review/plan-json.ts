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

export interface PlanSummary {
  terraformVersion?: string;
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
    formatVersion: json.format_version,
    errored: json.errored === true,
    vms,
  };
}
