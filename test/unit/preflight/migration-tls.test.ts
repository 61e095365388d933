/**
 * The migration.tls check (pure): per-host results from qemu.conf's TLS settings and the TLS
 * directory's files, with real certificates (fixtures/tls, see its README) and a fixed clock.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { certificateNames, certificates, parseTlsStat, readableBy, tlsChecks, tlsDecision, type TlsMaterial } from "../../../src/preflight/migration-tls.js";
import type { HostFacts } from "../../../src/preflight/host-facts.js";
import { known, unknown } from "../../../src/preflight/known.js";
import { decide } from "../../../src/preflight/verdict.js";
import type { QemuConfFacts } from "../../../src/preflight/qemu-conf.js";
import { LAB_CONF, UNPRIV_CONF, rootHost } from "./facts.js";

const pem = (f: string) => readFileSync(new URL(`./fixtures/tls/${f}.pem`, import.meta.url), "utf8");
const NOW = new Date("2027-06-01T00:00:00Z");
const DIR = "/etc/pki/qemu";
const cert = (text: string, mode = 0o644) => ({ mode, uid: 0, gid: 0, pem: text });
const key = (mode = 0o600, uid = 0, gid = 0) => ({ mode, uid, gid });

/** A host whose TLS directory holds everything, valid: both roles pass. */
function material(over: Partial<TlsMaterial["files"]> = {}, drop: string[] = []): TlsMaterial {
  const files: TlsMaterial["files"] = {
    "ca-cert": cert(pem("ca")),
    "server-cert": cert(pem("server-b")),
    "server-key": key(),
    "client-cert": cert(pem("client-a")),
    "client-key": key(),
    ...over,
  };
  for (const d of drop) delete files[d as keyof TlsMaterial["files"]];
  return { dir: DIR, files, hostname: "host-b" };
}
const host = (name: string, m: TlsMaterial, conf: QemuConfFacts = { ...LAB_CONF, tls: { migrationHost: "10.0.0.2" } }): HostFacts => ({
  ...rootHost(name),
  qemuConf: known(conf, "t"),
  migrationTls: known(m, "t"),
});
const A = (m = material()) => host("a", m);
const B = (m = material(), conf?: QemuConfFacts) => host("b", m, conf);
const byHost = (cs: ReturnType<typeof tlsChecks>) => Object.fromEntries(cs.map((c) => [c.host, c]));

