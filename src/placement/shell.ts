/**
 * How to run a command on a host when the user did not say: this machine for local URIs, ssh
 * for qemu+ssh URIs (same user, host and port as libvirt uses), and "unknown" otherwise — a
 * qemu+tcp/tls host may be anywhere, and guessing would read another machine's facts.
 */
export function defaultShell(uri: string): string[] | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  const scheme = u.protocol.replace(/:$/, "");
  const transport = scheme.split("+")[1];
  if (transport === undefined || transport === "unix") return u.hostname === "" ? [] : undefined;
  if (transport === "ssh" || transport === "libssh" || transport === "libssh2") {
    const target = `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.hostname}`;
    return ["ssh", "-o", "BatchMode=yes", ...(u.port ? ["-p", u.port] : []), target];
  }
  return undefined;
}
