/**
 * The go-plugin server: gRPC on a unix socket (AutoMTLS unless TF_DISABLE_PLUGIN_TLS), the
 * health/controller/stdio services go-plugin expects, the handshake line, and process hygiene
 * (stdout reserved for the handshake, SIGINT ignored, prompt exit on Shutdown).
 */
import { randomBytes } from "node:crypto";
import { rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderDefinition } from "../framework/resource.js";
import { loadWire } from "../wire/services.js";
import { generateServerCert } from "./cert.js";
import { GRPC_STATUS, GrpcError, GrpcServer, type ServerStream } from "./grpc-server.js";
import { handshakeLine } from "./handshake.js";
import type { Logger } from "./log.js";
import { providerService } from "./provider-service.js";

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
  let tls: { keyPem: string; certPem: string; clientCertPem: string } | undefined;
  let certDer: Buffer | null = null;
  if (tlsWanted && clientCert) {
    const cert = generateServerCert();
    certDer = cert.der;
    // Client certificate required: only the Terraform process holding the matching key may talk to us.
    tls = { keyPem: cert.keyPem, certPem: cert.certPem, clientCertPem: clientCert };
  } else if (tlsWanted) {
    log.warn("PLUGIN_CLIENT_CERT not set: serving without TLS (go-plugin does the same)");
  }

  // Terraform's client allows 256 MiB messages.
  const server = new GrpcServer({ tls, maxMessageBytes: 256 << 20 });
  const socketPath = join(env.PLUGIN_UNIX_SOCKET_DIR || tmpdir(), `plugin${randomBytes(6).toString("hex")}`);

  let exiting = false;
  const shutdown = () => {
    if (exiting) return;
    exiting = true;
    const exit = () => {
      cleanup();
      process.exit(0);
    };
    // Give the Shutdown reply a moment to flush, then stop hard: Terraform SIGKILLs after 2 s.
    const force = setTimeout(exit, 100);
    force.unref();
    void server.shutdown().then(exit);
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

  const health = wire.service("grpc.health.v1.Health");
  server.unary(health.Check!, async (req) => {
    const service = (req as { service?: string }).service ?? "";
    if (service === "" || service === "plugin") return { status: "SERVING" };
    throw new GrpcError(GRPC_STATUS.NOT_FOUND, `unknown service ${service}`);
  });
  server.unary(wire.service("plugin.GRPCController").Shutdown!, async () => {
    log.debug("Shutdown requested");
    setImmediate(shutdown);
    return {};
  });
  // go-plugin's stdio forwarding: we never write to it (the provider logs to stderr), but the
  // stream stays open until Terraform goes away or we shut down.
  server.serverStream(wire.service("plugin.GRPCStdio").StreamStdio!, (_req, _stream: ServerStream) => undefined);
  const provider = wire.service("tfplugin6.Provider");
  for (const [name, h] of Object.entries(providerService(opts.provider, log, stop))) {
    const method = provider[name];
    if (!method) throw new Error(`tfplugin6.Provider has no method ${name}`);
    server.unary(method, (req) => h(req as Record<string, unknown>));
  }

  await server.listen(socketPath);
  writeSync(1, handshakeLine(socketPath, certDer));
  log.debug("plugin ready", { socket: socketPath, tls: certDer !== null, startup_ms: Math.round(performance.now()) });
  return { socketPath, shutdown };
}