describe("tlsChecks: can the move a → b be encrypted?", () => {
  it("both hosts set up: two passing checks, advisory under auto; the move is encrypted", () => {
    const cs = tlsChecks(A(), B(), "auto", NOW);
    expect(cs.map((c) => [c.host, c.status, c.advisory])).toEqual([
      ["a", "pass", true],
      ["b", "pass", true],
    ]);
    expect(byHost(cs).b!.found).toMatch(/server certificate for 10\.0\.0\.2, valid until 2036-12-01, signed by a CA host a trusts/);
    expect(tlsDecision(cs)).toBe(true);
  });

  it("off: no check, in clear", () => {
    expect(tlsChecks(A(), B(), "off", NOW)).toEqual([]);
    expect(tlsDecision([])).toBe(false);
  });

  it("a missing server key on b: fails naming host, file and fix; under auto advisory (in clear), under required blocking", () => {
    const auto = byHost(tlsChecks(A(), B(material({}, ["server-key"])), "auto", NOW)).b!;
    expect(auto).toMatchObject({ status: "fail", advisory: true, brief: "no server-key.pem in /etc/pki/qemu" });
    expect(auto.found).toBe("/etc/pki/qemu/server-key.pem missing; the move goes in clear");
    expect(auto.fix).toMatch(/^on host b, put server-key\.pem into \/etc\/pki\/qemu .*, or set ‹migration\.tls="off"› to move in clear without this check$/);
    const req = tlsChecks(A(), B(material({}, ["server-key"])), "required", NOW);
    expect(byHost(req).b!.advisory).toBeUndefined();
    const vm = { name: "v", memoryMib: 256, domainType: "qemu" as const, disks: [], migration: { mode: "postcopy" as const, onUnsupported: "fail" as const } };
    const d = decide(req, vm);
    expect(d.strategy).toBe("fail");
    expect(d.blocking.map((c) => [c.id, c.host])).toEqual([["migration.tls", "b"]]);
    // Under auto the same finding never fails the plan.
    expect(decide(tlsChecks(A(), B(material({}, ["server-key"])), "auto", NOW), vm).strategy).not.toBe("fail");
  });

  it("the source needs a client certificate only when the destination verifies clients", () => {
    const noClient = material({}, ["client-cert", "client-key"]);
    expect(byHost(tlsChecks(A(noClient), B(), "required", NOW)).a).toMatchObject({ status: "fail", brief: "no client-cert.pem in /etc/pki/qemu" });
    const noVerify = { ...LAB_CONF, tls: { migrationHost: "10.0.0.2", migrateVerify: false } };
    expect(byHost(tlsChecks(A(noClient), B(material(), noVerify), "required", NOW)).a).toMatchObject({ status: "pass" });
  });

  it("a key QEMU's user cannot read: names the file, its mode and the user", () => {
    const unpriv = (m: TlsMaterial): HostFacts => ({
      ...B(m, { ...UNPRIV_CONF, tls: { migrationHost: "10.0.0.2" } }),
      qemuIdentity: known({ uid: 64055, gid: 64055 }, "t"),
      qemuUserName: known("libvirt-qemu", "t"),
      qemuGroups: known([64055], "t"),
    });
    const c = byHost(tlsChecks(A(), unpriv(material({ "server-key": key(0o600, 0, 0) })), "required", NOW)).b!;
    expect(c.status).toBe("fail");
    expect(c.found).toMatch(/server-key\.pem \(mode 600, owner 0:0\) not readable by QEMU's user libvirt-qemu/);
    expect(c.fix).toMatch(/let libvirt-qemu read \/etc\/pki\/qemu\/server-key\.pem/);
    expect(byHost(tlsChecks(A(), unpriv(material({ "server-key": key(0o640, 0, 64055) })), "required", NOW)).b!.status).toBe("pass");
  });

  it("a server certificate that does not name the address the source connects to", () => {
    const c = byHost(tlsChecks(A(), B(material({ "server-cert": cert(pem("server-b-wrong-name")) })), "required", NOW)).b!;
    expect(c).toMatchObject({ status: "fail", brief: "server-cert.pem does not name 10.0.0.2" });
    expect(c.found).toMatch(/names somewhere-else, not 10\.0\.0\.2, the address host a connects to \(qemu\.conf migration_host\)/);
    // Without migration_host the destination advertises its hostname, which this certificate does carry.
    const byName = B(material({ "server-cert": cert(pem("server-b")) }), { ...LAB_CONF });
    expect(byHost(tlsChecks(A(), byName, "required", NOW)).b!.status).toBe("pass");
    // A declared migration address is what the source connects to: the certificate must name it.
    const declared = byHost(tlsChecks(A(), B(), "required", NOW, "10.0.9.2")).b!;
    expect(declared).toMatchObject({ status: "fail", brief: "server-cert.pem does not name 10.0.9.2" });
    expect(declared.found).toMatch(/the address host a connects to \(host b's declared migration address\)/);
    expect(byHost(tlsChecks(A(), B(), "required", NOW, "10.0.0.2")).b!.status).toBe("pass");
  });

  it("a server certificate from a CA the source does not trust", () => {
    const c = byHost(tlsChecks(A(), B(material({ "server-cert": cert(pem("server-b-other-ca")) })), "required", NOW)).b!;
    expect(c.status).toBe("fail");
    expect(c.found).toMatch(/server-cert\.pem is not signed by a CA in host a's \/etc\/pki\/qemu\/ca-cert\.pem \(issuer: O=fixture, CN=another CA\)/);
  });

  it("expired and not yet valid, by the clock", () => {
    expect(byHost(tlsChecks(A(), B(), "required", new Date("2037-01-01"))).b!.found).toMatch(/server-cert\.pem expired on 2036-12-01/);
    expect(byHost(tlsChecks(A(), B(), "required", new Date("2026-01-01"))).b!.found).toMatch(/is not valid before 2026-12-04/);
  });

  it("a host whose qemu.conf forces TLS: checked as required even when the VM says off", () => {
    const forced = { ...LAB_CONF, tls: { migrationHost: "10.0.0.2", force: true } };
    const cs = tlsChecks(A(), B(material({}, ["server-cert"]), forced), "off", NOW);
    expect(byHost(cs).b).toMatchObject({ status: "fail" });
    expect(byHost(cs).b!.advisory).toBeUndefined();
    expect(byHost(cs).b!.found).toMatch(/qemu\.conf on b sets migrate_tls_force = 1/);
  });

  it("unknown facts stay unknown: never encrypted on a guess", () => {
    const cs = tlsChecks(A(), { ...B(), migrationTls: unknown("ssh to host b failed") }, "auto", NOW);
    expect(byHost(cs).b).toMatchObject({ status: "unknown", found: "not known: ssh to host b failed; the move goes in clear" });
    expect(tlsDecision(cs)).toBe(false);
  });
});

describe("parsers and helpers", () => {
  it("parseTlsStat: existing files with their modes; missing ones absent; other complaints unknown", () => {
    const out = "/etc/pki/qemu/ca-cert.pem|644|0|0\n/etc/pki/qemu/server-key.pem|640|0|64055\n";
    const err = "stat: cannot statx '/etc/pki/qemu/client-key.pem': No such file or directory\n";
    expect(parseTlsStat(out, err, DIR)).toEqual({ files: { "ca-cert": { mode: 0o644, uid: 0, gid: 0 }, "server-key": { mode: 0o640, uid: 0, gid: 64055 } } });
    expect(parseTlsStat("", "stat: cannot statx '/etc/pki/qemu/ca-cert.pem': Permission denied\n", DIR)).toEqual({
      error: "stat: cannot statx '/etc/pki/qemu/ca-cert.pem': Permission denied",
    });
  });

  it("readableBy: owner, group and other bits; root reads all", () => {
    expect(readableBy({ mode: 0o600, uid: 0, gid: 0 }, 0, [0])).toBe(true);
    expect(readableBy({ mode: 0o600, uid: 0, gid: 0 }, 64055, [64055])).toBe(false);
    expect(readableBy({ mode: 0o640, uid: 0, gid: 64055 }, 64055, [64055])).toBe(true);
    expect(readableBy({ mode: 0o604, uid: 0, gid: 0 }, 64055, [64055])).toBe(true);
    expect(readableBy({ mode: 0o400, uid: 64055, gid: 0 }, 64055, [])).toBe(true);
  });

  it("certificateNames and certificates (a CA file may hold several)", () => {
    expect(certificateNames(certificates(pem("server-b"))[0]!)).toEqual(["10.0.0.2", "host-b"]);
    expect(certificates(pem("ca") + "\n" + pem("other-ca")).length).toBe(2);
  });
});
