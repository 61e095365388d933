import { decode, encode, ExtData } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { withSchemaDefaults } from "../../../provider/framework/plan-helpers.js";
import { decodeJson, decodeMsgpack, encodeMsgpack } from "../../../provider/framework/codec.js";
import type { BlockSchema } from "../../../provider/framework/schema.js";
import { Unknown, type ObjectValue } from "../../../provider/framework/values.js";
import { vmSchema } from "../../../provider/livevirt/schema.js";

const block: BlockSchema = {
  description: "t",
  attributes: {
    s: { type: "string", optional: true, description: "" },
    n: { type: "number", optional: true, description: "" },
    b: { type: "bool", optional: true, description: "" },
    l: { type: ["list", "string"], optional: true, description: "" },
    set: { type: ["set", "number"], optional: true, description: "" },
    m: { type: ["map", "bool"], optional: true, description: "" },
    o: { type: ["object", { x: "string", y: ["list", "number"] }], optional: true, description: "" },
  },
  blocks: {
    single: { nesting: "single", block: { description: "", attributes: { a: { type: "string", optional: true, description: "" } } } },
    many: { nesting: "list", block: { description: "", attributes: { a: { type: "number", optional: true, description: "" } } } },
  },
};

const roundTrip = (v: ObjectValue | null) => decodeMsgpack(encodeMsgpack(v, block), block);

describe("msgpack codec", () => {
  it("round-trips every type, nested blocks included", () => {
    const v: ObjectValue = {
      s: "x",
      n: 1.5,
      b: true,
      l: ["a", "b"],
      set: [1, 2],
      m: { k: false },
      o: { x: "in", y: [1, -2, 3e20] },
      single: { a: "one" },
      many: [{ a: 1 }, { a: 2 }],
    };
    expect(roundTrip(v)).toEqual(v);
  });

  it("round-trips nulls and emits every attribute, null when absent", () => {
    const bytes = encodeMsgpack({ s: "only" }, block);
    const raw = decode(bytes) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(["b", "l", "m", "many", "n", "o", "s", "set", "single"]);
    expect(raw.n).toBeNull();
    expect(raw.single).toBeNull();
    expect(raw.many).toEqual([]); // absent list blocks travel as empty lists
    expect(roundTrip({ s: null, o: { x: null, y: null } })).toMatchObject({ s: null, o: { x: null, y: null }, many: [] });
    expect(roundTrip(null)).toBeNull();
  });

  it("round-trips unknowns at any depth, written as cty's d4 00 00", () => {
    const v: ObjectValue = { s: Unknown, l: ["a", Unknown], o: { x: Unknown, y: Unknown }, single: { a: Unknown }, many: Unknown };
    const bytes = encodeMsgpack(v, block);
    expect(Buffer.from(bytes).includes(Buffer.from([0xa1, 0x73, 0xd4, 0x00, 0x00]))).toBe(true); // "s" → unknown
    expect(roundTrip(v)).toMatchObject(v);
  });

  it("treats any extension type as unknown (refined unknowns are ext 12)", () => {
    const bytes = encode({ s: new ExtData(12, Uint8Array.of(1, 2, 3)), n: new ExtData(0, Uint8Array.of(0)) });
    expect(decodeMsgpack(bytes, block)).toMatchObject({ s: Unknown, n: Unknown });
  });

  it("reads numbers cty wrote as strings or 64-bit integers", () => {
    // 12345678901234567890 has no exact double: it reads as the nearest one, as JSON.parse would.
    expect(decodeMsgpack(encode({ n: "12345678901234567890" }), block)!.n).toBe(Number("12345678901234567890"));
    expect(decodeMsgpack(encode({ n: 2 ** 40 }), block)!.n).toBe(2 ** 40);
  });

  it("rejects values of the wrong type with a path", () => {
    expect(() => decodeMsgpack(encode({ o: { x: 5 } }), block)).toThrow(/o\.x: expected string/);
  });

  it("decodes RawState JSON (UpgradeResourceState), filling missing attributes with null", () => {
    const json = Buffer.from(JSON.stringify({ id: "u-1", name: "web", host: "a", disk: [{ path: "/i" }], migration: null, extra: 1 }));
    const v = decodeJson(json, vmSchema.block)!;
    expect(v).toMatchObject({ id: "u-1", name: "web", host: "a", memory_mib: null, last_move: null, migration: null });
    expect(v.disk).toEqual([{ path: "/i", pool: null, volume: null, format: null, target: null, shared: null }]);
    expect(v).not.toHaveProperty("extra");
    expect(decodeMsgpack(encodeMsgpack(v, vmSchema.block), vmSchema.block)).toEqual(v);
  });

  it("a state written before migration.tls existed gets its default on upgrade, so an unchanged VM plans no change", () => {
    const old = {
      id: "u-1",
      name: "web",
      host: "a",
      memory_mib: 256,
      migration: { mode: "postcopy", switch: "auto", on_unsupported: "fail", timeout_s: 600, copy_storage: false, probe: true },
    };
    const v = withSchemaDefaults(vmSchema.block, decodeJson(Buffer.from(JSON.stringify(old)), vmSchema.block)!);
    expect(v.migration).toMatchObject({ mode: "postcopy", probe: true, tls: "auto", bandwidth_mib: null });
    // What the state had is kept: only null attributes with a default are filled.
    expect(v.memory_mib).toBe(256);
  });
});
