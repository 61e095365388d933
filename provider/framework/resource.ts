/**
 * What a resource, data source and provider implement. Plain values only: the protocol edge
 * (plugin/provider-service.ts) decodes and encodes, and turns thrown LivevirtErrors into
 * diagnostics (diagnostics.ts). Resources never see protobuf or msgpack.
 */
import type { LivevirtError } from "../../src/errors.js";
import type { Logger } from "../plugin/log.js";
import type { Schema } from "./schema.js";
import type { ObjectValue } from "./values.js";

/** Attribute path: strings are attribute names, numbers are list indexes. */
export type AttributePath = readonly (string | number)[];

export interface CallContext {
  /** Aborted when Terraform sends StopProvider (Ctrl-C): long operations must stop cleanly. */
  signal: AbortSignal;
  log: Logger;
  /**
   * This process serves a Terraform run that builds a destroy plan (`terraform destroy`,
   * `plan -destroy`, `apply -destroy`). Its non-destroy plans are only the refresh before the
   * destroy: their planned values are thrown away, so checks of a planned change must not fail them.
   */
  destroyRun?: boolean;
}

export interface PlanRequest {
  /** null when the resource is being created. */
  prior: ObjectValue | null;
  /** Terraform's merge of config onto prior (computed attributes keep prior values). */
  proposed: ObjectValue;
  config: ObjectValue;
}

export interface PlanResult {
  planned: ObjectValue;
  requiresReplace?: AttributePath[];
  /** Shown to the user as warnings; the plan still succeeds. */
  warnings?: LivevirtError[];
}

export interface ApplyRequest {
  prior: ObjectValue | null;
  /** null when the resource is being destroyed. */
  planned: ObjectValue | null;
  config: ObjectValue | null;
}

export interface ResourceType {
  readonly name: string;
  readonly schema: Schema;
  /** Static checks of one resource's config (values may be Unknown). Return errors, don't throw. */
  validate?(config: ObjectValue): LivevirtError[];
  plan(req: PlanRequest, ctx: CallContext): PlanResult | Promise<PlanResult>;
  /** Create, update or (planned === null) delete; returns the new state, null after delete. */
  apply(req: ApplyRequest, ctx: CallContext): Promise<ObjectValue | null>;
  /** Refresh; null means the object is gone and Terraform should plan to create it again. */
  read(state: ObjectValue, ctx: CallContext): Promise<ObjectValue | null>;
  /** State for `terraform import`; Terraform calls read() right after. */
  import?(id: string, ctx: CallContext): Promise<ObjectValue>;
  /** Migrate state written by an older schema version (already decoded with the current schema). */
  upgrade?(fromVersion: number, state: ObjectValue): ObjectValue;
}

export interface DataSourceType {
  readonly name: string;
  readonly schema: Schema;
  validate?(config: ObjectValue): LivevirtError[];
  read(config: ObjectValue, ctx: CallContext): Promise<ObjectValue>;
}

export interface ProviderDefinition {
  readonly schema: Schema;
  validate?(config: ObjectValue): LivevirtError[];
  configure(config: ObjectValue, ctx: CallContext): Promise<void>;
  readonly resources: readonly ResourceType[];
  readonly dataSources: readonly DataSourceType[];
}

/**
 * An apply that failed part-way but knows what is true now (e.g. a move that failed with the VM
 * still running on its source): Terraform records `state` and shows `cause` as the error.
 */
export class ApplyFailedWithState extends Error {
  constructor(
    readonly state: ObjectValue | null,
    readonly reason: unknown,
  ) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason });
  }
}
