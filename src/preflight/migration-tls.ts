/**
 * Can a move between two hosts be encrypted with QEMU's native TLS (`virsh migrate --tls`)?
 * Pure: from each host's qemu.conf TLS settings and a listing of its certificate directory
 * (parseTlsListing, captured with TLS_LISTING_SCRIPT) to one check per host, with the rules QEMU
 * and libvirt apply when the move starts (tls-creds-x509, qemu_conf.c):
 *  - destination (endpoint=server): ca-cert.pem, server-cert.pem, server-key.pem readable by its
 *    QEMU; the server certificate valid now, issued by a CA the SOURCE trusts (its ca-cert.pem),
 *    and naming the address the source connects to (the destination's migration_host);
 *  - source (endpoint=client): ca-cert.pem readable; when the destination verifies clients
 *    (migrate_tls_x509_verify, default on) also client-cert.pem/client-key.pem, the certificate
 *    valid and issued by a CA the DESTINATION trusts.
 * Keys are only stat'ed, never read. Certificates are public and parsed here (node:crypto).
 */
import { X509Certificate } from "node:crypto";
import { assign, type MigrationTls } from "../model/index.js";
import type { HostFacts } from "./host-facts.js";
import type { Known } from "./known.js";
import { migrationTlsConf, type MigrationTlsConf } from "./qemu-conf.js";
import type { CheckResult } from "./types.js";

export const TLS_FILES = ["ca-cert", "server-cert", "server-key", "client-cert", "client-key"] as const;
export type TlsFile = (typeof TLS_FILES)[number];

export interface TlsFileFact {
  /** Octal permission bits, owner and group ids. */
  mode: number;
  uid: number;
  gid: number;
  /** The PEM text of a certificate file (never of a key). */
  pem?: string;
}

export interface TlsMaterial {
  dir: string;
  /** Files that exist (absent ones are missing from the record). */
  files: Partial<Record<TlsFile, TlsFileFact>>;
  /** `uname -n`: the name the destination advertises when qemu.conf sets no migration_host. */
  hostname?: string;
}

/** `stat -L -c STAT_TLS_FORMAT <dir>/<each file>.pem`: one `path|mode|uid|gid` line per existing file. */
export const STAT_TLS_FORMAT = "%n|%a|%u|%g";

export const tlsPath = (dir: string, f: TlsFile) => `${dir.replace(/\/+$/, "")}/${f}.pem`;

/**
 * stat's output for the five files → which exist and their modes. A file stat names as missing
 * ("No such file or directory") is absent; any other complaint (permission denied, not a
 * directory) makes the answer unknown: undefined, with the complaint.
 */
export function parseTlsStat(stdout: string, stderr: string, dir: string): { files: TlsMaterial["files"] } | { error: string } {
  const files: TlsMaterial["files"] = {};
  for (const line of stdout.split("\n")) {
    const m = /^(.*)\|([0-7]{3,4})\|(\d+)\|(\d+)$/.exec(line.trim());
    const f = m && TLS_FILES.find((x) => tlsPath(dir, x) === m[1]);
    if (m && f) files[f] = { mode: parseInt(m[2]!, 8), uid: Number(m[3]), gid: Number(m[4]) };
  }
  const complaints = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .filter((l) => !/No such file or directory/.test(l));
  if (complaints.length > 0) return { error: complaints[0]! };
  return { files };
}

/** Whether the mode bits let the QEMU user read the file (root reads everything). */
export function readableBy(f: TlsFileFact, uid: number, groups: readonly number[]): boolean {
  if (uid === 0) return true;
  if (f.uid === uid) return (f.mode & 0o400) !== 0;
  if (groups.includes(f.gid)) return (f.mode & 0o040) !== 0;
  return (f.mode & 0o004) !== 0;
}

/** Every certificate in a PEM text (a CA file may hold several); throws on a malformed one. */
export function certificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** Why `cert` is not acceptable now as issued by one of `cas`, or undefined when it is. */
export function certificateProblem(cert: X509Certificate, cas: readonly X509Certificate[], now: Date, caWhere: string): string | undefined {
  if (now < new Date(cert.validFrom)) return `is not valid before ${iso(cert.validFrom)}`;
  if (now > new Date(cert.validTo)) return `expired on ${iso(cert.validTo)}`;
  const issuer = cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) return `is not signed by a CA in ${caWhere} (issuer: ${cert.issuer.replace(/\n/g, ", ")})`;
  if (now > new Date(issuer.validTo)) return `is signed by a CA that expired on ${iso(issuer.validTo)} (${caWhere})`;
  return undefined;
}

const iso = (d: string) => new Date(d).toISOString().slice(0, 10);

/** The names a server certificate answers to: its subjectAltName entries, else its CN. */
export function certificateNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san)
    return san
      .split(/,\s*/)
      .map((e) => e.replace(/^(DNS|IP Address):/, ""))
      .filter(Boolean);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [cn] : [];
}

export type TlsRole = "source" | "destination";

