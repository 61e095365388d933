/**
 * libvirt URIs: what livevirt accepts as one, when two are the same endpoint, and how secrets in
 * them are kept out of every text livevirt emits (logs, diagnostics, values in problems).
 */

/** libvirt remote transports (https://libvirt.org/uri.html) plus the test driver for labs. */
const TRANSPORTS = new Set(["", "ssh", "libssh", "libssh2", "tls", "tcp", "unix", "ext"]);
const DRIVERS = new Set(["qemu", "test"]);
const QEMU_PATHS = new Set(["/system", "/session", "/embed"]);

export const URI_FIX = "use a libvirt URI such as qemu:///system, qemu+ssh://root@kvm-a/system, qemu+tls://kvm-a/system or qemu+unix:///system?socket=/path";

/** Why `uri` is not a usable libvirt URI, or null when it is. */
export function uriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "it is not a URI";
  }
  const scheme = url.protocol.replace(/:$/, "");
  const [driver = "", transport = ""] = scheme.split("+", 2);
  if (!DRIVERS.has(driver) || !TRANSPORTS.has(transport)) return `scheme "${scheme}" is not a libvirt scheme livevirt knows`;
  if (driver === "qemu" && !QEMU_PATHS.has(url.pathname)) return `path "${url.pathname}" should be /system (or /session)`;
  if (transport && transport !== "unix" && !url.hostname) return `transport "${transport}" needs a host name`;
  return null;
}

/** The server part of a libvirt URI ("root@kvm-a:22" → "kvm-a"); the whole uri when it has none. */
export function uriHost(uri: string): string {
  try {
    const h = new URL(uri).hostname;
    return h === "" ? uri : h.replace(/^\[|\]$/g, "");
  } catch {
    return uri;
  }
}

/**
 * True when two URIs name the same libvirt endpoint (e.g. one host declared under two names): a
 * "move" between them would be a migration to the same host, which libvirt refuses at apply.
 */
export function sameEndpoint(a: { uri: string }, b: { uri: string }): boolean {
  return normalizedUri(a.uri) === normalizedUri(b.uri);
}

/** Scheme, host (case-insensitive), port, path and sorted query; user and password do not make another host. */
function normalizedUri(uri: string): string {
  try {
    const u = new URL(uri);
    const query = [...u.searchParams]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join("&");
    return `${u.protocol.toLowerCase()}//${u.hostname.toLowerCase()}:${u.port}${u.pathname}?${query}`;
  } catch {
    return uri;
  }
}

/** scheme://user:password@ anywhere in a text. */
const USERINFO_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):[^\s/@]*@/gi;

/** The text with every URI password replaced by `***` (user names kept: they help debugging). */
export function redactSecrets(text: string): string {
  return text.replace(USERINFO_PASSWORD, "$1:***@");
}

/** The password of the URI's userinfo, if any (so it can be scrubbed from free text). */
export function uriPassword(uri: string): string | undefined {
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(uri)?.[1];
  if (!userinfo) return undefined;
  const colon = userinfo.indexOf(":");
  const pw = colon < 0 ? "" : userinfo.slice(colon + 1);
  return pw === "" ? undefined : pw;
}

/**
 * Scrubs this URI's password from any text: libvirt error messages sometimes echo the URI, and
 * the password may also appear on its own or percent-decoded.
 */
export function redactText(text: string, uri: string): string {
  const pw = uriPassword(uri);
  let out = redactSecrets(text.split(uri).join(redactSecrets(uri)));
  if (pw) {
    out = out.split(pw).join("***");
    try {
      const decoded = decodeURIComponent(pw);
      if (decoded !== pw && decoded !== "") out = out.split(decoded).join("***");
    } catch {
      // not valid percent-encoding: the raw form was already scrubbed
    }
  }
  return out;
}
