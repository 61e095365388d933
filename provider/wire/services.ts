/**
 * grpc-js service definitions built from the compact Descriptor and our ProtoCodec, so the
 * server needs neither proto-loader nor protobufjs at run time.
 */
import type { ServiceDefinition } from "@grpc/grpc-js";
// A JSON module, not a file read at run time: the provider bundle (scripts/build-provider.ts) carries it inline.
import descriptorJson from "../proto/descriptor.json" with { type: "json" };
import type { Descriptor } from "./descriptor-types.js";
import { ProtoCodec, type Msg } from "./protobuf.js";

export interface Wire {
  codec: ProtoCodec;
  service(fullName: string): ServiceDefinition;
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
      const def: Record<string, unknown> = {};
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
      return def as ServiceDefinition;
    },
  };
}
