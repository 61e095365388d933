import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostArgv, isRemotePrefix, quoteForShell, runOnHost } from "../../../src/hosts/shell.js";

/**
 * A stand-in for ssh that behaves like it where it matters: it drops its own options and the
 * destination, joins the rest with spaces and hands that ONE string to a shell.
 */
const dir = mkdtempSync(join(tmpdir(), "lv-fake-ssh-"));
const fakeSsh = join(dir, "ssh");
writeFileSync(fakeSsh, '#!/bin/sh\nwhile [ "$1" = "-o" ]; do shift 2; done\nshift\nexec sh -c "$*"\n');
chmodSync(fakeSsh, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = ["a b", "it's", '"dq"', "$HOME", "`id`", "x;echo pwned", "new\nline", "", "*", "\\"];

describe("quoting for a remote shell", () => {
  it("single-quotes every element, escaping only '", () => {
    expect(quoteForShell("a b")).toBe("'a b'");
    expect(quoteForShell("it's")).toBe(`'it'\\''s'`);
    expect(quoteForShell("")).toBe("''");
  });

  it("quotes only for ssh prefixes; local and nsenter argv pass unchanged", () => {
    expect(isRemotePrefix(["ssh", "-o", "BatchMode=yes", "root@kvm-a"])).toBe(true);
    expect(isRemotePrefix(["/usr/bin/ssh", "kvm-a"])).toBe(true);
    expect(isRemotePrefix(["nsenter", "--net=/run/netns/lv-a"])).toBe(false);
    expect(hostArgv([], ["cat", "a b"])).toEqual(["env", "LC_ALL=C", "cat", "a b"]);
    expect(hostArgv(["ssh", "h"], ["cat", "a b"])).toEqual(["ssh", "h", "'env'", "'LC_ALL=C'", "'cat'", "'a b'"]);
  });

  it("every hostile argument arrives intact through a shell-joining ssh", async () => {
    const r = await runOnHost({ name: "r", uri: "x", shell: [fakeSsh, "-o", "BatchMode=yes", "root@kvm-a"] }, ["printf", "%s\\0", ...HOSTILE]);
    expect(r.kind).toBe("ran");
    if (r.kind !== "ran") return;
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(HOSTILE);
  });

  it("and locally (empty prefix), argv is passed as is", async () => {
    const r = await runOnHost({ name: "l", uri: "x", shell: [] }, ["printf", "%s\\0", ...HOSTILE]);
    expect(r.kind === "ran" && r.stdout.split("\0").slice(0, -1)).toEqual(HOSTILE);
  });

  it("feeds stdin and reports the exit code", async () => {
    const r = await runOnHost({ name: "l", uri: "x", shell: [] }, ["sh", "-c", "cat; exit 3"], { input: "hello" });
    expect(r).toMatchObject({ kind: "ran", stdout: "hello", exitCode: 3 });
  });

  it("no shell, missing command, ssh failure and timeout are 'unavailable' with a reason", async () => {
    expect(await runOnHost({ name: "u", uri: "x" }, ["true"])).toMatchObject({
      kind: "unavailable",
      reason: expect.stringMatching(/no shell configured for host u/),
    });
    expect(await runOnHost({ name: "l", uri: "x", shell: [] }, ["livevirt-no-such-cmd"])).toMatchObject({
      kind: "unavailable",
      reason: expect.stringMatching(/not available on host l/),
    });
    expect(
      await runOnHost({ name: "r", uri: "x", shell: [fakeSsh, "h"] }, ["sh", "-c", "echo 'ssh: connect to host h port 22: Connection refused' >&2; exit 255"]),
    ).toMatchObject({
      kind: "unavailable",
      reason: expect.stringMatching(/ssh to host r failed: .*Connection refused/),
    });
    expect(await runOnHost({ name: "l", uri: "x", shell: [] }, ["sleep", "5"], { timeoutMs: 200 })).toMatchObject({
      kind: "unavailable",
      reason: expect.stringMatching(/timed out/),
    });
    expect(await runOnHost({ name: "l", uri: "x", shell: ["/nonexistent/prefix"] }, ["true"])).toMatchObject({ kind: "unavailable" });
  });
});