/** What one side needs from its certificate directory. */
function needs(role: TlsRole, dstVerifies: boolean): TlsFile[] {
  if (role === "destination") return ["ca-cert", "server-cert", "server-key"];
  return dstVerifies ? ["ca-cert", "client-cert", "client-key"] : ["ca-cert"];
}

export const TLS_CHECK_ID = "migration.tls";

/**
 * The two per-host checks of a pair (source first), or none when `policy` is "off" and neither
 * host forces TLS. Under "auto" they are advisory (a failure means "in clear", never a failed
 * plan); under "required", or when a host's qemu.conf forces TLS, they must pass.
 */
export function tlsChecks(src: HostFacts, dst: HostFacts, policy: MigrationTls, now: Date, dstMigrationAddress?: string): CheckResult[] {
  const confs = [src, dst].map((f) => (f.qemuConf.known ? migrationTlsConf(f.qemuConf.value) : undefined));
  const forcedBy = [src, dst].filter((_, i) => confs[i]?.force).map((f) => f.host);
  if (policy === "off" && forcedBy.length === 0) return [];
  const pair: TlsPair = {
    dstVerifies: confs[1]?.verify ?? true,
    required: policy === "required" || forcedBy.length > 0,
    forcedBy,
    policy,
    now,
    dstMigrationAddress,
  };
  return [side({ f: src, conf: confs[0], role: "source" }, { f: dst }, pair), side({ f: dst, conf: confs[1], role: "destination" }, { f: src }, pair)];
}

/** What both checks of a pair share. */
interface TlsPair {
  /** The destination asks the source for a client certificate (migrate_tls_x509_verify). */
  dstVerifies: boolean;
  /** The checks decide the plan ("required", or a host forces TLS) instead of advising. */
  required: boolean;
  /** Hosts whose qemu.conf sets migrate_tls_force = 1. */
  forcedBy: string[];
  policy: MigrationTls;
  now: Date;
  /** The destination's declared migration address (Host migrationAddress): what the source connects to, when set. */
  dstMigrationAddress: string | undefined;
}

