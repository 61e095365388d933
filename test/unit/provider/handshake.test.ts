import { X509Certificate } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { generateServerCert } from "../../../provider/plugin/cert.js";
import { certField, checkCookie, handshakeLine, HandshakeRefused, negotiateVersion } from "../../../provider/plugin/handshake.js";
import { client, cookieEnv, spawnProvider, type Spawned } from "./helpers.js";

const LINE = /^1\|6\|unix\|(\/[^|]+)\|grpc(?:\|([A-Za-z0-9+/]+))?$/;

describe("handshake rules", () => {
  it("formats the line with a standard-alphabet, unpadded certificate", () => {
    for (const len of [30, 31, 32]) {
      const der = Buffer.alloc(len, 0xfb); // 0xfb… encodes to "+"/"/" characters
      const field = certField(der);
      expect(field).not.toMatch(/[=\-_]/);
      expect(Buffer.from(field, "base64").equals(der)).toBe(true);
    }
    expect(handshakeLine("/tmp/p1", null)).toBe("1|6|unix|/tmp/p1|grpc\n");
    expect(handshakeLine("/tmp/p1", Buffer.from([1, 2, 3, 4]))).toBe("1|6|unix|/tmp/p1|grpc|AQIDBA\n");
  });

  it("negotiates protocol 6 from any order, refuses when 6 is not offered", () => {
    for (const v of ["5,6", "6,5", "6", " 6 , 5 ", ""]) expect(negotiateVersion({ PLUGIN_PROTOCOL_VERSIONS: v })).toBe(6);
    expect(() => negotiateVersion({ PLUGIN_PROTOCOL_VERSIONS: "5" })).toThrow(HandshakeRefused);
  });

  it("requires the exact magic cookie", () => {
    expect(() => checkCookie({})).toThrow(/not meant to be executed directly/);
    expect(() => checkCookie({ TF_PLUGIN_MAGIC_COOKIE: "nope" })).toThrow(HandshakeRefused);
    expect(() => checkCookie(cookieEnv)).not.toThrow();
  });
});

describe("the real entry point", () => {
  let p: Spawned | undefined;
  afterEach(async () => {
    await p?.stop();
    p = undefined;
  });

  it("refuses to start without the cookie: human message on stderr, nothing on stdout, exit 1", async () => {
    p = spawnProvider({});
    expect(await p.exited).toBe(1);
    expect(p.stdout()).toBe("");
    expect(p.stderr()).toMatch(/plugin.*not meant to be executed directly/s);
    expect(p.stderr()).toMatch(/terraform/i);
  });

  it("serves plaintext without a certificate field when TF_DISABLE_PLUGIN_TLS=1", async () => {
    p = spawnProvider({ ...cookieEnv, TF_DISABLE_PLUGIN_TLS: "1" });
    const line = await p.firstLine;
    const m = LINE.exec(line);
    expect(m, line).not.toBeNull();
    expect(m![2]).toBeUndefined();
    const health = client("grpc.health.v1.Health", `unix:${m![1]}`, grpc.credentials.createInsecure());
    expect(await health.call("Check", { service: "plugin" })).toEqual({ status: "SERVING" });
    await expect(health.call("Check", { service: "other" })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    health.close();
  });

  it("does AutoMTLS: presents a localhost CA cert, requires the client cert, answers, exits on Shutdown", async () => {
    const terraform = generateServerCert({ clientAuth: true }); // plays Terraform's client cert
    p = spawnProvider({ ...cookieEnv, PLUGIN_CLIENT_CERT: terraform.certPem, PLUGIN_UNIX_SOCKET_DIR: "/tmp" });
    const m = LINE.exec(await p.firstLine);
    expect(m).not.toBeNull();
    expect(m![1]!.startsWith("/tmp/plugin")).toBe(true);
    const der = Buffer.from(m![2]!, "base64");
    const serverCert = new X509Certificate(der);
    expect(serverCert.ca).toBe(true);
    expect(serverCert.subjectAltName).toBe("DNS:localhost");

    const root = Buffer.from(serverCert.toString());
    const opts = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };
    // Without a client certificate the server must refuse the TLS session.
    const anonymous = client("grpc.health.v1.Health", `unix:${m![1]}`, grpc.credentials.createSsl(root), opts);
    await expect(anonymous.call("Check", { service: "plugin" })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    anonymous.close();

    const mtls = grpc.credentials.createSsl(root, Buffer.from(terraform.keyPem), Buffer.from(terraform.certPem));
    const health = client("grpc.health.v1.Health", `unix:${m![1]}`, mtls, opts);
    expect(await health.call("Check", { service: "plugin" })).toEqual({ status: "SERVING" });
    health.close();

    const provider = client("tfplugin6.Provider", `unix:${m![1]}`, mtls, opts);
    const schema = await provider.call("GetProviderSchema");
    expect(Object.keys(schema.resource_schemas as object)).toEqual(["livevirt_vm"]);
    expect(Object.keys(schema.data_source_schemas as object)).toEqual(["livevirt_host"]);
    provider.close();

    const started = Date.now();
    const controller = client("plugin.GRPCController", `unix:${m![1]}`, mtls, opts);
    await controller.call("Shutdown").catch(() => {}); // the reply may race the exit; both are fine
    expect(await p.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
    controller.close();
    // stdout carried exactly one line, the handshake.
    expect(p.stdout().split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("ignores SIGINT (Terraform sends StopProvider instead)", async () => {
    p = spawnProvider({ ...cookieEnv, TF_DISABLE_PLUGIN_TLS: "1" });
    await p.firstLine;
    p.proc.kill("SIGINT");
    const early = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r("alive"), 300))]);
    expect(early).toBe("alive");
  });
});
