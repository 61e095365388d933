/**
 * Build-time only: turns provider/proto/*.proto into the compact Descriptor. Uses protobufjs
 * (a devDependency) so the runtime never loads it.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Descriptor, FieldDesc, ScalarKind } from "./descriptor-types.js";

export const PROTO_DIR = fileURLToPath(new URL("../proto/", import.meta.url));
export const PROTO_FILES = ["tfplugin6.proto", "plugin.proto", "health.proto"];
export const DESCRIPTOR_PATH = fileURLToPath(new URL("../proto/descriptor.json", import.meta.url));

// Minimal view of the protobufjs reflection API we use.
interface PbField {
  name: string;
  id: number;
  type: string;
  repeated: boolean;
  map?: boolean;
  partOf: unknown;
  resolvedType: { fullName: string; values?: Record<string, number> } | null;
  resolve(): PbField;
}
interface PbNode {
  fullName: string;
  nestedArray?: PbNode[];
  fieldsArray?: PbField[];
  values?: Record<string, number>;
  methods?: Record<
    string,
    { requestType: string; responseType: string; responseStream?: boolean; resolve(): unknown; resolvedRequestType: PbNode; resolvedResponseType: PbNode }
  >;
}

const SCALARS: Record<string, ScalarKind> = {
  string: "string",
  bytes: "bytes",
  bool: "bool",
  int64: "int64",
  int32: "int32",
};

function kindOf(f: PbField): ScalarKind | "message" {
  const scalar = SCALARS[f.type];
  if (scalar) return scalar;
  if (!f.resolvedType) throw new Error(`unsupported field type ${f.type} for ${f.name}`);
  return f.resolvedType.values ? "enum" : "message";
}

export function generateDescriptor(): Descriptor {
  const pb = createRequire(import.meta.url)("protobufjs") as { Root: new () => { loadSync(f: string[], o: object): PbNode & { resolveAll(): void } } };
  const root = new pb.Root().loadSync(
    PROTO_FILES.map((f) => PROTO_DIR + f),
    { keepCase: true },
  );
  root.resolveAll();
  const out: Descriptor = { messages: {}, enums: {}, services: {} };
  const strip = (n: string) => n.replace(/^\./, "");
  const walk = (node: PbNode) => {
    if (node.fieldsArray) {
      out.messages[strip(node.fullName)] = node.fieldsArray.map((f) => {
        const kind = kindOf(f);
        const d: FieldDesc = { name: f.name, no: f.id, kind };
        if (f.map) {
          d.kind = "map";
          d.valueKind = kind;
        }
        if (f.resolvedType) d.type = strip(f.resolvedType.fullName);
        if (f.repeated && !f.map) d.repeated = true;
        if (f.partOf) d.oneof = true;
        return d;
      });
    } else if (node.values) {
      out.enums[strip(node.fullName)] = { ...node.values };
    } else if (node.methods) {
      const svc: Descriptor["services"][string] = {};
      for (const [name, m] of Object.entries(node.methods)) {
        m.resolve();
        svc[name] = { request: strip(m.resolvedRequestType.fullName), response: strip(m.resolvedResponseType.fullName) };
        if (m.responseStream) svc[name]!.serverStream = true;
      }
      out.services[strip(node.fullName)] = svc;
    }
    for (const child of node.nestedArray ?? []) walk(child);
  };
  walk(root);
  return out;
}
