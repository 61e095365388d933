/** The provider's host blocks: the model's host rules in HCL, and the model's Host list from a config. */
import { hostsProblems, type Host } from "../../src/model/index.js";
import type { ValidationError } from "../../src/errors.js";
import { isUnknown, type ObjectValue } from "../framework/values.js";
import { modelInput, problemError } from "./spelling.js";

/**
 * All problems with the host blocks; unknown values (known only after apply) are skipped. A
 * provider block without any host is left to ConfigureProvider (Terraform may validate a config
 * whose blocks are still unknown).
 */
export function hostProblems(config: ObjectValue): ValidationError[] {
  const blocks = config.host;
  if (!Array.isArray(blocks) || blocks.length === 0) return [];
  const input = modelInput({ host: blocks }).hosts;
  return hostsProblems(input).map((p) => {
    const i = Number(p.field.split(".")[1]);
    const name = (blocks[i] as ObjectValue | undefined)?.name;
    return problemError(p, typeof name === "string" ? { host: name } : {});
  });
}

/** The model's hosts from a validated config; null when part of it is still unknown. */
export function hostList(config: ObjectValue): Host[] | null {
  const blocks = config.host;
  if (!Array.isArray(blocks)) return null;
  const hosts: Host[] = [];
  for (const raw of blocks) {
    const b = raw as ObjectValue;
    if (Object.values(b).some(isUnknown)) return null;
    // Validated by the schema and the model's hostsProblems: each block is a Host in HCL names.
    hosts.push(modelInput(b) as unknown as Host);
  }
  return hosts;
}
