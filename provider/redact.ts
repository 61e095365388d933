/**
 * libvirt URIs may carry a password (qemu+ssh://user:secret@host/system). Everything that leaves
 * the provider as text — logs, diagnostics, values in error details — passes through here.
 */
const USERINFO_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):[^\s/@]*@/gi;

export function redactSecrets(text: string): string {
  return text.replace(USERINFO_PASSWORD, "$1:***@");
}
