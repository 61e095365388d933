/**
 * The tfplugin6.Provider RPCs on top of a ProviderDefinition. This is the protocol edge: it
 * decodes DynamicValues with the schema, calls plain-value resource methods, encodes results
 * and turns every thrown error into diagnostics. Nothing protocol-shaped goes further in.
 */
import { LivevirtError } from "../../src/errors.js";
import { toDiagnostic, toDiagnostics, pathSteps, type TfDiagnostic } from "../diagnostics.js";
import { decodeJson, decodeMsgpack, encodeMsgpack } from "../framework/codec.js";
import { withSchemaDefaults } from "../framework/plan-helpers.js";
import { ApplyFailedWithState, type CallContext, type DataSourceType, type ProviderDefinition, type ResourceType } from "../framework/resource.js";
import type { BlockSchema } from "../framework/schema.js";
import type { ObjectValue } from "../framework/values.js";
import type { Msg } from "../wire/protobuf.js";
import type { Logger } from "./log.js";
import { schemaToProto } from "./schema-proto.js";
import { currentTerraformRun, type TerraformRun } from "./terraform-run.js";

export type Handler = (req: Msg) => Promise<Msg>;

interface DynamicValueMsg {
  msgpack?: Uint8Array;
  json?: Uint8Array;
}

export function providerService(
  def: ProviderDefinition,
  log: Logger,
  stop: AbortController,
  run: TerraformRun = currentTerraformRun(),
): Record<string, Handler> {
  const ctx = (): CallContext => ({ signal: stop.signal, log, destroyRun: run.destroy });
  const resources = new Map(def.resources.map((r) => [r.name, r]));
  const dataSources = new Map(def.dataSources.map((d) => [d.name, d]));

  const dyn = (v: unknown, block: BlockSchema): ObjectValue | null => {
    const d = v as DynamicValueMsg | undefined;
    if (d?.msgpack && d.msgpack.length) return decodeMsgpack(d.msgpack, block);
    if (d?.json && d.json.length) return decodeJson(d.json, block);
    return null;
  };
  const out = (v: ObjectValue | null, block: BlockSchema) => ({ msgpack: Buffer.from(encodeMsgpack(v, block)) });
  const resource = (name: unknown): ResourceType => {
    const r = resources.get(String(name));
    if (!r) throw new Error(`unknown resource type ${String(name)}`);
    return r;
  };
  const dataSource = (name: unknown): DataSourceType => {
    const d = dataSources.get(String(name));
    if (!d) throw new Error(`unknown data source type ${String(name)}`);
    return d;
  };

  /** Runs fn; any throw becomes an error diagnostic in the response's diagnostics field. */
  const guarded =
    (rpc: string, fn: (req: Msg) => Promise<Msg> | Msg): Handler =>
    async (req) => {
      const started = Date.now();
      try {
        const res = await fn(req);
        log.trace(`${rpc} done`, { ms: Date.now() - started, type_name: req.type_name });
        return res;
      } catch (err) {
        // User-facing errors are expected (debug); anything else is a bug worth a stack (error).
        if (err instanceof LivevirtError) log.debug(`${rpc} failed`, { error: err, type_name: req.type_name });
        else log.error(`${rpc} failed`, { error: err, stack: err instanceof Error ? err.stack : undefined });
        const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
        return { diagnostics: errors.map((e) => toDiagnostic(e)) };
      }
    };

  // get_provider_schema_optional: the schema never changes within a Terraform command, so
  // Terraform may reuse the first process's answer for the others it starts (it keeps one per
  // provider address) instead of asking each of them — one GetProviderSchema per command, not one
  // per provider process (3 in a plan; each took 10–16 ms to encode and decode, TF_LOG=trace).
  const meta = () => ({
    server_capabilities: { plan_destroy: false, get_provider_schema_optional: true, move_resource_state: false },
  });

  return {
    GetMetadata: guarded("GetMetadata", () => ({
      ...meta(),
      resources: def.resources.map((r) => ({ type_name: r.name })),
      data_sources: def.dataSources.map((d) => ({ type_name: d.name })),
    })),

    GetProviderSchema: guarded("GetProviderSchema", () => ({
      ...meta(),
      provider: schemaToProto(def.schema),
      resource_schemas: Object.fromEntries(def.resources.map((r) => [r.name, schemaToProto(r.schema)])),
      data_source_schemas: Object.fromEntries(def.dataSources.map((d) => [d.name, schemaToProto(d.schema)])),
    })),

    ValidateProviderConfig: guarded("ValidateProviderConfig", (req) => {
      const config = dyn(req.config, def.schema.block);
      return { diagnostics: config && def.validate ? toDiagnostics(def.validate(config)) : [] };
    }),

    ValidateResourceConfig: guarded("ValidateResourceConfig", (req) => {
      const r = resource(req.type_name);
      const config = dyn(req.config, r.schema.block);
      return { diagnostics: config && r.validate ? toDiagnostics(r.validate(config)) : [] };
    }),

    ValidateDataResourceConfig: guarded("ValidateDataResourceConfig", (req) => {
      const d = dataSource(req.type_name);
      const config = dyn(req.config, d.schema.block);
      return { diagnostics: config && d.validate ? toDiagnostics(d.validate(config)) : [] };
    }),

    UpgradeResourceState: guarded("UpgradeResourceState", (req) => {
      const r = resource(req.type_name);
      const raw = req.raw_state as { json?: Uint8Array; flatmap?: Record<string, string> } | undefined;
      if (!raw?.json?.length && raw?.flatmap && Object.keys(raw.flatmap).length) {
        throw new Error("legacy flatmap state is not supported by livevirt (state from Terraform < 0.12)");
      }
      let state = decodeJson(raw?.json, r.schema.block);
      const version = Number(req.version ?? 0);
      if (state && r.upgrade && version !== r.schema.version) state = r.upgrade(version, state);
      if (state) state = withSchemaDefaults(r.schema.block, state);
      return { upgraded_state: out(state, r.schema.block) };
    }),

    ConfigureProvider: guarded("ConfigureProvider", async (req) => {
      const config = dyn(req.config, def.schema.block);
      if (config) await def.configure(config, ctx());
      return { diagnostics: [] };
    }),

    ReadResource: guarded("ReadResource", async (req) => {
      const r = resource(req.type_name);
      const state = dyn(req.current_state, r.schema.block);
      const next = state ? await r.read(state, ctx()) : null;
      return { new_state: out(next, r.schema.block), private: req.private };
    }),

    PlanResourceChange: guarded("PlanResourceChange", async (req) => {
      const r = resource(req.type_name);
      const block = r.schema.block;
      const prior = dyn(req.prior_state, block);
      const proposed = dyn(req.proposed_new_state, block);
      const config = dyn(req.config, block);
      if (proposed === null || config === null) {
        // Destroy: nothing to plan.
        return { planned_state: out(null, block), planned_private: req.prior_private };
      }
      const res = await r.plan({ prior, proposed, config }, ctx());
      const diagnostics: TfDiagnostic[] = toDiagnostics(res.warnings, "WARNING");
      return {
        planned_state: out(res.planned, block),
        requires_replace: (res.requiresReplace ?? []).map((p) => ({ steps: pathSteps(p) })),
        planned_private: req.prior_private,
        diagnostics,
      };
    }),

    ApplyResourceChange: guarded("ApplyResourceChange", async (req) => {
      const r = resource(req.type_name);
      const block = r.schema.block;
      try {
        const next = await r.apply({ prior: dyn(req.prior_state, block), planned: dyn(req.planned_state, block), config: dyn(req.config, block) }, ctx());
        return { new_state: out(next, block), private: req.planned_private };
      } catch (err) {
        if (!(err instanceof ApplyFailedWithState)) throw err;
        // Terraform keeps new_state even with an error: the state says where things really are.
        log.warn("ApplyResourceChange failed; recording the observed state", { error: err.reason });
        return { new_state: out(err.state, block), private: req.planned_private, diagnostics: [toDiagnostic(err.reason)] };
      }
    }),

    ImportResourceState: guarded("ImportResourceState", async (req) => {
      const r = resource(req.type_name);
      if (!r.import) throw new Error(`${r.name} does not support import`);
      const state = await r.import(String(req.id), ctx());
      return { imported_resources: [{ type_name: r.name, state: out(state, r.schema.block) }] };
    }),

    ReadDataSource: guarded("ReadDataSource", async (req) => {
      const d = dataSource(req.type_name);
      const config = dyn(req.config, d.schema.block);
      if (!config) throw new Error(`${d.name}: missing configuration`);
      return { state: out(await d.read(config, ctx()), d.schema.block) };
    }),

    StopProvider: guarded("StopProvider", () => {
      log.info("StopProvider: aborting in-flight operations");
      stop.abort(new Error("Terraform asked the provider to stop (interrupt)"));
      return { Error: "" };
    }),
  };
}
