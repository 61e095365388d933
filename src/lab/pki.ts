/**
 * The lab's PKI: one CA, and for each host a server certificate (its daemon's TLS listener, and
 * the QEMU migration endpoint) and a client certificate (its daemon dialling the other host for a
 * peer-to-peer move, and its QEMU sending migration data). Laid out in each host's private
 * /etc/pki the way libvirt and QEMU look for them on a real host:
 *
 *   /etc/pki/CA/cacert.pem                               CA that signs every lab certificate
 *   /etc/pki/libvirt/{servercert,clientcert}.pem         libvirtd's TLS listener / p2p client
 *   /etc/pki/libvirt/private/{serverkey,clientkey}.pem
 *   /etc/pki/qemu/{ca-cert,server-cert,server-key,client-cert,client-key}.pem   migration TLS
 *
 * Generated once (kept in $LAB_ROOT/pki across lab restarts) with openssl, argv only; renewed
 * when a certificate is within a day of expiry. Names: the server certificate carries the host's
 * migration and management addresses and its hostname, which is what clients verify.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sh, trySh } from "./exec.js";
import { HOST_NAMES, LAB_ROOT, hostPaths, type HostName } from "./paths.js";
import { TOPOLOGY, migrationAddresses } from "./topology.js";

export const PKI_DIR = join(LAB_ROOT, "pki");
const DAYS = "365";

export const caCert = () => join(PKI_DIR, "ca-cert.pem");
const caKey = () => join(PKI_DIR, "ca-key.pem");
export const leaf = (host: HostName, kind: "server" | "client") => ({
  cert: join(PKI_DIR, `${host}-${kind}-cert.pem`),
  key: join(PKI_DIR, `${host}-${kind}-key.pem`),
});

/** The client certificate's subject: libvirtd's tls_allowed_dn_list admits exactly these. */
export const clientDn = (host: HostName) => `CN=${TOPOLOGY[host].hostname}`;

async function valid(cert: string): Promise<boolean> {
  return existsSync(cert) && (await trySh("openssl", ["x509", "-in", cert, "-noout", "-checkend", "86400"]));
}

/** What a host's server certificate names: every migration-link address, the management address, the hostname. */
const serverNames = (host: HostName): string[] => [
  ...migrationAddresses(host).map((a) => `IP:${a}`),
  `IP:${TOPOLOGY[host].mgmtAddress}`,
  `DNS:${TOPOLOGY[host].hostname}`,
];

/** The server certificate names all of serverNames (a lab from before a link was added gets a new one). */
async function namesAll(host: HostName): Promise<boolean> {
  const out = await sh("openssl", ["x509", "-in", leaf(host, "server").cert, "-noout", "-ext", "subjectAltName"]).catch(() => "");
  const names = new Set(out.replaceAll("IP Address:", "IP:").split(/[\s,]+/));
  return serverNames(host).every((n) => names.has(n));
}

async function issue(host: HostName, kind: "server" | "client"): Promise<void> {
  const { cert, key } = leaf(host, kind);
  const csr = `${cert}.csr`;
  const ext = `${cert}.ext`;
  const lines = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${kind === "server" ? "serverAuth" : "clientAuth"}`,
    ...(kind === "server" ? [`subjectAltName=${serverNames(host).join(",")}`] : []),
  ];
  writeFileSync(ext, lines.join("\n") + "\n");
  await sh("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", `/${clientDn(host)}`]);
  await sh("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caCert(),
    "-CAkey",
    caKey(),
    "-set_serial",
    `0x${randomBytes(12).toString("hex")}`,
    "-days",
    DAYS,
    "-extfile",
    ext,
    "-out",
    cert,
  ]);
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
  chmodSync(key, 0o600);
}

/**
 * A new RSA key and a certificate it signs itself (`openssl req -x509`, argv only): the lab's CA,
 * and the foreign CAs and rogue certificates the refusal tests make. `extensions` are `-addext` values.
 */
export async function selfSigned(o: { key: string; cert: string; days: number; subject: string; extensions?: readonly string[] }): Promise<void> {
  const addext = (o.extensions ?? []).flatMap((e) => ["-addext", e]);
  await sh("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    o.key,
    "-out",
    o.cert,
    "-days",
    String(o.days),
    "-subj",
    o.subject,
    ...addext,
  ]);
}

/** Creates (or renews) the CA and every host's certificates. Idempotent; ~1 s when it has work. */
export async function ensurePki(): Promise<void> {
  mkdirSync(PKI_DIR, { recursive: true, mode: 0o700 });
  let renewAll = false;
  if (!(await valid(caCert()))) {
    await selfSigned({
      key: caKey(),
      cert: caCert(),
      days: 3650,
      subject: "/O=livevirt lab/CN=livevirt lab CA",
      extensions: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
    });
    chmodSync(caKey(), 0o600);
    renewAll = true;
  }
  for (const h of HOST_NAMES) {
    for (const kind of ["server", "client"] as const) {
      if (renewAll || !(await valid(leaf(h, kind).cert)) || (kind === "server" && !(await namesAll(h)))) await issue(h, kind);
    }
  }
}

/** Copies the CA and the host's certificates into its private /etc/pki (see the layout above). */
export function installPki(host: HostName): void {
  const dir = hostPaths(host).dir("pki");
  const put = (from: string, to: string, mode: number) => {
    mkdirSync(join(dir, to, ".."), { recursive: true });
    copyFileSync(from, join(dir, to));
    chmodSync(join(dir, to), mode);
  };
  const server = leaf(host, "server");
  const client = leaf(host, "client");
  put(caCert(), "CA/cacert.pem", 0o644);
  put(server.cert, "libvirt/servercert.pem", 0o644);
  put(server.key, "libvirt/private/serverkey.pem", 0o600);
  put(client.cert, "libvirt/clientcert.pem", 0o644);
  put(client.key, "libvirt/private/clientkey.pem", 0o600);
  put(caCert(), "qemu/ca-cert.pem", 0o644);
  put(server.cert, "qemu/server-cert.pem", 0o644);
  put(server.key, "qemu/server-key.pem", 0o600);
  put(client.cert, "qemu/client-cert.pem", 0o644);
  put(client.key, "qemu/client-key.pem", 0o600);
}
