import { describe, expect, it } from "vitest";
import { DomainNotFoundError, LibvirtError } from "../../../src/errors.js";
import { displayCommand, virshFailure } from "../../../src/libvirt/run-virsh.js";
import { isDomainNotFound } from "../../../src/libvirt/parse/virsh-error.js";
import { redactSecrets as redactUri, redactText, uriPassword } from "../../../src/model/index.js";
import { raw, V11, V9 } from "./fixtures.js";

const URI_A = "qemu+unix:///system?socket=/var/lib/twohost/a/run/libvirt-sock";

describe("virshFailure: libvirt's error lines → typed errors", () => {
  it("'failed to get domain' (captured, 11.3) → DomainNotFoundError", () => {
    const stderr = raw(V11, "domjobinfo-src-completed.txt")
      .split("\n")
      .filter((l) => l.startsWith("error:"))
      .join("\n");
    const e = virshFailure(URI_A, ["domjobinfo", "--domain", "probe", "--completed"], { stdout: "", stderr, exitCode: 1 });
    expect(e).toBeInstanceOf(DomainNotFoundError);
    expect(e.message).toBe(`virsh domjobinfo on ${URI_A} failed: failed to get domain 'probe'`);
    expect(e.command).toEqual(["virsh", "-c", URI_A, "domjobinfo", "--domain", "probe", "--completed"]);
  });

  it("the daemon's 'Domain not found' wording too", () => {
    expect(isDomainNotFound("Domain not found: no domain with matching name 'x'")).toBe(true);
    expect(isDomainNotFound("operation aborted: job 'migration out' canceled by client")).toBe(false);
  });

  it("other errors (captured, 9.0) → LibvirtError carrying libvirt's message", () => {
    const e = virshFailure(URI_A, ["migrate"], { stdout: "", stderr: raw(V9, "virsh-migrate-postcopy-dest-no-uffd.txt"), exitCode: 1 });
    expect(e).toBeInstanceOf(LibvirtError);
    expect(e).not.toBeInstanceOf(DomainNotFoundError);
    expect(e.message).toContain("Postcopy is not supported");
  });

  it("several error lines are joined in order", () => {
    const stderr = "error: failed to connect to the hypervisor\nerror: unable to connect to server at '127.0.0.1:1': Connection refused\n";
    expect(virshFailure("qemu+tcp://127.0.0.1:1/system", ["version"], { stdout: "", stderr, exitCode: 1 }).message).toMatch(
      /failed to connect to the hypervisor; unable to connect to server/,
    );
  });
});

describe("URI passwords never reach messages", () => {
  const uri = "qemu+tcp://admin:s3cr%40t@10.0.0.2:16509/system";

  it("redacts the userinfo password, keeps the user", () => {
    expect(redactUri(uri)).toBe("qemu+tcp://admin:***@10.0.0.2:16509/system");
    expect(redactUri("qemu+ssh://root@h/system")).toBe("qemu+ssh://root@h/system");
    expect(redactUri(URI_A)).toBe(URI_A);
    expect(uriPassword(uri)).toBe("s3cr%40t");
  });

  it("scrubs free text, raw and percent-decoded", () => {
    expect(redactText(`cannot connect to ${uri} with s3cr@t`, uri)).toBe("cannot connect to qemu+tcp://admin:***@10.0.0.2:16509/system with ***");
  });

  it("errors and their argv are password-free", () => {
    const e = virshFailure(uri, ["version"], { stdout: "", stderr: `error: failed to connect to ${uri}\n`, exitCode: 1 });
    expect(JSON.stringify({ m: e.message, c: e.command, s: e.stderr })).not.toContain("s3cr");
    expect(displayCommand(uri, ["migrate", "--desturi", uri])).not.toContain(uri);
  });
});