/** One host's check; `peer` is the other end of the move. */
function side(
  self: { f: HostFacts; conf: MigrationTlsConf | undefined; role: TlsRole },
  peer: { f: HostFacts },
  { dstVerifies, required, forcedBy, policy, now, dstMigrationAddress }: TlsPair,
): CheckResult {
  const { f, conf, role } = self;
  const h = f.host;
  const files = needs(role, dstVerifies);
  const base = {
    id: TLS_CHECK_ID,
    host: h,
    title: `QEMU migration TLS material (as the ${role === "source" ? "source: client side" : "destination: server side"})`,
    required:
      `${files.map((x) => `${x}.pem`).join(", ")} in the migration TLS directory, readable by QEMU` +
      (role === "destination"
        ? `, the server certificate valid, signed by a CA host ${peer.f.host} trusts, naming the address ${peer.f.host} connects to`
        : dstVerifies
          ? `, the client certificate valid and signed by a CA host ${peer.f.host} trusts`
          : ""),
    requiredFor: "move" as const,
    ...(required ? {} : { advisory: true as const }),
  };
  const inClear = required ? "" : "; the move goes in clear";
  const off =
    policy === "off" && forcedBy.length > 0 ? ` (qemu.conf on ${forcedBy.join(", ")} sets migrate_tls_force = 1, so a move in clear is refused there)` : "";
  const unknownOf = (why: string): CheckResult => ({ ...base, status: "unknown", found: `not known: ${why}${inClear}${off}` });
  if (!conf) return unknownOf(`qemu.conf (${(f.qemuConf as { why: string }).why})`);
  const mat = f.migrationTls;
  if (!mat.known) return unknownOf(mat.why);
  const dir = mat.value.dir;
  const fail = (found: string, brief: string, fix: string): CheckResult => ({
    ...base,
    status: "fail",
    found: `${found}${inClear}${off}`,
    brief,
    fix: `${fix}${required ? "" : `, or set ${assign("migration.tls", "off")} to move in clear without this check`}`,
  });

  if (conf.keySecret && role === "destination") {
    return unknownOf(`qemu.conf sets migrate_tls_x509_secret_uuid: the server key is encrypted with a libvirt secret, which livevirt does not verify`);
  }
  const missing = files.filter((x) => !mat.value.files[x]);
  if (missing.length > 0) {
    return fail(
      `${missing.map((x) => `${dir}/${x}.pem`).join(", ")} missing`,
      `no ${missing[0]}.pem in ${dir}`,
      `on host ${h}, put ${missing.map((x) => `${x}.pem`).join(", ")} into ${dir} (see docs/production-hosts.md, migration TLS)`,
    );
  }
  const id = f.qemuIdentity;
  const groups = f.qemuGroups.known ? f.qemuGroups.value : id.known ? [id.value.gid] : [];
  if (id.known) {
    const unreadable = files.filter((x) => !readableBy(mat.value.files[x]!, id.value.uid, groups));
    if (unreadable.length > 0) {
      const who = f.qemuUserName.known ? f.qemuUserName.value : `uid ${id.value.uid}`;
      const modes = unreadable.map(
        (x) => `${dir}/${x}.pem (mode ${mat.value.files[x]!.mode.toString(8)}, owner ${mat.value.files[x]!.uid}:${mat.value.files[x]!.gid})`,
      );
      return fail(
        `${modes.join(", ")} not readable by QEMU's user ${who}`,
        `${unreadable[0]}.pem not readable by QEMU`,
        `on host ${h}, let ${who} read ${unreadable.map((x) => `${dir}/${x}.pem`).join(", ")} (e.g. chgrp ${who} and chmod 0640)`,
      );
    }
  }

  // The certificates, checked against the CA file of the host that will verify them.
  let cas: X509Certificate[];
  let peerCas: X509Certificate[] | undefined;
  try {
    cas = certificates(mat.value.files["ca-cert"]!.pem ?? "");
  } catch (e) {
    return fail(
      `${dir}/ca-cert.pem cannot be parsed (${(e as Error).message})`,
      "ca-cert.pem is not a certificate",
      `on host ${h}, replace ${dir}/ca-cert.pem with the CA certificate in PEM form`,
    );
  }
  if (cas.length === 0)
    return fail(`${dir}/ca-cert.pem holds no PEM certificate`, "ca-cert.pem is empty", `on host ${h}, put the CA certificate (PEM) into ${dir}/ca-cert.pem`);
  const peerMat: Known<TlsMaterial> = peer.f.migrationTls;
  if (peerMat.known && peerMat.value.files["ca-cert"]?.pem) {
    try {
      peerCas = certificates(peerMat.value.files["ca-cert"].pem);
    } catch {
      peerCas = undefined; // reported by the peer's own check
    }
  }
  const leafName: TlsFile | undefined = role === "destination" ? "server-cert" : dstVerifies ? "client-cert" : undefined;
  if (!leafName) return { ...base, status: "pass", found: `${dir}/ca-cert.pem (host ${peer.f.host} does not ask for a client certificate)` };
  let cert: X509Certificate;
  try {
    const all = certificates(mat.value.files[leafName]!.pem ?? "");
    if (all.length === 0) throw new Error("no PEM certificate in it");
    cert = all[0]!;
  } catch (e) {
    return fail(
      `${dir}/${leafName}.pem cannot be parsed (${(e as Error).message})`,
      `${leafName}.pem is not a certificate`,
      `on host ${h}, replace ${dir}/${leafName}.pem with a certificate in PEM form`,
    );
  }
  if (!peerCas)
    return unknownOf(
      `host ${peer.f.host}'s CA (${peerMat.known ? "ca-cert.pem missing or unreadable" : peerMat.why}) is needed to check ${dir}/${leafName}.pem`,
    );
  const problem = certificateProblem(cert, peerCas, now, `host ${peer.f.host}'s ${peerMat.known ? peerMat.value.dir : "migration TLS directory"}/ca-cert.pem`);
  if (problem) {
    return fail(
      `${dir}/${leafName}.pem ${problem}`,
      `${leafName}.pem ${problem.split(" (")[0]}`,
      `on host ${h}, issue a new ${leafName === "server-cert" ? "server" : "client"} certificate from the CA that host ${peer.f.host} trusts ` +
        `and put it into ${dir}/${leafName}.pem`,
    );
  }
  if (role === "destination") {
    const declared = dstMigrationAddress;
    const name = declared ?? conf.migrationHost ?? mat.value.hostname;
    const whence = declared ? `host ${h}'s declared migration address` : conf.migrationHost ? "qemu.conf migration_host" : "the hostname";
    if (!name) return unknownOf(`the name ${peer.f.host} connects to (qemu.conf migration_host, or the hostname) is not known`);
    const names = certificateNames(cert);
    if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) {
      return fail(
        `${dir}/server-cert.pem names ${names.join(", ") || "nothing"}, not ${name}, ` + `the address host ${peer.f.host} connects to (${whence})`,
        `server-cert.pem does not name ${name}`,
        `on host ${h}, issue a server certificate whose subjectAltName includes ${name}`,
      );
    }
    return {
      ...base,
      status: "pass",
      found: `${dir}: server certificate for ${name}, valid until ${iso(cert.validTo)}, signed by a CA host ${peer.f.host} trusts`,
    };
  }
  return { ...base, status: "pass", found: `${dir}: client certificate valid until ${iso(cert.validTo)}, signed by a CA host ${peer.f.host} trusts` };
}

/**
 * Whether the move will be encrypted: both hosts' checks ran (the policy is not "off", or a host
 * forces TLS) and passed.
 */
export function tlsDecision(checks: readonly CheckResult[]): boolean {
  const tls = checks.filter((c) => c.id === TLS_CHECK_ID);
  return tls.length === 2 && tls.every((c) => c.status === "pass");
}
