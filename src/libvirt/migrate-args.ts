/**
 * `virsh migrate` argv from a typed options object. Combinations libvirt would refuse after
 * connecting to both hosts are refused here first, with the option to change.
 */
import { ValidationError } from "../errors.js";
import { migrationDataUri } from "../model/index.js";

export interface MigrateOptions {
  /** Keep the guest running while memory is copied (default true; post-copy requires it). */
  live?: boolean;
  /** Source libvirtd talks to the destination itself; destUri is then as seen from the source. */
  p2p?: boolean;
  /** Carry migration data inside the libvirt connection (requires p2p; no post-copy). */
  tunnelled?: boolean;
  /** Enable post-copy (switch with migratePostcopy, postcopyAfterPrecopy or timeout.action). */
  postcopy?: boolean;
  /** Switch to post-copy automatically after the first pre-copy pass. */
  postcopyAfterPrecopy?: boolean;
  /** Resume a failed post-copy migration (libvirt ≥ 8.5). */
  postcopyResume?: boolean;
  /** Pre-copy bandwidth cap, MiB/s. */
  bandwidth?: number;
  /** Post-copy bandwidth cap, MiB/s (libvirt ≥ LIBVIRT_POSTCOPY_BANDWIDTH_MIN, versions.ts). */
  postcopyBandwidth?: number;
  /** Define the domain persistently on the destination. */
  persistent?: boolean;
  /** Undefine it on the source once moved. */
  undefineSource?: boolean;
  /** Copy non-shared disks (NBD) along with memory. */
  copyStorageAll?: boolean;
  /**
   * Only these disks (targets, e.g. ["vdb"]) are copied (--migrate-disks). Without it libvirt
   * copies every writable, non-shareable disk — including images on shared storage, which would
   * then be mirrored onto themselves.
   */
  migrateDisks?: readonly string[];
  /** Where the source's QEMU sends migration data, e.g. "tcp://10.213.7.2". */
  migrateUri?: string;
  /** Address the destination's QEMU (and NBD server, for copied disks) listens on (--listen-address). */
  listenAddress?: string;
  /** After `seconds`, suspend the guest or switch to post-copy. */
  timeout?: { seconds: number; action: "suspend" | "postcopy" };
  /** Ask virsh to print progress (parsed into MigrationHandle.progress). */
  verbose?: boolean;
  /** Encrypt the migration data with QEMU's native TLS (--tls; certificates in qemu.conf's migration TLS directory). */
  tls?: boolean;
}

function invalid(field: string, value: unknown, message: string, fix: string): never {
  throw new ValidationError(`migrate: ${message}`, { field, value: String(value), fix });
}

function positiveInt(field: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v <= 0)) {
    invalid(field, v, `${field} must be a positive integer (MiB/s or seconds), got ${v}`, `set ${field} to an integer ≥ 1 or leave it unset`);
  }
}

