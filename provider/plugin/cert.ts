/**
 * The AutoMTLS server certificate. Terraform pins it as the only root and dials with server name
 * "localhost", so it must be a CA (basicConstraints cA, keyUsage keyCertSign) that is also a
 * valid TLS server leaf (digitalSignature, EKU serverAuth, SAN DNS:localhost).
 *
 * Hand-written DER instead of @peculiar/x509: importing that library costs ~300 ms plus ~40 ms
 * to sign (and it needs a reflect-metadata polyfill); this costs ~2 ms. See DESIGN-provider.md.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { bits, bool, ctx, octets, oid, seq, set, uint, utcTime, utf8 } from "./der.js";

export interface ServerCert {
  /** DER bytes: the handshake line carries them base64-encoded. */
  der: Buffer;
  certPem: string;
  keyPem: string;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
};

const ext = (id: string, critical: boolean, value: Buffer) => (critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value)));

export interface CertOptions {
  now?: Date;
  /** Also allow TLS client use (EKU clientAuth) — tests use this to act as Terraform. */
  clientAuth?: boolean;
}

export function generateServerCert({ now = new Date(), clientAuth = false }: CertOptions = {}): ServerCert {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const name = seq(set(seq(oid(OID.organization), utf8("livevirt"))), set(seq(oid(OID.commonName), utf8("localhost"))));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const sigAlg = seq(oid(OID.ecdsaWithSha256));
  // Small clock skew between Terraform and us must not make the cert "not yet valid".
  const notBefore = new Date(now.getTime() - 5 * 60_000);
  const notAfter = new Date(now.getTime() + 365 * 86_400_000);
  // keyUsage bits: digitalSignature = bit 0 (0x80), keyCertSign = bit 5 (0x04); 2 unused bits.
  const keyUsage = bits(Buffer.from([0x84]), 2);
  const extensions = seq(
    ext(OID.basicConstraints, true, seq(bool(true))),
    ext(OID.keyUsage, true, keyUsage),
    ext(OID.extKeyUsage, false, seq(oid(OID.serverAuth), ...(clientAuth ? [oid(OID.clientAuth)] : []))),
    ext(OID.subjectAltName, false, seq(ctx(2, Buffer.from("localhost", "ascii"), false))),
  );
  const tbs = seq(
    ctx(0, uint(Buffer.from([2]))), // version v3
    uint(serial),
    sigAlg,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    spki,
    ctx(3, extensions),
  );
  const signature = sign("sha256", tbs, privateKey); // DER ECDSA-Sig-Value
  const der = seq(tbs, sigAlg, bits(signature));
  const b64 = der.toString("base64");
  const certPem = `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, "$&\n")}-----END CERTIFICATE-----\n`;
  return { der, certPem, keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}
