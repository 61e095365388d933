/**
 * libvirt URIs may carry a password in their userinfo (`qemu+tcp://user:secret@host/system`).
 * Anything we log or put into an error goes through these helpers first.
 */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i;

/** The URI with the userinfo password replaced by `***` (user name kept: it helps debugging). */
export function redactUri(uri: string): string {
  return uri.replace(USERINFO, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** The password of the URI's userinfo, if any (so it can be scrubbed from free text). */
export function uriPassword(uri: string): string | undefined {
  const m = USERINFO.exec(uri);
  const userinfo = m?.[2];
  if (!userinfo) return undefined;
  const colon = userinfo.indexOf(":");
  const pw = colon < 0 ? "" : userinfo.slice(colon + 1);
  return pw === "" ? undefined : pw;
}

/**
 * Scrubs the URI's password from any text (libvirt error messages sometimes echo the URI, and a
 * password may also appear percent-decoded).
 */
export function redactText(text: string, uri: string): string {
  const pw = uriPassword(uri);
  let out = text.split(uri).join(redactUri(uri));
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
