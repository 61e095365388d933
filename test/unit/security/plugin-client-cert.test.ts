/**
 * The plugin channel refuses a client without the *right* certificate. A client with no
 * certificate at all is already tested in test/unit/provider/handshake.test.ts ("does AutoMTLS");
 * this adds the impostor: a client presenting a well-formed certificate of the same shape (CN
 * localhost, O livevirt, clientAuth) that is not the one Terraform announced in
 * PLUGIN_CLIENT_CERT. Both are checked against one provider process, with the right client
 * succeeding in between, so a refusal cannot come from a broken set-up.
 */
import { X509Certificate } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { generateServerCert } from "../../../provider/plugin/cert.js";
import { client, cookieEnv, spawnProvider, type Spawned } from "../provider/helpers.js";

const LINE = /^1\|6\|unix\|(\/[^|]+)\|grpc\|([A-Za-z0-9+/]+)$/;

describe("plugin mTLS: only Terraform's announced client certificate gets in", () => {
  let p: Spawned | undefined;
  afterEach(async () => {
    await p?.stop();
    p = undefined;
  });

  it("refuses an impostor certificate, serves the announced one", async () => {
    const terraform = generateServerCert({ clientAuth: true });
    const impostor = generateServerCert({ clientAuth: true }); // same subject and extensions, other key
    expect(new X509Certificate(impostor.certPem).subject).toBe(new X509Certificate(terraform.certPem).subject);

    p = spawnProvider({ ...cookieEnv, PLUGIN_CLIENT_CERT: terraform.certPem, PLUGIN_UNIX_SOCKET_DIR: "/tmp" });
    const m = LINE.exec(await p.firstLine);
    expect(m).not.toBeNull();
    const root = Buffer.from(new X509Certificate(Buffer.from(m![2]!, "base64")).toString());
    const opts = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };
    const address = `unix:${m![1]}`;

    const bad = client("grpc.health.v1.Health", address, grpc.credentials.createSsl(root, Buffer.from(impostor.keyPem), Buffer.from(impostor.certPem)), opts);
    await expect(bad.call("Check", { service: "plugin" })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    bad.close();
    // The provider schema (the real service) is refused too, not only health.
    const badProvider = client(
      "tfplugin6.Provider",
      address,
      grpc.credentials.createSsl(root, Buffer.from(impostor.keyPem), Buffer.from(impostor.certPem)),
      opts,
    );
    await expect(badProvider.call("GetProviderSchema")).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    badProvider.close();

    const good = client(
      "grpc.health.v1.Health",
      address,
      grpc.credentials.createSsl(root, Buffer.from(terraform.keyPem), Buffer.from(terraform.certPem)),
      opts,
    );
    expect(await good.call("Check", { service: "plugin" })).toEqual({ status: "SERVING" });
    good.close();
  });
});
