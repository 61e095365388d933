/**
 * Certificates with chosen dates for tests of broken TLS material (an expired one, one that
 * expires in a few seconds), issued with `openssl ca` — Debian 12's OpenSSL 3.0 has no
 * -not_before/-not_after for `x509 -req`, but `ca` takes -startdate/-enddate.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { selfSigned } from "../../../src/lab/pki.js";

export interface IssuedCert {
  cert: string;
  key: string;
}

/** openssl's date form for -startdate/-enddate: YYYYMMDDHHMMSSZ (UTC). */
export const opensslDate = (d: Date) => `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/**
 * A leaf certificate for `cn` in `dir`, signed by the CA (cert and key files), valid from
 * `notBefore` to `notAfter`; a server certificate carries `names` (IP addresses or DNS names).
 */
export async function issueCert(
  dir: string,
  o: { cn: string; kind: "server" | "client"; names?: string[]; notBefore: Date; notAfter: Date; ca: IssuedCert },
): Promise<IssuedCert> {
  const db = join(dir, "ca-db");
  mkdirSync(join(db, "new"), { recursive: true });
  writeFileSync(join(db, "index.txt"), "");
  writeFileSync(join(db, "serial"), `${randomBytes(8).toString("hex")}\n`);
  const san = (o.names ?? []).map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  writeFileSync(
    join(db, "ca.cnf"),
    [
      "[ca]",
      "default_ca = x",
      "[x]",
      `database = ${join(db, "index.txt")}`,
      `serial = ${join(db, "serial")}`,
      `new_certs_dir = ${join(db, "new")}`,
      "default_md = sha256",
      "policy = p",
      "unique_subject = no",
      "[p]",
      "commonName = supplied",
      "[ext]",
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage = ${o.kind}Auth`,
      ...(san ? [`subjectAltName = ${san}`] : []),
      "",
    ].join("\n"),
  );
  const base = join(dir, `${o.cn}-${o.kind}-${opensslDate(o.notAfter)}`);
  const out = { cert: `${base}-cert.pem`, key: `${base}-key.pem` };
  await execa("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", out.key, "-out", `${base}.csr`, "-subj", `/CN=${o.cn}`]);
  await execa("openssl", [
    "ca",
    "-batch",
    "-notext",
    "-config",
    join(db, "ca.cnf"),
    "-cert",
    o.ca.cert,
    "-keyfile",
    o.ca.key,
    "-startdate",
    opensslDate(o.notBefore),
    "-enddate",
    opensslDate(o.notAfter),
    "-extensions",
    "ext",
    "-in",
    `${base}.csr`,
    "-out",
    out.cert,
  ]);
  return out;
}

/** A self-signed CA of its own (not the lab's), for "another CA" cases. */
export async function otherCa(dir: string): Promise<IssuedCert> {
  const out = { cert: join(dir, "other-ca-cert.pem"), key: join(dir, "other-ca-key.pem") };
  await selfSigned({
    key: out.key,
    cert: out.cert,
    days: 2,
    subject: "/CN=another CA",
    extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"],
  });
  return out;
}
