/** Shared helpers for provider unit tests: spawning the real entry point, a gRPC test client. */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { MAGIC_COOKIE_VALUE } from "../../../provider/plugin/handshake.js";
import { loadWire } from "../../../provider/wire/services.js";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const MAIN = `${ROOT}provider/main.ts`;
const TSX = new URL("../../../node_modules/tsx/dist/esm/index.mjs", import.meta.url).href;

export interface Spawned {
  proc: ChildProcess;
  firstLine: Promise<string>;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** SIGKILL (no clean-up of its own runs then) and remove the socket its handshake line named. */
  stop: () => Promise<void>;
}

/** Run provider/main.ts through tsx, exactly as a launcher in tsx mode would. */
export function spawnProvider(env: Record<string, string | undefined>): Spawned {
  const clean = { ...process.env };
  for (const k of ["TF_PLUGIN_MAGIC_COOKIE", "TF_DISABLE_PLUGIN_TLS", "PLUGIN_CLIENT_CERT", "TF_LOG", "TF_LOG_PROVIDER"]) delete clean[k];
  const proc = spawn(process.execPath, ["--import", TSX, MAIN], { env: { ...clean, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  const firstLine = new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    proc.on("exit", () => reject(new Error(`provider exited before the handshake; stderr:\n${err}`)));
  });
  firstLine.catch(() => {});
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const stop = async () => {
    proc.kill("SIGKILL");
    await exited;
    const socket = /^1\|6\|unix\|(\/[^|]+)\|/.exec(out)?.[1];
    if (socket) rmSync(socket, { force: true });
  };
  return { proc, firstLine, stdout: () => out, stderr: () => err, exited, stop };
}

export const cookieEnv = { TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "5,6" };

type UnaryFn = (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

/** A gRPC client for one of our services, built from the same descriptor the server uses. */
export function client(service: string, address: string, creds: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}) {
  const Ctor = grpc.makeGenericClientConstructor(loadWire().service(service), service);
  const c = new Ctor(address, creds, options) as unknown as Record<string, UnaryFn> & grpc.Client;
  const call = (method: string, req: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => c[method]!.call(c, req, (err, res) => (err ? reject(err) : resolve(res))));
  return { call, close: () => c.close() };
}
