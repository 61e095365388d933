/**
 * go-plugin handshake rules: the magic cookie, protocol version negotiation and the single
 * stdout line Terraform reads. Pure functions so they are unit-testable without a process.
 */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 6;

export class HandshakeRefused extends Error {}

export function checkCookie(env: NodeJS.ProcessEnv): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeRefused(
      "This binary is a plugin. These are not meant to be executed directly.\n" +
        "It is the livevirt Terraform provider: Terraform starts it for you. Run `terraform init`/`plan`\n" +
        "in a configuration that uses provider livevirt/livevirt instead of running this file.",
    );
  }
}

/** PLUGIN_PROTOCOL_VERSIONS is a comma list in any order (e.g. "5,6"); we only speak 6. */
export function negotiateVersion(env: NodeJS.ProcessEnv): number {
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? "")
    .split(",")
    .map((s) => Number.parseInt(s.trim(), 10))
    .filter((n) => Number.isFinite(n));
  // Old Terraform versions sent no list; go-plugin then falls back to the plugin's default.
  if (offered.length === 0 || offered.includes(APP_PROTOCOL_VERSION)) return APP_PROTOCOL_VERSION;
  throw new HandshakeRefused(
    `Terraform offered plugin protocol versions ${offered.join(",")}, but the livevirt provider speaks only version ${APP_PROTOCOL_VERSION}.\n` +
      "Use Terraform 1.0 or newer.",
  );
}

/** Base64, standard alphabet, no "=" padding — what go-plugin's handshake parser expects. */
export function certField(der: Uint8Array): string {
  return Buffer.from(der).toString("base64").replace(/=+$/, "");
}

export function handshakeLine(socketPath: string, certDer: Uint8Array | null): string {
  const parts = [CORE_PROTOCOL_VERSION, APP_PROTOCOL_VERSION, "unix", socketPath, "grpc"].map(String);
  if (certDer) parts.push(certField(certDer));
  return parts.join("|") + "\n";
}
