/**
 * Entry point Terraform runs (through the launcher written by scripts/build-provider.ts).
 * The cookie check comes before any heavy import so running the file by hand fails fast with
 * a human message instead of hanging as a gRPC server.
 */
import { checkCookie, HandshakeRefused, negotiateVersion } from "./plugin/handshake.js";
import { createLogger } from "./plugin/log.js";
import { reserveStdout } from "./plugin/stdout.js";
import type { DriverFactory } from "./livevirt/driver.js";

try {
  checkCookie(process.env);
  negotiateVersion(process.env);
} catch (err) {
  if (!(err instanceof HandshakeRefused)) throw err;
  process.stderr.write(err.message + "\n");
  process.exit(1);
}

reserveStdout();
const log = createLogger();
const { serve } = await import("./plugin/server.js");
const { livevirtProvider } = await import("./livevirt/provider.js");
// The libvirt layer (execa, fast-xml-parser, preflight, the move engine) loads when the provider is
// configured with known hosts: processes Terraform starts only for schemas and validation never load it.
const factory: DriverFactory = async (hosts, log) => (await import("./livevirt/libvirt-driver.js")).libvirtDrivers(hosts, log);
await serve({ provider: livevirtProvider(factory), log });
