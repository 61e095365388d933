/**
 * What a failed connection's stderr says about the transport to a host, in a person's words and
 * with a fix (pure). virsh passes on ssh's own text — for a changed host key a 17-line banner of
 * "@" signs after "Cannot recv data:" — which, put on one line, names neither the problem nor the
 * way out. Samples captured on the lab: test/unit/libvirt/fixtures/transport/.
 */
export interface TransportProblem {
  /** Completes "cannot connect to <uri>: …". */
  reason: string;
  fix: string;
}

const RULES: readonly { test: RegExp; problem: (host: string) => TransportProblem }[] = [
  {
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/,
    problem: (host) => ({
      reason: `the SSH host key of ${host} does not match the one in known_hosts (REMOTE HOST IDENTIFICATION HAS CHANGED)`,
      fix:
        `make sure ${host} is the machine you mean; only if its key changed on purpose (a reinstall), ` +
        `remove the old key (ssh-keygen -R ${host}) and accept the new one by connecting once (ssh root@${host}) after checking its fingerprint; ` +
        `never turn host key checking off`,
    }),
  },
  {
    test: /No \S+ host key is known for|Host key verification failed/,
    problem: (host) => ({
      reason: `the SSH host key of ${host} is not in known_hosts (an unknown host)`,
      fix:
        `connect once with ssh root@${host} from this machine and compare the fingerprint it shows with the host's own (ssh-keygen -lf ` +
        `/etc/ssh/ssh_host_ed25519_key.pub on ${host}) before accepting it`,
    }),
  },
  {
    test: /Permission denied \((?:publickey|password)/,
    problem: (host) => ({
      reason: `SSH refused the login on ${host} (no key it accepts)`,
      fix:
        `put this machine's public key into ~root/.ssh/authorized_keys on ${host} (or the user the uri names), or name the key in the uri: ` +
        `?keyfile=/path/to/key`,
    }),
  },
  {
    test: /Unable to read TLS confirmation/,
    problem: (host) => ({
      reason: `the libvirt daemon on ${host} closed the TLS connection: it did not accept this machine's client certificate`,
      fix:
        `check that this machine's client certificate (/etc/pki/libvirt/clientcert.pem, or pkipath= in the uri) ` +
        `is signed by a CA ${host} trusts and that its distinguished name is in tls_allowed_dn_list of ${host}'s libvirtd.conf`,
    }),
  },
];

/** The first rule that matches, for a host (the uri's server part); undefined when none does. */
export function transportProblem(stderr: string, host: string): TransportProblem | undefined {
  return RULES.find((r) => r.test.test(stderr))?.problem(host);
}
