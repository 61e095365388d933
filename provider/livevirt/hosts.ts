/** The provider's host blocks: the model's host rules in HCL, and the model's Host list from a config. */
import { hostsProblems, type Host, type HostState } from "../../src/model/index.js";
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
    if ([b.name, b.uri, b.migration_uri, b.shell, b.state, b.capacity_memory_mib, b.capacity_vcpus, b.max_outbound_moves, b.max_inbound_moves].some(isUnknown))
      return null;
    const shell = Array.isArray(b.shell) && b.shell.every((a) => typeof a === "string") ? (b.shell as string[]) : undefined;
    hosts.push({
      name: String(b.name),
      uri: String(b.uri),
      ...(typeof b.migration_uri === "string" ? { migrationUri: b.migration_uri } : {}),
      ...(shell ? { shell } : {}),
      ...(typeof b.state === "string" ? { state: b.state as HostState } : {}),
      ...(typeof b.capacity_memory_mib === "number" ? { capacityMemoryMib: b.capacity_memory_mib } : {}),
      ...(typeof b.capacity_vcpus === "number" ? { capacityVcpus: b.capacity_vcpus } : {}),
      ...(typeof b.max_outbound_moves === "number" ? { maxOutboundMoves: b.max_outbound_moves } : {}),
      ...(typeof b.max_inbound_moves === "number" ? { maxInboundMoves: b.max_inbound_moves } : {}),
    });
  }
  return hosts;
}
