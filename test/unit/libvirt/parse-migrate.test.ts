import { describe, expect, it } from "vitest";
import { ParseError } from "../../../src/errors.js";
import { classifyMigrateError } from "../../../src/libvirt/parse/migrate-error.js";
import { parseMigrateHelp } from "../../../src/libvirt/parse/migrate-help.js";
import { libvirtMessages, stripProgress } from "../../../src/libvirt/parse/virsh-error.js";
import { capturedError, raw, sample, V11, V9 } from "./fixtures.js";

describe("parseMigrateHelp", () => {
  it("lists the flags of virsh 9.0 and 11.3", () => {
    const v9 = parseMigrateHelp(sample(V9, "virsh-migrate-help.txt"));
    const v11 = parseMigrateHelp(sample(V11, "virsh-migrate-help.txt"));
    for (const h of [v9, v11]) {
      for (const f of [
        "live",
        "p2p",
        "tunnelled",
        "postcopy",
        "postcopy-after-precopy",
        "postcopy-resume",
        "postcopy-bandwidth",
        "timeout-postcopy",
        "copy-storage-all",
        "migrateuri",
        "undefinesource",
        "persistent",
      ]) {
        expect(h.options.has(f), f).toBe(true);
      }
      expect(h.valueKinds.get("bandwidth")).toBe("number");
      expect(h.valueKinds.get("migrateuri")).toBe("string");
    }
    expect(v9.options.has("available-switchover-bandwidth")).toBe(false);
    expect(v11.options.has("available-switchover-bandwidth")).toBe(true);
    expect(v11.options.has("migrate-disks-detect-zeroes")).toBe(true);
  });

  it("refuses text without an OPTIONS section", () => {
    expect(() => parseMigrateHelp(sample(V9, "virsh-migrate-postcopy-help.txt").replace("OPTIONS", "X"))).toThrow(ParseError);
  });
});

describe("classifyMigrateError (captured messages)", () => {
  it("QEMU 7.2 destination without userfaultfd: postcopy-unsupported", () => {
    const msgs = libvirtMessages(raw(V9, "virsh-migrate-postcopy-dest-no-uffd.txt"));
    expect(msgs).toEqual(["internal error: unable to execute QEMU command 'migrate-set-capabilities': Postcopy is not supported"]);
    const f = classifyMigrateError(msgs);
    expect(f.kind).toBe("postcopy-unsupported");
    expect(f.userfaultfd).toBeUndefined();
  });

  it("QEMU 10.0 names userfaultfd and the errno", () => {
    const f = classifyMigrateError(capturedError(V11, "postcopy-precheck-fail-unpriv-qemu.txt").replace(/^error: /, ""));
    expect(f.kind).toBe("postcopy-unsupported");
    expect(f.userfaultfd).toEqual({ available: false, errno: "Operation not permitted" });
    expect(classifyMigrateError(capturedError(V9, "postcopy-precheck-fail-unpriv-qemu.txt")).kind).toBe("postcopy-unsupported");
  });

  it("the same wording straight from QMP (bare QEMU probe)", () => {
    const desc = /"desc": "([^"]+)"/.exec(raw(V11, "qemu-incoming-postcopy-probe-nobody.txt"))![1]!;
    expect(classifyMigrateError(desc).userfaultfd?.errno).toBe("Operation not permitted");
  });

  it("cancelled by the client", () => {
    const msgs = libvirtMessages(raw(V9, "virsh-migrate-aborted.txt"));
    expect(classifyMigrateError(msgs)).toEqual({ kind: "aborted-by-client", message: "operation aborted: job 'migration out' canceled by client" });
  });

  it("libvirt's refusals: tunnelled post-copy, same host, abort in post-copy", () => {
    expect(classifyMigrateError("argument unsupported: post-copy is not supported with tunnelled migration").kind).toBe("postcopy-tunnelled");
    const same = classifyMigrateError("internal error: Attempt to migrate guest to the same host 00000000-0000-4000-8000-000000000001");
    expect(same).toMatchObject({ kind: "same-host", host: "00000000-0000-4000-8000-000000000001" });
    expect(classifyMigrateError("Requested operation is not valid: cannot abort migration in post-copy mode").kind).toBe("postcopy-abort-refused");
  });

  it("domain missing on the source, connection failures, unknown", () => {
    expect(classifyMigrateError(libvirtMessages(raw(V11, "domjobinfo-src-completed.txt"))).kind).toBe("domain-not-found");
    expect(classifyMigrateError(["failed to connect to the hypervisor", "unable to connect to server at '10.213.7.2:16509': Connection refused"]).kind).toBe(
      "connection-failed",
    );
    expect(classifyMigrateError("something new").kind).toBe("unknown");
  });
});

describe("virsh stderr", () => {
  it("--verbose progress is not an error and does not hide one", () => {
    const progress = raw(V11, "virsh-migrate-postcopy-move.txt").split("\n")[1]!;
    expect(progress).toMatch(/^\rMigration: \[/); // virsh redraws the line with \r
    expect(libvirtMessages(progress)).toEqual([]);
    expect(stripProgress(progress).trim()).toBe("");
    expect(libvirtMessages(`\rMigration: [ 12.56 %]error: operation aborted: job 'migration out' canceled by client\n`)).toEqual([
      "operation aborted: job 'migration out' canceled by client",
    ]);
  });
});
