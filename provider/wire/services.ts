/**
 * Service definitions built from the compact Descriptor and our ProtoCodec, so the server needs
 * neither proto-loader nor protobufjs at run time. Their shape is also grpc-js's service
 * definition, which the unit tests' grpc-js client uses to call the provider.
 */
// A JSON module, not a file read at run time: the provider bundle (scripts/build-provider.ts) carries it inline.
import descriptorJson from "../proto/descriptor.json" with { type: "json" };
import type { Descriptor } from "./descriptor-types.js";
import { ProtoCodec, type Msg } from "./protobuf.js";

export interface MethodDefinition {
  path: string;
  originalName: string;
  requestStream: false;
  responseStream: boolean;
  requestSerialize(v: Msg): Buffer;
  requestDeserialize(b: Buffer): Msg;
  responseSerialize(v: Msg): Buffer;
  responseDeserialize(b: Buffer): Msg;
}

export interface Wire {
  codec: ProtoCodec;
  service(fullName: string): Record<string, MethodDefinition>;
}

export function loadWire(desc: Descriptor = descriptorJson as unknown as Descriptor): Wire {
  return wireFrom(desc);
}

export function wireFrom(desc: Descriptor): Wire {
  const codec = new ProtoCodec(desc);
  return {
    codec,
    service(fullName) {
      const methods = desc.services[fullName];
      if (!methods) throw new Error(`unknown service ${fullName}`);
      const def: Record<string, MethodDefinition> = {};
      for (const [name, m] of Object.entries(methods)) {
        def[name] = {
          path: `/${fullName}/${name}`,
          originalName: name,
          requestStream: false,
          responseStream: m.serverStream === true,
          requestSerialize: (v: Msg) => codec.encode(m.request, v),
          requestDeserialize: (b: Buffer) => codec.decode(m.request, b),
          responseSerialize: (v: Msg) => codec.encode(m.response, v),
          responseDeserialize: (b: Buffer) => codec.decode(m.response, b),
        };
      }
      return def;
    },
  };
}
