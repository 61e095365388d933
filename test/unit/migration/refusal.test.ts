/**
 * A destination refusing post-copy at prepare is reported as the destination's refusal (the host
 * to fix), from libvirt's real words captured on the lab (QEMU 10.0 and 7.2 wordings).
 */
import { describe, expect, it } from "vitest";
import { LibvirtError } from "../../../src/errors.js";
import { MigrationError } from "../../../src/libvirt/errors.js";
import { classifyMigrateError } from "../../../src/libvirt/parse/migrate-error.js";
import { peerRefusal, prepareRefusal } from "../../../src/migration/refusal.js";
import { readFileSync } from "node:fs";
import { MODEL_SPELLING, spell } from "../../../src/model/index.js";
import { capturedError, V11, V9 } from "../libvirt/fixtures.js";

function migrationError(stderr: string): MigrationError {
  const failure = classifyMigrateError(stderr.replace(/^error: /, ""));
  return new MigrationError(`migration failed (${failure.kind}): ${failure.message}`, ["virsh", "migrate"], stderr, failure);
}

describe("prepareRefusal", () => {
  it("QEMU 10.0 on libvirt 11.3: names the destination, the errno, and how to fix that host", () => {
    const r = prepareRefusal(migrationError(capturedError(V11, "postcopy-precheck-fail-unpriv-qemu.txt")), "b");
    expect(r).not.toBeNull();
    expect(r!.host).toBe("b");
    expect(r!.why).toBe(
      "host b refused the move at prepare: its QEMU cannot use userfaultfd (Operation not permitted), so it cannot receive a post-copy move; nothing was sent",
    );
    // The domain names the setting in the model's words; each layer spells it (HCL at plan).
    expect(spell(r!.fix, MODEL_SPELLING)).toMatch(/^on host b: let QEMU use userfaultfd .*migration\.onUnsupported = "precopy"/);
  });

  it("QEMU 7.2 on libvirt 9.0 says only 'Postcopy is not supported': still the destination's refusal", () => {
    const r = prepareRefusal(migrationError(capturedError(V9, "postcopy-precheck-fail-unpriv-qemu.txt")), "b");
    expect(r?.why).toMatch(/^host b refused the move at prepare: its QEMU cannot do post-copy,/);
  });

  it("anything else is not a refusal at prepare", () => {
    expect(prepareRefusal(migrationError("error: operation aborted: job 'migration out' canceled by client"), "b")).toBeNull();
    expect(prepareRefusal(new LibvirtError("Postcopy is not supported", [], ""), "b")).toBeNull();
    expect(prepareRefusal(new Error("Postcopy is not supported"), "b")).toBeNull();
  });
});

describe("peerRefusal: the source's libvirtd refused by TLS when it dials the destination (p2p)", () => {
  const sample = (f: string) => readFileSync(new URL(`../libvirt/fixtures/transport/${f}`, import.meta.url), "utf8");
  const b = { name: "b", uri: "qemu+ssh://root@10.231.1.2/system", migrationUri: "qemu+tls://10.231.0.2/system" };

  it("a client certificate b does not admit: names both hosts, the uri dialled and b as the host to fix", () => {
    const r = peerRefusal(migrationError(sample("tls-p2p-client-not-admitted.stderr")), { name: "a" }, b);
    expect(r?.why).toBe(
      "host a's libvirtd cannot connect to host b at qemu+tls://10.231.0.2/system: the libvirt daemon on 10.231.0.2 closed the TLS " +
        "connection: it did not accept the client certificate of host a's libvirtd; nothing was sent",
    );
    expect(r?.host).toBe("b");
    expect(r?.fix).toContain("/etc/pki/libvirt/clientcert.pem on host a");
  });

  it("a's own certificate expired: a is the host to fix", () => {
    const r = peerRefusal(migrationError(sample("tls-p2p-client-expired.stderr")), { name: "a" }, b);
    expect(r?.host).toBe("a");
    expect(r?.why).toMatch(/the client certificate \/etc\/pki\/libvirt\/clientcert\.pem of host a's libvirtd has expired/);
  });

  it("not peer-to-peer (no migration uri), or not a transport refusal: none", () => {
    expect(peerRefusal(migrationError(sample("tls-p2p-client-not-admitted.stderr")), { name: "a" }, { ...b, migrationUri: undefined })).toBeNull();
    expect(peerRefusal(migrationError("error: operation aborted: job 'migration out' canceled by client"), { name: "a" }, b)).toBeNull();
  });
});
