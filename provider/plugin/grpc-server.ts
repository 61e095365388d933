/**
 * The few parts of gRPC that a Terraform provider serves, on Node's own HTTP/2 (what grpc-js's
 * server is built on too): unary calls and one server stream, over a unix socket, in clear or with
 * mutual TLS. No client, no channels, no name resolution, no compression, no reflection — the
 * ~670 KB of grpc-js that a provider process parsed and initialised at every start for none of
 * them (docs/bench/plan-cost.md). Terraform's client is grpc-go; test/unit checks this server
 * against grpc-js's client.
 *
 * The wire (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): a POST to
 * /package.Service/Method with content-type application/grpc; each message framed as one byte
 * "compressed" (always 0 here), four bytes of length (big-endian), the protobuf bytes; the status
 * in trailers (grpc-status, grpc-message percent-encoded), or in the headers alone when there is
 * no message ("trailers-only").
 */
import * as http2 from "node:http2";

export const GRPC_STATUS = { OK: 0, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

/** A gRPC error a handler may throw (or its callback receive): the status and its message. */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the server needs of a method: its path, whether it streams, and its (de)serialisers (wire/services.ts builds them). */
export interface GrpcMethod {
  path: string;
  responseStream: boolean;
  requestDeserialize(b: Buffer): unknown;
  responseSerialize(v: never): Buffer | Uint8Array;
}

/** A server stream the handler writes to; `closed` resolves when the client goes away. */
export interface ServerStream {
  write(message: unknown): void;
  end(): void;
  readonly closed: Promise<void>;
}

export type UnaryHandler = (request: unknown) => Promise<unknown>;
export type StreamHandler = (request: unknown, stream: ServerStream) => void;

interface Route {
  method: GrpcMethod;
  unary?: UnaryHandler;
  stream?: StreamHandler;
}

export interface GrpcServerOptions {
  /** Mutual TLS: our key and certificate (PEM), and the only client certificate we accept. */
  tls?: { keyPem: string; certPem: string; clientCertPem: string };
  /** Largest request accepted (Terraform's client allows 256 MiB). */
  maxMessageBytes?: number;
}

const HEADER_BYTES = 5;

function frame(message: Buffer | Uint8Array): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** grpc-message is percent-encoded: everything outside printable ASCII, and '%' itself. */
export function encodeGrpcMessage(m: string): string {
  return Array.from(Buffer.from(m, "utf8"))
    .map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`))
    .join("");
}

export class GrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly server: http2.Http2Server | http2.Http2SecureServer;
  private readonly maxMessageBytes: number;
  private readonly open = new Set<http2.ServerHttp2Stream>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor(opts: GrpcServerOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? 256 << 20;
    // HTTP/2 counts unacknowledged bytes per session against this (MB): room for the largest message.
    const settings = { maxSessionMemory: Math.ceil(this.maxMessageBytes / (1 << 20)) + 16 };
    this.server = opts.tls
      ? http2.createSecureServer({
          ...settings,
          key: opts.tls.keyPem,
          cert: opts.tls.certPem,
          // Only the Terraform process holding the key of the certificate it gave us may talk to us.
          ca: opts.tls.clientCertPem,
          requestCert: true,
          rejectUnauthorized: true,
          minVersion: "TLSv1.2",
        })
      : http2.createServer(settings);
    this.server.on("stream", (stream, headers) => this.onStream(stream, headers));
    this.server.on("session", (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
    });
    // A client that drops its connection mid-call is not the server's failure.
    this.server.on("sessionError", () => undefined);
  }

  unary(method: GrpcMethod, handler: UnaryHandler): void {
    this.routes.set(method.path, { method, unary: handler });
  }

  serverStream(method: GrpcMethod, handler: StreamHandler): void {
    this.routes.set(method.path, { method, stream: handler });
  }

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(path, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /**
   * Stops accepting connections, ends the open server streams (with status OK) and closes each
   * connection once its calls are answered (HTTP/2 GOAWAY). Resolves when all are closed.
   */
  shutdown(): Promise<void> {
    for (const s of this.open) if (!s.closed) s.end();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    return closed;
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on("error", () => undefined);
    const route = this.routes.get(String(headers[":path"]));
    if (!route) return this.fail(stream, GRPC_STATUS.UNIMPLEMENTED, `unknown method ${String(headers[":path"])}`);
    if (headers[":method"] !== "POST" || !String(headers["content-type"] ?? "").startsWith("application/grpc")) {
      return this.fail(stream, GRPC_STATUS.INTERNAL, "not a gRPC request");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (size > this.maxMessageBytes + HEADER_BYTES) {
        this.fail(stream, GRPC_STATUS.RESOURCE_EXHAUSTED, `request larger than ${this.maxMessageBytes} bytes`);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      } else chunks.push(c);
    });
    stream.on("end", () => {
      if (stream.closed || stream.headersSent) return;
      let request: unknown;
      try {
        request = route.method.requestDeserialize(this.message(Buffer.concat(chunks)));
      } catch (e) {
        return this.fail(stream, GRPC_STATUS.INTERNAL, `could not read the request: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (route.unary) this.answer(stream, route, route.unary(request));
      else this.startStream(stream, route, request);
    });
  }

  /** The one message of a unary or server-streaming request's body. */
  private message(body: Buffer): Buffer {
    if (body.length < HEADER_BYTES) throw new Error("no message in the request body");
    if (body.readUInt8(0) !== 0) throw new Error("compressed message, but this server offers no compression");
    const len = body.readUInt32BE(1);
    if (body.length !== HEADER_BYTES + len) throw new Error(`one message of ${len} bytes expected, body has ${body.length - HEADER_BYTES}`);
    return body.subarray(HEADER_BYTES);
  }

  private answer(stream: http2.ServerHttp2Stream, route: Route, result: Promise<unknown>): void {
    result.then(
      (res) => {
        if (stream.closed) return;
        let bytes: Buffer;
        try {
          bytes = frame(route.method.responseSerialize(res as never));
        } catch (e) {
          return this.fail(stream, GRPC_STATUS.INTERNAL, `could not write the response: ${e instanceof Error ? e.message : String(e)}`);
        }
        safely(stream, () => {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.once("wantTrailers", () => safely(stream, () => stream.sendTrailers({ "grpc-status": String(GRPC_STATUS.OK) })));
          stream.end(bytes);
        });
      },
      (err: unknown) => {
        const code = err instanceof GrpcError ? err.code : GRPC_STATUS.INTERNAL;
        this.fail(stream, code, err instanceof Error ? err.message : String(err));
      },
    );
  }

  private startStream(stream: http2.ServerHttp2Stream, route: Route, request: unknown): void {
    this.open.add(stream);
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(GRPC_STATUS.OK) }));
    const closed = new Promise<void>((resolve) => stream.once("close", resolve));
    void closed.then(() => this.open.delete(stream));
    route.stream!(request, {
      write: (m) => {
        if (!stream.closed) safely(stream, () => stream.write(frame(route.method.responseSerialize(m as never))));
      },
      end: () => {
        if (!stream.closed) safely(stream, () => stream.end());
      },
      closed,
    });
  }

  /** A call's status without a message: trailers-only when nothing was sent yet. */
  private fail(stream: http2.ServerHttp2Stream, code: number, message: string): void {
    if (stream.closed) return;
    const status = { "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) };
    safely(stream, () => {
      if (!stream.headersSent) stream.respond({ ":status": 200, "content-type": "application/grpc", ...status }, { endStream: true });
      else stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    });
  }
}

/**
 * Writes to a stream whose client may have gone meanwhile (a call cancelled, the connection
 * closed while the handler ran): Node throws then, and a throw in an answer's callback would end
 * the whole provider process. Such a stream is closed instead; nothing is left to tell its client.
 */
function safely(stream: http2.ServerHttp2Stream, write: () => void): void {
  try {
    write();
  } catch {
    if (!stream.destroyed) stream.destroy();
  }
}
