/**
 * URI passwords never come back in a validation message, at synth or at plan. (The end-to-end
 * check — Terraform output, TRACE log, plan JSON and state — is in
 * test/integration/bad-input-matrix.test.ts, "secrets"; provider/redact.ts's own cases are in
 * test/unit/provider/hosts.test.ts "never quotes a password back".)
 *
 * What counts as a secret: the password in a URI's userinfo. Not secrets: user names, host names
 * and `?keyfile=/path` (a path names a key, it is not the key; only root can read it there).
 */
import { TerraformStack } from "cdktf";
import { testApp } from "../modules/testing-app.js";
import { describe, expect, it } from "vitest";
import { LibvirtError } from "../../../src/errors.js";
import { toDiagnostic } from "../../../provider/diagnostics.js";
import { hostProblems } from "../../../provider/livevirt/hosts.js";
import { redactSecrets } from "../../../src/model/index.js";
import { LivevirtHosts, VmPlacement, type Host } from "../../../modules/index.js";
import type { ObjectValue } from "../../../provider/framework/values.js";

const PW = "s3cr3t-Xy";
const URIS = [
  `qemu+ssh://root:${PW}@kvm-a/system`,
  `QEMU+TLS://admin:${PW}@kvm-a:16514/system?pkipath=/etc/pki`,
  `qemu+tcp://:${PW}@10.0.0.1/system`,
  `qemu+ssh://root:${PW}:more@kvm-a/system`,
];

describe("URI passwords are never quoted back", () => {
  it.each(URIS)("redactSecrets(%s)", (uri) => {
    const out = redactSecrets(`failed on ${uri}: error`);
    expect(out).not.toContain(PW);
    expect(out).toContain(":***@");
  });

  it("at synth, in the message for a bad URI with a password", () => {
    const stack = new TerraformStack(testApp(), "s");
    new LivevirtHosts(stack, "hosts", { hosts: [{ name: "a", uri: `qemu+ssh://root:${PW}@kvm-a/nowhere` } as Host] });
    new VmPlacement(stack, "web", { host: "a" });
    const all = stack.node.findAll().flatMap((n) => n.node.validate());
    expect(all.join("\n")).toMatch(/hosts\[0\]\.uri = "qemu\+ssh:\/\/root:\*\*\*@kvm-a\/nowhere" is invalid/);
    expect(all.join("\n")).not.toContain(PW);
  });

  it("at plan, in host-block diagnostics and in libvirt errors turned into diagnostics", () => {
    const errs = hostProblems({
      host: [{ name: "a", uri: `qemu+ssh://root:${PW}@kvm-a/nowhere`, migration_uri: `qemu+tcp://u:${PW}@kvm-a`, shell: null }],
    } as ObjectValue);
    expect(errs).toHaveLength(2);
    expect(JSON.stringify(errs.map((e) => toDiagnostic(e)))).not.toContain(PW);
    const uri = `qemu+ssh://root:${PW}@kvm-a/system`;
    const libvirt = new LibvirtError(`virsh on ${uri} failed`, ["virsh", "-c", uri, "list"], `error: failed to connect to ${uri}`, { host: "a" });
    expect(JSON.stringify(toDiagnostic(libvirt))).not.toContain(PW);
  });
});
