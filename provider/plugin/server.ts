/**
 * The go-plugin server: gRPC on a unix socket (AutoMTLS unless TF_DISABLE_PLUGIN_TLS), the
 * health/controller/stdio services go-plugin expects, the handshake line, and process hygiene
 * (stdout reserved for the handshake, SIGINT ignored, prompt exit on Shutdown).
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { ProviderDefinition } from "../framework/resource.js";
import { loadWire } from "../wire/services.js";
import { generateServerCert } from "./cert.js";
import { handshakeLine } from "./handshake.js";
import type { Logger } from "./log.js";
import { providerService, type Handler } from "./provider-service.js";

export interface ServeOptions {
  provider: ProviderDefinition;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Aborted on StopProvider; resources receive its signal. */
  stop?: AbortController;
}

export async function serve(opts: ServeOptions): Promise<{ socketPath: string; shutdown: () => void }> {
  const env = opts.env ?? process.env;
  const log = opts.log;
  const stop = opts.stop ?? new AbortController();
  const wire = loadWire();

  const tlsWanted = !env.TF_DISABLE_PLUGIN_TLS;
  const clientCert = env.PLUGIN_CLIENT_CERT;
  let creds = grpc.ServerCredentials.createInsecure();
  let certDer: Buffer | null = null;
  if (tlsWanted && clientCert) {
    const cert = generateServerCert();
    certDer = cert.der;
    // checkClientCertificate=true: only the Terraform process holding the matching key may talk to us.
    creds = grpc.ServerCredentials.createSsl(Buffer.from(clientCert), [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }], true);
  } else if (tlsWanted) {
    log.warn("PLUGIN_CLIENT_CERT not set: serving without TLS (go-plugin does the same)");
  }

  const server = new grpc.Server({
    // Terraform's client allows 256 MiB messages; grpc-js would cap what we accept at 4 MiB.
    "grpc.max_receive_message_length": 256 << 20,
    "grpc.max_send_message_length": 256 << 20,
  });
  const stdioCalls = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  const socketPath = join(env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(), `plugin${randomBytes(6).toString("hex")}`);

  let exiting = false;
  const shutdown = () => {
    if (exiting) return;
    exiting = true;
    for (const call of stdioCalls) call.end();
    // Give the Shutdown reply a moment to flush, then stop hard: Terraform SIGKILLs after 2 s.
    const force = setTimeout(() => server.forceShutdown(), 100);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      cleanup();
      process.exit(0);
    });
  };
  const cleanup = () => rmSync(socketPath, { force: true });
  process.on("exit", cleanup);
  // Terraform forwards Ctrl-C as StopProvider; dying on the terminal's SIGINT would orphan work.
  process.on("SIGINT", () => log.debug("SIGINT ignored; waiting for StopProvider/Shutdown"));
  process.on("SIGTERM", () => {
    stop.abort(new Error("SIGTERM"));
    cleanup();
    process.exit(143);
  });

  server.addService(wire.service("grpc.health.v1.Health"), {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const service = call.request.service;
      if (service === "" || service === "plugin") cb(null, { status: "SERVING" });
      else cb({ code: grpc.status.NOT_FOUND, details: `unknown service ${service}` });
    },
  });
  server.addService(wire.service("plugin.GRPCController"), {
    Shutdown: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
      log.debug("Shutdown requested");
      cb(null, {});
      setImmediate(shutdown);
    },
  });
  server.addService(wire.service("plugin.GRPCStdio"), {
    StreamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      stdioCalls.add(call);
      call.on("cancelled", () => stdioCalls.delete(call));
    },
  });
  const handlers = providerService(opts.provider, log, stop);
  server.addService(wire.service("tfplugin6.Provider"), unary(handlers));

  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socketPath}`, creds, (err) => (err ? reject(err) : resolve())));
  writeSync(1, handshakeLine(socketPath, certDer));
  log.debug("plugin ready", { socket: socketPath, tls: certDer !== null, startup_ms: Math.round(performance.now()) });
  return { socketPath, shutdown };
}

function unary(handlers: Record<string, Handler>): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, h] of Object.entries(handlers)) {
    impl[name] = (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      h(call.request).then(
        (res) => cb(null, res),
        (err: unknown) => cb({ code: grpc.status.INTERNAL, details: String(err) }),
      );
    };
  }
  return impl;
}