/** Throws ValidationError naming the option and the fix for combinations that cannot work. */
export function validateMigrateOptions(o: MigrateOptions): void {
  const live = o.live ?? true;
  const postcopy = o.postcopy ?? false;
  if (postcopy && o.tunnelled) {
    invalid(
      "tunnelled",
      true,
      "post-copy is not supported with tunnelled migration",
      "drop tunnelled (use the native transport, with TLS if the link needs encryption) or drop postcopy",
    );
  }
  if (postcopy && !live) {
    invalid("live", false, "post-copy needs a live migration", "set live: true or drop postcopy");
  }
  if (o.postcopyAfterPrecopy && !postcopy) {
    invalid("postcopyAfterPrecopy", true, "postcopyAfterPrecopy requires postcopy", "set postcopy: true");
  }
  if (o.postcopyResume && !postcopy) {
    invalid("postcopyResume", true, "postcopyResume requires postcopy", "set postcopy: true (a resume continues a post-copy migration)");
  }
  if (o.postcopyBandwidth !== undefined && !postcopy) {
    invalid("postcopyBandwidth", o.postcopyBandwidth, "postcopyBandwidth only applies to post-copy", "set postcopy: true or drop postcopyBandwidth");
  }
  if (o.timeout?.action === "postcopy" && !postcopy) {
    invalid("timeout.action", "postcopy", "switching to post-copy on timeout requires postcopy", "set postcopy: true or use timeout.action 'suspend'");
  }
  if (o.timeout && !live) {
    invalid("timeout", o.timeout.seconds, "timeout only applies to live migration", "set live: true or drop timeout");
  }
  if (o.tls && o.tunnelled) {
    invalid("tls", true, "QEMU's TLS cannot be used with tunnelled migration (the data then flows inside the libvirt connection)", "drop tunnelled or tls");
  }
  if (o.tunnelled && !o.p2p) {
    invalid("tunnelled", true, "tunnelled migration requires p2p", "set p2p: true");
  }
  if (o.tunnelled && o.migrateUri !== undefined) {
    invalid(
      "migrateUri",
      o.migrateUri,
      "migrateUri cannot be used with tunnelled migration (data flows in the libvirt connection)",
      "drop migrateUri or tunnelled",
    );
  }
  if (o.undefineSource && !o.persistent) {
    // libvirt allows it, but a transient destination + undefined source loses the definition
    // on the next shutdown: almost never what a declarative placement wants.
    invalid("undefineSource", true, "undefineSource without persistent would leave the domain defined nowhere", "set persistent: true");
  }
  if (o.migrateUri !== undefined && (o.migrateUri.trim() === "" || /[\s\0]/.test(o.migrateUri))) {
    invalid("migrateUri", o.migrateUri, "migrateUri must be a URI without spaces", 'use e.g. "tcp://10.0.0.2"');
  }
  if (o.migrateDisks !== undefined) {
    if (!o.copyStorageAll)
      invalid("migrateDisks", o.migrateDisks.join(","), "migrateDisks only applies when storage is copied", "set copyStorageAll: true or drop migrateDisks");
    if (o.migrateDisks.length === 0 || o.migrateDisks.some((t) => !/^[a-z]+[a-z0-9]*$/.test(t))) {
      invalid("migrateDisks", o.migrateDisks.join(","), "migrateDisks must list disk targets such as vda", "name each disk by its target (vda, sdb, …)");
    }
  }
  positiveInt("bandwidth", o.bandwidth);
  positiveInt("postcopyBandwidth", o.postcopyBandwidth);
  positiveInt("timeout.seconds", o.timeout?.seconds);
}

/**
 * The arguments after `virsh -c SRC`. Domain and destination are passed as `--domain`/`--desturi`
 * values so a name starting with "-" can never be read as an option.
 */
export function buildMigrateArgs(domain: string, destUri: string, o: MigrateOptions = {}): string[] {
  validateMigrateOptions(o);
  if (domain === "") invalid("domain", domain, "domain name is empty", "pass the domain's name");
  if (destUri === "") invalid("destUri", destUri, "destination URI is empty", "pass the destination libvirt URI");
  const a = ["migrate"];
  if (o.live ?? true) a.push("--live");
  if (o.p2p) a.push("--p2p");
  if (o.tunnelled) a.push("--tunnelled");
  if (o.persistent) a.push("--persistent");
  if (o.undefineSource) a.push("--undefinesource");
  if (o.copyStorageAll) a.push("--copy-storage-all");
  if (o.migrateDisks !== undefined) a.push("--migrate-disks", o.migrateDisks.join(","));
  if (o.verbose) a.push("--verbose");
  if (o.tls) a.push("--tls");
  if (o.postcopy) a.push("--postcopy");
  if (o.postcopyAfterPrecopy) a.push("--postcopy-after-precopy");
  if (o.postcopyResume) a.push("--postcopy-resume");
  if (o.bandwidth !== undefined) a.push("--bandwidth", String(o.bandwidth));
  if (o.postcopyBandwidth !== undefined) a.push("--postcopy-bandwidth", String(o.postcopyBandwidth));
  if (o.timeout) {
    a.push("--timeout", String(o.timeout.seconds), o.timeout.action === "postcopy" ? "--timeout-postcopy" : "--timeout-suspend");
  }
  if (o.migrateUri !== undefined) a.push("--migrateuri", o.migrateUri);
  if (o.listenAddress !== undefined) a.push("--listen-address", o.listenAddress);
  a.push("--domain", domain, "--desturi", destUri);
  return a;
}

/**
 * The options that send a move's data to the destination's declared migration address (Host
 * migrationAddress): its QEMU listens there and the source connects there. None without one.
 */
export function migrationAddressOptions(address: string | undefined): Pick<MigrateOptions, "migrateUri" | "listenAddress"> {
  return address === undefined ? {} : { migrateUri: migrationDataUri(address), listenAddress: address };
}

/** The virsh flags an options object needs, to check against parseMigrateHelp() first. */
export function requiredMigrateFlags(o: MigrateOptions): string[] {
  return buildMigrateArgs("x", "x", o)
    .filter((t) => t.startsWith("--") && t !== "--domain" && t !== "--desturi")
    .map((t) => t.slice(2));
}
