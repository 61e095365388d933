/**
 * The provider's own gRPC server (provider/plugin/grpc-server.ts) against an independent client,
 * grpc-js's: the statuses a client sees, messages larger than gRPC's usual 4 MiB default, a
 * server stream ended by shutdown, and what it refuses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeGrpcMessage, GRPC_STATUS, GrpcError, GrpcServer, type ServerStream } from "../../../provider/plugin/grpc-server.js";

/** A method whose messages are raw bytes (the codec is tested elsewhere). */
function method(path: string, responseStream = false) {
  return {
    path,
    originalName: path.split("/").pop()!,
    requestStream: false as const,
    responseStream,
    requestSerialize: (v: Buffer) => v,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (v: Buffer) => v,
    responseDeserialize: (b: Buffer) => b,
  };
}

const ECHO = method("/t.S/Echo");
const FAIL = method("/t.S/Fail");
const BOOM = method("/t.S/Boom");
const WATCH = method("/t.S/Watch", true);
const NOPE = method("/t.S/Nope");
const SLOW = method("/t.S/Slow");

let dir: string;
let server: GrpcServer;
let socket: string;
let streams: ServerStream[];
let releaseSlow: () => void;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "livevirt-grpc-"));
  socket = join(dir, "s");
  streams = [];
  server = new GrpcServer({ maxMessageBytes: 64 << 20 });
  server.unary(ECHO, async (req) => Buffer.concat([Buffer.from("echo:"), req as Buffer]));
  server.unary(FAIL, async () => {
    throw new GrpcError(GRPC_STATUS.NOT_FOUND, "no such thing: é 100%");
  });
  server.unary(BOOM, async () => {
    throw new Error("a bug");
  });
  const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
  server.unary(SLOW, async () => {
    await slow;
    return Buffer.from("late");
  });
  server.serverStream(WATCH, (_req, stream) => {
    streams.push(stream);
    stream.write(Buffer.from("first"));
  });
  await server.listen(socket);
});

afterEach(async () => {
  await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 500))]);
  rmSync(dir, { recursive: true, force: true });
});

function grpcClient() {
  const Ctor = grpc.makeGenericClientConstructor({ Echo: ECHO, Fail: FAIL, Boom: BOOM, Watch: WATCH, Nope: NOPE, Slow: SLOW }, "t.S");
  return new Ctor(`unix:${socket}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 << 20,
    "grpc.max_send_message_length": 64 << 20,
  }) as unknown as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
}

function unary(c: ReturnType<typeof grpcClient>, name: string, req: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => c[name]!.call(c, req, (err: grpc.ServiceError | null, res: Buffer) => (err ? reject(err) : resolve(res))));
}

describe("the provider's gRPC server, called by grpc-js", () => {
  it("answers a unary call", async () => {
    const c = grpcClient();
    expect((await unary(c, "Echo", Buffer.from("hi"))).toString()).toBe("echo:hi");
    c.close();
  });

  it("carries a 20 MiB request and its answer (gRPC clients default to 4 MiB; Terraform allows 256)", async () => {
    const c = grpcClient();
    const big = Buffer.alloc(20 << 20, 7);
    const res = await unary(c, "Echo", big);
    expect(res.length).toBe(big.length + 5);
    expect(res.subarray(5).equals(big)).toBe(true);
    c.close();
  });

  it("reports a handler's GrpcError with its code and its message, non-ASCII intact", async () => {
    const c = grpcClient();
    await expect(unary(c, "Fail", Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: "no such thing: é 100%" });
    await expect(unary(c, "Boom", Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: "a bug" });
    c.close();
  });

  it("says UNIMPLEMENTED for a method it does not serve", async () => {
    const c = grpcClient();
    await expect(unary(c, "Nope", Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    c.close();
  });

  it("outlives a call its client cancelled before the answer (Ctrl-C in Terraform cancels calls)", async () => {
    const c = grpcClient();
    const status = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = c.Slow!.call(c, Buffer.alloc(0), (err: grpc.ServiceError | null) => resolve(err)) as grpc.ClientUnaryCall;
      setTimeout(() => call.cancel(), 50);
    });
    expect((await status)?.code).toBe(grpc.status.CANCELLED);
    releaseSlow();
    await new Promise((r) => setTimeout(r, 50));
    expect((await unary(c, "Echo", Buffer.from("still here"))).toString()).toBe("echo:still here");
    c.close();
  });

  it("streams to the client, and ends the stream with status OK on shutdown", async () => {
    const c = grpcClient();
    const call = c.Watch!.call(c, Buffer.alloc(0)) as grpc.ClientReadableStream<Buffer>;
    const got: string[] = [];
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("data", (d: Buffer) => got.push(d.toString()));
    await new Promise<void>((resolve) => call.once("data", () => resolve()));
    expect(streams).toHaveLength(1);
    streams[0]!.write(Buffer.from("second"));
    await new Promise((r) => setTimeout(r, 50));
    const down = server.shutdown();
    const status = await ended;
    expect(status.code).toBe(grpc.status.OK);
    expect(got).toEqual(["first", "second"]);
    c.close();
    await down;
  });

  it("refuses a request that is not gRPC (plain HTTP/2 GET) with a gRPC status, not a crash", async () => {
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(socket) });
    const req = session.request({ ":method": "GET", ":path": "/t.S/Echo" });
    const headers = await new Promise<http2.IncomingHttpHeaders>((resolve) => req.on("response", resolve));
    req.resume();
    expect(headers["grpc-status"]).toBe(String(GRPC_STATUS.INTERNAL));
    session.close();
    // and the server still answers a real call afterwards
    const c = grpcClient();
    expect((await unary(c, "Echo", Buffer.from("x"))).toString()).toBe("echo:x");
    c.close();
  });
});

describe("grpc-message encoding", () => {
  it("percent-encodes '%' and everything outside printable ASCII, as the gRPC spec asks", () => {
    expect(encodeGrpcMessage("ok: 50% é\n")).toBe("ok: 50%25 %C3%A9%0A");
  });
});
