/** resource "livevirt_vm": plan rules from vm-plan.ts, libvirt work delegated to the VmDriver. */
import { DomainNotFoundError, LivevirtError, ValidationError } from "../../src/errors.js";
import {
  InterfaceUpdateFailed,
  MoveFailed,
  hostStateProblem,
  planResize,
  redactSecrets,
  sameEndpoint,
  type Host,
  type Placement,
} from "../../src/model/index.js";
import { problemError } from "./spelling.js";
import { ApplyFailedWithState, type CallContext, type ResourceType } from "../framework/resource.js";
import { Unknown, valuesEqual, type ObjectValue } from "../framework/values.js";
import type { LivevirtRuntime } from "./runtime.js";
import { VM_TYPE, vmSchema } from "./schema.js";
import { isMove, planVm, sizes } from "./vm-plan.js";
import { importedState, lastMoveValue, nicValue, vmFromValue, vmRef, withAssignedMacs } from "./vm-spec.js";
import { validateVm } from "./vm-validate.js";

/** The attributes an in-place update changes on the host after any move (resize, hot-plug). */
const IN_PLACE = ["memory_mib", "vcpus", "max_memory_mib", "max_vcpus", "resize", "network_interface"] as const;

export function vmResource(rt: LivevirtRuntime): ResourceType {
  const dctx = (ctx: CallContext) => ({ signal: ctx.signal, log: ctx.log });
  /**
   * The in-place changes on the host after any move: network interfaces (hot-plug). `base` is the
   * state that is true before them; a failure part-way records what the domain has then.
   */
  async function updateInPlace(ctx: CallContext, base: ObjectValue, planned: ObjectValue, where?: Placement): Promise<ObjectValue> {
    const resize = planResize(sizes(base), sizes(planned));
    const nicsChange = !valuesEqual(base.network_interface ?? [], planned.network_interface ?? []);
    if (resize.how === "none" && !nicsChange) return planned;
    const { vm } = rt.driver();
    let current = where ?? (await vm.read(vmRef(base), dctx(ctx)));
    if (!current)
      throw new LivevirtError(`VM ${String(base.name)} is not on any declared host`, {
        host: String(base.host),
        fix: "run `terraform apply -refresh-only` so Terraform learns it is gone",
      });
    let done: ObjectValue = { ...base, id: planned.id ?? base.id ?? null };
    if (resize.how !== "none") {
      ctx.log.info(`${String(planned.name)}: resize ${resize.text}`);
      try {
        current = await vm.resize(current, resize.to, resize.how, dctx(ctx));
      } catch (err) {
        // Sizes unknown after a failure part-way: the state keeps the old ones; the next refresh and plan tell.
        throw new ApplyFailedWithState(done, err);
      }
      const keep = ["memory_mib", "vcpus", "max_memory_mib", "max_vcpus", "resize"] as const;
      done = { ...done, ...Object.fromEntries(keep.map((k) => [k, planned[k] ?? null])), state: current.state };
    }
    if (!nicsChange) return { ...planned, state: current.state };
    try {
      const found = await vm.updateInterfaces(current, vmFromValue(base).networkInterfaces, vmFromValue(planned).networkInterfaces, dctx(ctx));
      return { ...planned, state: current.state, network_interface: withAssignedMacs(planned.network_interface, found) };
    } catch (err) {
      if (err instanceof InterfaceUpdateFailed) throw new ApplyFailedWithState(err.found ? { ...done, network_interface: err.found.map(nicValue) } : done, err);
      throw err;
    }
  }

  return {
    name: VM_TYPE,
    schema: vmSchema,
    validate: validateVm,

    async plan(req, ctx) {
      const to = typeof req.config.host === "string" ? rt.requireHost(req.config.host, "host") : null;
      const res = planVm(req);
      // One MAC, one VM, across everything this provider process plans (one plan's resources).
      if (!ctx.destroyRun) rt.claimMacs(vmFromValue(res.planned));
      // An adopted VM is never rebuilt from livevirt's partial model: its other devices would be lost.
      if (req.prior?.adopted === true && res.requiresReplace?.length && !ctx.destroyRun) {
        const attrs = res.requiresReplace.map((p) => p[0]).join(", ");
        const dropped = rt.hostsKnown() ? ((await rt.driver().vm.unmodeled?.(vmRef(req.prior), dctx(ctx))) ?? []) : [];
        throw new ValidationError(
          `${String(req.prior.name)} was adopted (imported): changing ${attrs} would re-create it from livevirt's model and drop what livevirt does not model`,
          {
            field: String(res.requiresReplace[0]![0]),
            value: JSON.stringify(req.config[String(res.requiresReplace[0]![0])] ?? null),
            fix:
              `${dropped.length ? `it has ${dropped.join(", ")} — ` : ""}change ${attrs} with the tool that defined it (or virsh edit), ` +
              `then \`terraform apply -refresh-only\`; or restore ${attrs} in the configuration to what the VM has`,
          },
        );
      }
      // A VM this plan creates (or re-creates): the host must have its networks, checked now.
      const creates = !req.prior || (res.requiresReplace?.length ?? 0) > 0;
      // The planned host's state, and its capacity across everything this plan lands there.
      if (to && !ctx.destroyRun && rt.hosts) {
        const arriving = !req.prior || req.prior.host !== res.planned.host;
        const p = hostStateProblem("host", String(res.planned.name), to, arriving, rt.hosts.hosts);
        if (p) throw problemError(p, { host: to.name });
        // A host change reads both hosts for its preflight (below): started now, alongside the capacity
        // and location reads — after the checks that need no host, so bad input touches none.
        if (req.prior && isMove(req.prior, res.planned) && typeof req.prior.host === "string") {
          sameHostRefused(rt.hosts.find(req.prior.host), to);
          if (rt.hostsKnown()) rt.driver().vm.prepareMove?.(req.prior.host, to.name, dctx(ctx));
        }
        if (arriving && rt.hostsKnown()) {
          const v = vmFromValue(res.planned);
          const usage = rt.driver().vm.hostUsage;
          const used = to.capacityMemoryMib !== undefined || to.capacityVcpus !== undefined;
          await rt.land(to, { vm: v.name, memoryMib: v.maxMemoryMib ?? v.memoryMib, vcpus: v.maxVcpus ?? v.vcpus }, () =>
            usage ? usage(to.name, { used }, dctx(ctx)) : Promise.resolve({}),
          );
        }
      }
      if (creates && !ctx.destroyRun && to && rt.hostsKnown() && isKnownVm(res.planned)) await rt.driver().vm.placeCheck?.(vmFromValue(res.planned), dctx(ctx));
      if (!req.prior || !isMove(req.prior, res.planned)) return res;
      // The refresh that precedes a destroy plan is a normal plan whose result is thrown away: no
      // move check may fail it, or a refused move would block tearing the stack down. The verdict
      // stays unknown there; nothing is moved by a destroy.
      if (ctx.destroyRun) {
        ctx.log.info(`${String(res.planned.name)}: move checks skipped: this plan is the refresh before a destroy`);
        return res;
      }
      sameHostRefused(typeof req.prior.host === "string" ? rt.hosts?.find(req.prior.host) : undefined, to);
      // For a move, ask the driver for its verdict now so the plan shows it.
      const vm = rt.hostsKnown() ? rt.driver().vm : null;
      if (typeof res.planned.host === "string" && vm?.preflight) {
        res.planned.preflight = await vm.preflight(vmRef(req.prior), vmFromValue(res.planned), dctx(ctx));
      }
      return res;
    },

    async apply({ prior, planned }, ctx) {
      const { vm } = rt.driver();
      if (planned === null) {
        if (prior) {
          try {
            await vm.delete(vmRef(prior), dctx(ctx));
          } catch (err) {
            if (!(err instanceof DomainNotFoundError)) throw err;
          }
        }
        return null;
      }
      const leftovers = prior && Array.isArray(prior.leftover_definitions) ? (prior.leftover_definitions as string[]) : [];
      if (planned !== null && leftovers.length > 0) await vm.removeLeftovers(vmRef(prior!), leftovers, dctx(ctx));
      if (prior === null) {
        const obs = await vm.create(vmFromValue(planned), dctx(ctx));
        return {
          ...planned,
          id: obs.uuid,
          domain_type: planned.domain_type === Unknown ? obs.domainType : (planned.domain_type ?? null),
          network_interface: withAssignedMacs(planned.network_interface, obs.networkInterfaces),
          state: obs.state,
          adopted: false,
          last_move: null,
          preflight: null,
        };
      }
      if (isMove(prior, planned)) {
        // The VM is located once per apply: here. Already running on the new host: a migration of
        // an interrupted apply (provider killed) finished after this plan was made — a saved plan
        // applied again, or -refresh=false. Moving it "again" would be a move to itself; record
        // where it is instead.
        const ref = vmRef(prior);
        const now = await vm.read(ref, dctx(ctx));
        if (!now) {
          throw new LivevirtError(`VM ${ref.name} (${ref.id}) is not on any declared host`, {
            host: ref.host,
            fix: "run `terraform apply -refresh-only` (or plan again) so Terraform learns it is gone and creates it",
          });
        }
        if (now.host === planned.host && now.state === "running") {
          ctx.log.warn(`${now.name} already runs on host ${now.host}: nothing to move`, { id: now.uuid });
          const arrived: ObjectValue = {
            ...planned,
            id: now.uuid,
            state: now.state,
            last_move: null,
            preflight: planned.preflight === Unknown ? null : (planned.preflight ?? null),
          };
          // The plan's in-place changes (resize, interfaces) have not happened yet: they still do.
          return updateInPlace(ctx, { ...arrived, ...Object.fromEntries(IN_PLACE.map((k) => [k, prior[k] ?? null])) }, arrived, now);
        }
        let moved;
        try {
          moved = await vm.move(now, vmFromValue(planned), dctx(ctx));
        } catch (err) {
          if (!(err instanceof MoveFailed)) throw err;
          throw new ApplyFailedWithState(stateAfterFailedMove(prior, planned, err.placement), err);
        }
        const { placement, record } = moved;
        const afterMove: ObjectValue = {
          ...planned,
          id: prior.id ?? placement.uuid,
          state: placement.state,
          last_move: lastMoveValue(record),
          preflight: planned.preflight === Unknown ? record.preflight : (planned.preflight ?? null),
        };
        // The VM is on its new host now: the state from here on says so, whatever follows.
        // What is true now: moved, with the sizes and interfaces it had — the in-place changes follow.
        const truth: ObjectValue = { ...afterMove };
        for (const k of IN_PLACE) truth[k] = prior[k] ?? null;
        return updateInPlace(ctx, truth, afterMove, placement);
      }
      // In place: network interfaces (hot-plug). Otherwise only the migration policy changed.
      return updateInPlace(ctx, prior, { ...planned });
    },

    async read(state, ctx) {
      const d = rt.driver().vm;
      const obs = await (d.refresh ?? d.read)(vmRef(state), dctx(ctx));
      if (!obs) return null;
      const next: ObjectValue = { ...state, id: obs.uuid, host: obs.host, state: obs.state };
      // Looked for only for a VM that arrived by migration: otherwise keep what the state says.
      if (obs.leftovers) next.leftover_definitions = obs.leftovers.length > 0 ? [...obs.leftovers] : null;
      // What the domain really has (a NIC detached behind Terraform's back shows as drift).
      if (obs.networkInterfaces) next.network_interface = obs.networkInterfaces.map(nicValue);
      // "auto" must stay "auto" (it is what the config says); a concrete type is checked for drift.
      if (state.domain_type !== "auto") next.domain_type = obs.domainType;
      return next;
    },

    async import(id, ctx) {
      const { placement, vm } = await rt.driver().vm.import(id, dctx(ctx));
      return importedState(placement, vm);
    },
  };
}

