/**
 * Our runtime protobuf codec against the reference implementation (protobufjs via proto-loader,
 * loaded from the .proto text), and the committed descriptor against the .proto files.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import { DESCRIPTOR_PATH, generateDescriptor, PROTO_DIR, PROTO_FILES } from "../../../provider/wire/descriptor-gen.js";
import { loadWire } from "../../../provider/wire/services.js";
import { UPSTREAM_ENUMS, UPSTREAM_MESSAGES } from "./fixtures/tfplugin6-fields.js";

/** The parts of protobufjs's reflection API this test reads. */
interface PbField {
  name: string;
  id: number;
  type: string;
  repeated: boolean;
  map?: boolean;
  keyType?: string;
}
interface PbNode {
  fullName: string;
  nestedArray?: PbNode[];
  fieldsArray?: PbField[];
  values?: Record<string, number>;
}
const parseProto = (file: string): { lookup(name: string): PbNode } =>
  new (
    createRequire(import.meta.url)("protobufjs") as { Root: new () => { loadSync(f: string, o: object): { lookup(name: string): PbNode } } }
  ).Root().loadSync(file, { keepCase: true });

const reference = grpc.loadPackageDefinition(
  protoLoader.loadSync(
    PROTO_FILES.map((f) => PROTO_DIR + f),
    { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: false },
  ),
) as unknown as Record<
  string,
  Record<
    string,
    {
      service: Record<
        string,
        {
          requestSerialize: (v: object) => Buffer;
          requestDeserialize: (b: Buffer) => object;
          responseSerialize: (v: object) => Buffer;
          responseDeserialize: (b: Buffer) => object;
        }
      >;
    }
  >
>;
const refProvider = (reference.tfplugin6 as unknown as Record<string, { service: Record<string, Record<string, (x: never) => unknown>> }>).Provider!.service;
const wire = loadWire();
const ours = wire.service("tfplugin6.Provider") as unknown as Record<string, Record<string, (x: never) => unknown>>;

const cases: Array<[string, "request" | "response", object]> = [
  [
    "PlanResourceChange",
    "response",
    {
      planned_state: { msgpack: Buffer.from([0x81, 0xa1, 0x61, 0xd4, 0, 0]) },
      requires_replace: [{ steps: [{ attribute_name: "name" }, { element_key_int: 0 }, { element_key_string: "k" }, { element_key_int: -3 }] }],
      diagnostics: [{ severity: "WARNING", summary: "s", detail: "d", attribute: { steps: [{ attribute_name: "host" }] } }],
    },
  ],
  [
    "GetProviderSchema",
    "response",
    {
      provider: {
        version: 0,
        block: {
          version: 0,
          attributes: [{ name: "a", type: Buffer.from('"string"'), required: true, description: "x", description_kind: "PLAIN" }],
          block_types: [{ type_name: "host", nesting: "LIST", block: { attributes: [] }, max_items: 3 }],
        },
      },
      resource_schemas: { livevirt_vm: { version: 2, block: { description: "vm", deprecated: false } } },
      server_capabilities: { plan_destroy: true },
    },
  ],
  ["UpgradeResourceState", "request", { type_name: "livevirt_vm", version: 7, raw_state: { json: Buffer.from("{}"), flatmap: { a: "1", b: "2" } } }],
  ["ConfigureProvider", "request", { terraform_version: "1.11.4", config: { msgpack: Buffer.from([0xc0]) }, client_capabilities: { deferral_allowed: true } }],
];

describe("protobuf codec", () => {
  it.each(cases)("%s %s: protobufjs reads our bytes as its own, and we read its bytes", (method, dir, msg) => {
    const ser = (impl: typeof ours, v: object) => (impl[method]![`${dir}Serialize`] as (v: object) => Buffer)(v);
    const de = (impl: typeof ours, b: Buffer) => plain((impl[method]![`${dir}Deserialize`] as (b: Buffer) => object)(b));
    const refBytes = ser(refProvider, msg);
    const ourBytes = ser(ours, msg);
    // protobufjs also writes explicitly-set default values; we skip them (canonical proto3), so
    // compare meaning, not bytes.
    expect(de(refProvider, ourBytes)).toEqual(de(refProvider, refBytes));
    expect(de(ours, refBytes)).toMatchObject(stripNulls(de(refProvider, refBytes)) as object);
    expect(de(ours, ourBytes)).toEqual(de(ours, refBytes));
  });

  it("decodes proto3 defaults and leaves absent messages undefined", () => {
    const m = wire.codec.decode("tfplugin6.Diagnostic", Buffer.alloc(0));
    expect(m).toEqual({ severity: "INVALID", summary: "", detail: "" });
  });

  it("descriptor.json is in sync with the .proto files (run scripts/build-provider.ts)", () => {
    expect(JSON.parse(readFileSync(DESCRIPTOR_PATH, "utf8"))).toEqual(generateDescriptor());
  });

  it("keeps upstream field numbers and types for every field and enum value we declare", () => {
    // Facts from upstream tfplugin6.8.proto, kept in fixtures/ (the test needs nothing outside the project).
    const ownMessages: Record<string, Record<string, string>> = {};
    const ownEnums: Record<string, Record<string, number>> = {};
    const walk = (node: PbNode) => {
      for (const n of node.nestedArray ?? []) {
        const name = n.fullName.replace(/^\./, "");
        if (n.fieldsArray) {
          ownMessages[name] = Object.fromEntries(
            n.fieldsArray.map((f) => [f.name, `${f.map ? `map<${f.keyType}, ${f.type}>` : (f.repeated ? "repeated " : "") + f.type} = ${f.id}`]),
          );
        } else if (n.values) ownEnums[name] = { ...n.values };
        walk(n);
      }
    };
    walk(parseProto(PROTO_DIR + "tfplugin6.proto").lookup("tfplugin6"));
    expect(Object.values(ownMessages).flatMap(Object.keys).length).toBeGreaterThan(50);
    for (const [msg, fields] of Object.entries(ownMessages)) {
      expect(UPSTREAM_MESSAGES, `message ${msg} is not in upstream tfplugin6.8`).toHaveProperty([msg]);
      for (const [field, decl] of Object.entries(fields)) expect(`${msg}.${field}: ${decl}`).toBe(`${msg}.${field}: ${UPSTREAM_MESSAGES[msg]![field]}`);
    }
    for (const [e, values] of Object.entries(ownEnums)) {
      expect(UPSTREAM_ENUMS, `enum ${e} is not in upstream tfplugin6.8`).toHaveProperty([e]);
      for (const [v, no] of Object.entries(values)) expect(`${e}.${v} = ${no}`).toBe(`${e}.${v} = ${UPSTREAM_ENUMS[e]![v]}`);
    }
  });
});

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const stripNulls = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (x === null ? undefined : x)));
