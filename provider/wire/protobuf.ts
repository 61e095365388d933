/**
 * A small protobuf (proto3) codec driven by the compact Descriptor. It covers exactly what the
 * plugin protocol needs (strings, bytes, bools, int64/int32, enums, nested and repeated messages,
 * map<string, …>, oneof) so the runtime does not pay for loading protobufjs (~60 ms per process).
 * Plain-object convention: snake_case keys as in the .proto, enums as names, int64 as number,
 * bytes as Buffer, absent sub-messages/oneof members undefined, other fields get proto3 defaults.
 */
import type { Descriptor, FieldDesc, ScalarKind } from "./descriptor-types.js";

export type Msg = Record<string, unknown>;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

export class ProtoCodec {
  private readonly enumNames = new Map<string, Map<number, string>>();

  constructor(private readonly desc: Descriptor) {
    for (const [name, values] of Object.entries(desc.enums)) {
      this.enumNames.set(name, new Map(Object.entries(values).map(([k, v]) => [v, k])));
    }
  }

  encode(type: string, value: Msg): Buffer {
    const fields = this.fields(type);
    const out: Buffer[] = [];
    for (const f of fields) {
      const v = value[f.name];
      if (v === undefined || v === null) continue;
      if (f.kind === "map") {
        for (const [k, mv] of Object.entries(v as Record<string, unknown>)) {
          const entry = Buffer.concat([
            this.encodeField({ name: "key", no: 1, kind: "string" }, k, true),
            this.encodeField({ name: "value", no: 2, kind: f.valueKind!, type: f.type }, mv, true),
          ]);
          out.push(tag(f.no, WIRE_LEN), varint(entry.length), entry);
        }
      } else if (f.repeated) {
        for (const item of v as unknown[]) out.push(this.encodeField(f, item, true));
      } else {
        out.push(this.encodeField(f, v, f.oneof === true));
      }
    }
    return Buffer.concat(out);
  }

  private encodeField(f: Pick<FieldDesc, "no" | "kind" | "type" | "name">, v: unknown, force: boolean): Buffer {
    switch (f.kind) {
      case "message": {
        const body = this.encode(f.type!, v as Msg);
        return Buffer.concat([tag(f.no, WIRE_LEN), varint(body.length), body]);
      }
      case "string":
      case "bytes": {
        const body = f.kind === "string" ? Buffer.from(String(v), "utf8") : Buffer.from(v as Uint8Array);
        if (!force && body.length === 0) return EMPTY;
        return Buffer.concat([tag(f.no, WIRE_LEN), varint(body.length), body]);
      }
      case "bool":
      case "int64":
      case "int32":
      case "enum": {
        const n = f.kind === "enum" ? this.enumNumber(f.type!, v) : f.kind === "bool" ? (v ? 1 : 0) : Number(v);
        if (!force && n === 0) return EMPTY;
        return Buffer.concat([tag(f.no, WIRE_VARINT), varint(n)]);
      }
      default:
        throw new Error(`cannot encode field ${f.name} of kind ${f.kind}`);
    }
  }

  decode(type: string, buf: Uint8Array): Msg {
    const fields = this.fields(type);
    const byNo = new Map(fields.map((f) => [f.no, f]));
    const out: Msg = {};
    for (const f of fields) {
      if (f.oneof) continue;
      if (f.kind === "map") out[f.name] = {};
      else if (f.repeated) out[f.name] = [];
      else if (f.kind !== "message") out[f.name] = this.defaultOf(f);
    }
    const r = new Reader(buf);
    while (!r.done()) {
      const key = r.varint();
      const no = Math.floor(key / 8);
      const wire = key & 7;
      const f = byNo.get(no);
      if (!f) {
        r.skip(wire);
        continue;
      }
      if (f.kind === "map") {
        const entry = new Reader(r.bytes());
        let k = "";
        let val: unknown = f.valueKind === "message" ? {} : this.defaultOf({ ...f, kind: f.valueKind! });
        while (!entry.done()) {
          const ek = entry.varint();
          if (ek >>> 3 === 1) k = entry.bytes().toString("utf8");
          else if (ek >>> 3 === 2) val = this.decodeValue({ ...f, kind: f.valueKind! }, entry, ek & 7);
          else entry.skip(ek & 7);
        }
        (out[f.name] as Record<string, unknown>)[k] = val;
      } else if (f.repeated) {
        (out[f.name] as unknown[]).push(this.decodeValue(f, r, wire));
      } else {
        out[f.name] = this.decodeValue(f, r, wire);
      }
    }
    return out;
  }

  private decodeValue(f: FieldDesc, r: Reader, wire: number): unknown {
    switch (f.kind) {
      case "message":
        return this.decode(f.type!, r.bytes());
      case "string":
        return r.bytes().toString("utf8");
      case "bytes":
        return Buffer.from(r.bytes());
      case "bool":
        return r.varint() !== 0;
      case "int64":
      case "int32":
        if (wire !== WIRE_VARINT) throw new Error(`packed/fixed ${f.name} not supported`);
        return r.signedVarint();
      case "enum": {
        const n = r.varint();
        return this.enumNames.get(f.type!)?.get(n) ?? n;
      }
      default:
        throw new Error(`cannot decode field ${f.name}`);
    }
  }

  private defaultOf(f: { kind: FieldDesc["kind"] | ScalarKind; type?: string }): unknown {
    switch (f.kind) {
      case "string":
        return "";
      case "bytes":
        return Buffer.alloc(0);
      case "bool":
        return false;
      case "enum":
        return this.enumNames.get(f.type!)?.get(0) ?? 0;
      default:
        return 0;
    }
  }

  private enumNumber(type: string, v: unknown): number {
    if (typeof v === "number") return v;
    const n = this.desc.enums[type]?.[String(v)];
    if (n === undefined) throw new Error(`unknown value ${String(v)} for enum ${type}`);
    return n;
  }

  private fields(type: string): FieldDesc[] {
    const f = this.desc.messages[type];
    if (!f) throw new Error(`unknown message type ${type}`);
    return f;
  }
}

const EMPTY = Buffer.alloc(0);

function tag(no: number, wire: number): Buffer {
  return varint(no * 8 + wire);
}

function varint(n: number): Buffer {
  if (n < 0) {
    // Negative int64: two's complement over 64 bits, always 10 bytes.
    let b = BigInt.asUintN(64, BigInt(n));
    const out: number[] = [];
    while (b > 0x7fn) {
      out.push(Number(b & 0x7fn) | 0x80);
      b >>= 7n;
    }
    out.push(Number(b));
    return Buffer.from(out);
  }
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

class Reader {
  private pos = 0;
  private readonly buf: Buffer;
  constructor(buf: Uint8Array) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error("truncated protobuf message");
    return this.buf[this.pos++]!;
  }
  /** Unsigned varint; exact up to 2^53. */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  }
  /** int64/int32 varint, where negatives arrive as 10-byte two's complement. */
  signedVarint(): number {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
    }
    return Number(BigInt.asIntN(64, v));
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new Error("truncated protobuf message");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_I64) this.pos += 8;
    else if (wire === WIRE_LEN) this.bytes();
    else if (wire === WIRE_I32) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}
