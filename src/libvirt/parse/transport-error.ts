/**
 * What a failed connection's stderr says about the transport to a host, in a person's words and
 * with a fix (pure). virsh passes on ssh's own text — for a changed host key a 17-line banner of
 * "@" signs after "Cannot recv data:" — which, put on one line, names neither the problem nor the
 * way out; libvirt's TLS refusals name a file but not whose, or only "Failed to verify peer's
 * certificate". Samples captured on the lab: test/unit/libvirt/fixtures/transport/.
 */
import { redactSecrets, uriHost } from "../../model/index.js";

export interface TransportProblem {
  /** Completes "cannot connect to <uri>: …". */
  reason: string;
  fix: string;
  /** Which end to fix: the host connected to ("server"), or the one connecting ("client"). */
  fixOn: "server" | "client";
}

/**
 * Who opened the connection: this machine (virsh, the provider; the default) or a host's libvirtd
 * dialling another for a peer-to-peer move — a TLS refusal is about the connecting side's
 * certificate, so the words and the fix differ.
 */
export interface TransportClient {
  /** "this machine", "host a's libvirtd". */
  who: string;
  /** Where its client certificate is, for the fix. */
  certWhere: string;
  /** Where the CA it trusts is, for the fix. */
  caWhere: string;
}

export const THIS_MACHINE: TransportClient = {
  who: "this machine",
  certWhere: "/etc/pki/libvirt/clientcert.pem on this machine (or pkipath= in the uri)",
  caWhere: "/etc/pki/CA/cacert.pem on this machine",
};

/** A host's libvirtd as the client of a peer-to-peer move. */
export function daemonClient(host: string): TransportClient {
  return {
    who: `host ${host}'s libvirtd`,
    certWhere: `/etc/pki/libvirt/clientcert.pem on host ${host}`,
    caWhere: `/etc/pki/CA/cacert.pem on host ${host}`,
  };
}

/** libvirt's sentences end with a full stop; ours go on after them. */
const clause = (s: string) => s.trim().replace(/\.$/, "");

const RULES: readonly { test: RegExp; problem: (host: string, c: TransportClient, m: RegExpExecArray) => TransportProblem }[] = [
  {
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/,
    problem: (host) => ({
      reason: `the SSH host key of ${host} does not match the one in known_hosts (REMOTE HOST IDENTIFICATION HAS CHANGED)`,
      fix:
        `make sure ${host} is the machine you mean; only if its key changed on purpose (a reinstall), remove the old key (ssh-keygen -R ${host}) and ` +
        `accept the new one by connecting once (ssh root@${host}) after checking its fingerprint; never turn host key checking off`,
      fixOn: "client",
    }),
  },
  {
    test: /No \S+ host key is known for|Host key verification failed/,
    problem: (host) => ({
      reason: `the SSH host key of ${host} is not in known_hosts (an unknown host)`,
      fix:
        `connect once with ssh root@${host} from this machine and compare the fingerprint it shows with the host's own ` +
        `(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on ${host}) before accepting it`,
      fixOn: "client",
    }),
  },
  {
    test: /Permission denied \((?:publickey|password)/,
    problem: (host) => ({
      reason: `SSH refused the login on ${host} (no key it accepts)`,
      fix:
        `put this machine's public key into ~root/.ssh/authorized_keys on ${host} (or the user the ` +
        `uri names), or name the key in the uri: ?keyfile=/path/to/key`,
      fixOn: "server",
    }),
  },
  {
    // The server ended the handshake: its log says why (a name not in tls_allowed_dn_list, or a
    // certificate from a CA it does not trust); the client only sees the connection close.
    test: /Unable to read TLS confirmation/,
    problem: (host, c) => ({
      reason: `the libvirt daemon on ${host} closed the TLS connection: it did not accept the client certificate of ${c.who}`,
      fix:
        `check that the client certificate (${c.certWhere}) is signed by a CA ${host} trusts (/etc/pki/CA/cacert.pem there) and that its distinguished ` +
        `name (virt-pki-query-dn clientcert.pem) is in tls_allowed_dn_list of ${host}'s libvirtd.conf; ${host}'s libvirtd log names which`,
      fixOn: "server",
    }),
  },
  {
    // The connecting side checks its own certificate before it dials.
    test: /The (client|server|CA) certificate (\S+) (has expired|is not yet active)/,
    problem: (host, c, m) => ({
      reason: `the ${m[1]} certificate ${m[2]} of ${c.who} ${m[3]}, so it does not connect to ${host}`,
      fix:
        `issue ${c.who} a new ${m[1] === "CA" ? "CA certificate (and certificates from it)" : `${m[1]} certificate from the CA that ${host} trusts`} and ` +
        `put it into ${m[2]}`,
      fixOn: "client",
    }),
  },
  {
    test: /Our own certificate (\S+) failed validation against (\S+): ([^\n]+)/,
    problem: (host, c, m) => ({
      reason:
        `the client certificate ${m[1]} of ${c.who} does not validate against its own CA ` +
        `file ${m[2]} (${clause(m[3]!).replace(/^The certificate /, "it ")}), so it does not connect to ${host}`,
      fix: `give ${c.who} a client certificate from the CA that ${host} trusts, and that CA in ${m[2]}`,
      fixOn: "client",
    }),
  },
  {
    // The connecting side could not verify the server's certificate. libvirt logs the GnuTLS
    // status on that side only ("The certificate is not trusted." — also for an expired one).
    test: /Failed to verify peer's certificate/,
    problem: (host, c) => ({
      reason: `${c.who} could not verify the TLS certificate of the libvirt daemon on ${host} (expired, not signed by a CA it trusts, or not naming ${host})`,
      fix:
        `on ${host}, check /etc/pki/libvirt/servercert.pem (openssl x509 -in /etc/pki/libvirt/servercert.pem -noout -dates -issuer -ext subjectAltName): ` +
        `it must be current, signed by the CA in ${c.caWhere}, and name ${host}; after replacing it run ` +
        `virt-admin server-update-tls libvirtd on ${host} (or restart libvirtd)`,
      fixOn: "server",
    }),
  },
];

/** The first rule that matches, for a host (the uri's server part); undefined when none does. */
export function transportProblem(stderr: string, host: string, client: TransportClient = THIS_MACHINE): TransportProblem | undefined {
  for (const r of RULES) {
    const m = r.test.exec(stderr);
    if (m) return r.problem(host, client, m);
  }
  return undefined;
}

/**
 * A peer-to-peer connection from one host's libvirtd to another's, refused by the transport: in
 * words naming both hosts and the URI dialled, and the declared host to fix; undefined when
 * the text is not a transport refusal.
 */
export function peerConnectionProblem(text: string, from: string, to: string, uri: string): { why: string; host: string; fix: string } | undefined {
  const p = transportProblem(text, uriHost(uri), daemonClient(from));
  if (!p) return undefined;
  return {
    why: `host ${from}'s libvirtd cannot connect to host ${to} at ${redactSecrets(uri)}: ${p.reason}`,
    host: p.fixOn === "server" ? to : from,
    fix: p.fix,
  };
}
