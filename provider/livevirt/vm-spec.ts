/** livevirt_vm Terraform values ↔ the model's Vm, Placement and MoveRecord (translation only). */
import { resolveMigration, resolveVm, type MigrationPolicy, type MoveRecord, type NetworkInterface, type Placement, type Vm } from "../../src/model/index.js";
import { isUnknown, type ObjectValue, type Value } from "../framework/values.js";
import type { VmRef } from "./driver.js";
import { lastMoveType } from "./schema.js";
import { modelInput, terraformValue } from "./spelling.js";

/** The migration block (null = left out), defaults resolved by the model. */
export function migrationPolicy(m: ObjectValue | null): MigrationPolicy {
  return resolveMigration(m ? (modelInput(m) as Partial<MigrationPolicy>) : null);
}

/**
 * From a planned livevirt_vm value (wholly known except computed attributes, which count as left
 * out): every attribute by its model name, defaults filled in by the model (resolveVm).
 */
export const vmFromValue = (v: ObjectValue): Vm => resolveVm(modelInput(v, "leave out"));

const nicValues = (v: Value | undefined): ObjectValue[] => (Array.isArray(v) ? (v as ObjectValue[]) : []);

/** network_interface blocks as Terraform stores them. */
export const nicValue = (n: NetworkInterface): ObjectValue => terraformValue(n);

/**
 * The planned interfaces with the MACs libvirt assigned at create filled in (by position: the
 * domain's interfaces are written in the configuration's order). A MAC the create did not report
 * stays unknown, which Terraform then reports as a provider bug rather than storing a guess.
 */
export function withAssignedMacs(planned: Value | undefined, found: readonly NetworkInterface[] | undefined): Value {
  return nicValues(planned).map((n, i) => (isUnknown(n.mac ?? null) && found?.[i]?.mac ? { ...n, mac: found[i]!.mac } : n));
}

export const vmRef = (v: ObjectValue): VmRef => ({ id: String(v.id), name: String(v.name), host: String(v.host) });

/** The record as `last_move`: the fields the schema's object type names (not the verdict, shown as `preflight`). */
export function lastMoveValue(r: MoveRecord): ObjectValue {
  const all = terraformValue(r);
  return Object.fromEntries(Object.keys(lastMoveType[1]).map((k) => [k, all[k] ?? null]));
}

/** A full state value for an imported VM (no move history, no migration block). */
export function importedState(p: Placement, vm: Vm): ObjectValue {
  return {
    ...terraformValue(vm),
    id: p.uuid,
    name: p.name,
    host: p.host,
    resize: null,
    domain_type: p.domainType,
    migration: null,
    state: p.state,
    leftover_definitions: p.leftovers && p.leftovers.length > 0 ? [...p.leftovers] : null,
    adopted: true,
    last_move: null,
    preflight: null,
  };
}
