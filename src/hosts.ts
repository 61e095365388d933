/**
 * A libvirt host as the domain code sees it: its declared short name, how to reach its daemon,
 * how the other host's daemon reaches it for peer-to-peer moves, and how to run a command on it
 * (for host-local facts such as sysctls and qemu.conf, which libvirt does not report).
 */
export interface HostTarget {
  /** Declared short name, e.g. "a". Used in every message. */
  name: string;
  /** libvirt URI this machine uses, e.g. qemu+ssh://root@kvm-a/system. May hold a secret: never log raw. */
  uri: string;
  /** URI the *source* daemon uses to reach this host as a destination (peer-to-peer moves). */
  migrationUri?: string;
  /**
   * argv prefix that runs a command on the host: [] = this machine, ["ssh", "root@kvm-a"] for a
   * remote host, ["nsenter", …] for a lab host. Undefined = no way known: host-local facts are
   * then reported as "unknown", never guessed.
   */
  shell?: readonly string[];
}
