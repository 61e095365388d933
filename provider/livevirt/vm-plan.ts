/**
 * Plan rules of livevirt_vm, a pure function so they are table-testable:
 *  - no prior → create: defaults filled, computed values unknown (last_move/preflight null);
 *  - a change of `name` or of the VM definition → replace (listed in requiresReplace);
 *  - a change of `host` (alone, or with migration policy) → in-place update keeping `id`,
 *    with state/last_move/preflight unknown — the apply live-migrates;
 *  - a change of only the migration policy → in-place update of state only;
 *  - a change of memory_mib / vcpus / max_memory_mib / max_vcpus → in-place update: live within
 *    the running domain's maxima, else a restart on its host; `resize` says which, in words;
 *  - a change of network interfaces → in-place update (hot-plug); an added interface without a
 *    MAC gets one at apply (unknown in the plan);
 *  - definitions a finished move left on other hosts (leftover_definitions, found by the refresh)
 *    → in-place update to null: the apply removes them;
 *  - nothing changed → planned is exactly prior (no-op).
 */
import { fillDefaults, unknownComputed } from "../framework/plan-helpers.js";
import type { PlanRequest, PlanResult } from "../framework/resource.js";
import { Unknown, valuesEqual, type ObjectValue, type Value } from "../framework/values.js";
import { vmSchema } from "./schema.js";
import { VM_DEFAULTS, planResize, type Sizes } from "../../src/model/index.js";

const n = (v: Value | undefined): number | null => (typeof v === "number" ? v : null);
/** The sizes of a livevirt_vm value (state or plan). */
export const sizes = (v: ObjectValue): Sizes => ({
  memoryMib: n(v.memory_mib) ?? VM_DEFAULTS.memoryMib,
  maxMemoryMib: n(v.max_memory_mib),
  vcpus: n(v.vcpus) ?? VM_DEFAULTS.vcpus,
  maxVcpus: n(v.max_vcpus),
});

/**
 * Attributes whose change needs a new domain. Memory, CPUs, boot and disks could in principle
 * be changed on a stopped domain, but a running VM would need a restart anyway; replacing is
 * the honest plan until in-place edits are designed.
 */
export const REPLACE_ON_CHANGE = ["name", "domain_type", "cpu", "kernel", "initrd", "cmdline", "disk", "console_log"] as const;

const COMPUTED_ON_MOVE = ["state", "last_move", "preflight"] as const;

/** Only an import adopts a VM; one livevirt creates (or re-creates) is its own. */
const ADOPTED_ON_CREATE = false;

/**
 * A disk's `shared` only says how a move treats the image (copy it or not); the domain is the
 * same either way. Marking a disk non-shared before moving it with copy_storage must not
 * replace — destroy and re-create — the VM, so the replace comparison leaves it out.
 */
function forReplace(attr: string, v: Value | undefined): Value | undefined {
  if (attr !== "disk" || !Array.isArray(v)) return v;
  return v.map((d) => (d !== null && typeof d === "object" && !Array.isArray(d) ? { ...(d as ObjectValue), shared: null } : d));
}

export function planVm({ prior, proposed, config }: PlanRequest): PlanResult {
  const block = vmSchema.block;
  let planned = fillDefaults(block, proposed, config);

  if (prior === null) {
    planned = unknownComputed(block, planned, config);
    // Nothing has moved yet and no move is planned: known nulls read better than "(known after apply)".
    planned.last_move = null;
    planned.preflight = null;
    planned.resize = null;
    planned.adopted = ADOPTED_ON_CREATE;
    planned.leftover_definitions = null;
    return { planned };
  }

  const replace = REPLACE_ON_CHANGE.filter((k) => !valuesEqual(forReplace(k, prior[k]), forReplace(k, planned[k])));
  if (replace.length > 0) {
    for (const k of ["id", ...COMPUTED_ON_MOVE] as const) planned[k] = Unknown;
    if ((config.domain_type ?? null) === null) planned.domain_type = Unknown;
    planned.adopted = ADOPTED_ON_CREATE;
    planned.resize = null;
    planned.leftover_definitions = null;
    return { planned, requiresReplace: replace.map((k) => [k]) };
  }

  // An interface added without a MAC: libvirt assigns it at apply.
  if (Array.isArray(planned.network_interface)) {
    planned.network_interface = (planned.network_interface as ObjectValue[]).map((n) => (n.mac === null || n.mac === undefined ? { ...n, mac: Unknown } : n));
  }
  // Computed attributes carry over from prior unless a move will change them.
  const resize = planResize(sizes(prior), sizes(planned));
  planned.resize = resize.how === "none" ? (prior.resize ?? null) : resize.text;
  planned.id = prior.id ?? null;
  planned.adopted = prior.adopted ?? null;
  // Whatever else changes, the apply removes the leftovers the refresh found (none: no change).
  planned.leftover_definitions = null;
  for (const k of COMPUTED_ON_MOVE) planned[k] = prior[k] ?? null;
  if (!valuesEqual(prior.host, planned.host)) {
    for (const k of COMPUTED_ON_MOVE) planned[k] = Unknown;
  }
  if (valuesEqual(planned, prior)) return { planned: prior };
  return { planned };
}

/** True when a planned update moves the VM to another host. */
export const isMove = (prior: ObjectValue | null, planned: ObjectValue | null): boolean =>
  prior !== null && planned !== null && !valuesEqual(prior.host, planned.host);