/** The attributes a place check reads are known (an interface's network may come from another resource). */
function isKnownVm(v: ObjectValue): boolean {
  const nics = Array.isArray(v.network_interface) ? (v.network_interface as ObjectValue[]) : [];
  return v.host !== Unknown && v.network_interface !== Unknown && nics.every((n) => n.network !== Unknown && n.bridge !== Unknown);
}

/**
 * What the state must say after a failed move: where the VM really is. Still on the source →
 * the prior state (the next plan proposes the move again); on the destination → the planned
 * placement; not found anywhere → the prior state, and the next refresh will tell.
 */
export function stateAfterFailedMove(prior: ObjectValue, planned: ObjectValue, observed: Placement | null): ObjectValue {
  if (!observed) return prior;
  const base =
    observed.host === planned.host
      ? { ...planned, last_move: null, preflight: planned.preflight === Unknown ? null : (planned.preflight ?? null) }
      : { ...prior };
  return { ...base, id: observed.uuid, host: observed.host, state: observed.state };
}

/** Two declared names of one libvirt host: a "move" between them is refused at plan. */
function sameHostRefused(from: Host | undefined, to: Host | null): void {
  if (!from || !to || !sameEndpoint(from, to)) return;
  throw new ValidationError(
    `host "${from.name}" and host "${to.name}" are the same libvirt host (${redactSecrets(to.uri)}): moving the VM between them is no move`,
    {
      field: "host",
      value: to.name,
      host: to.name,
      fix: `keep host = "${from.name}", or declare each host once and move the VM to a different one`,
    },
  );
}
