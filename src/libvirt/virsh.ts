/**
 * Typed access to one libvirt host through virsh. Every method is one virsh command whose output
 * goes through a parser in ./parse. Domain names and files are passed as option values
 * (`--domain NAME`, `--file PATH`), so a name starting with "-" is never taken for a flag.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DomainNotFoundError, ParseError, ValidationError } from "../errors.js";
import { events, type EventStream, type EventStreamOptions } from "./event-stream.js";
import { startMigration, type MigrateRunOptions, type MigrationHandle } from "./migrate.js";
import { parseCapabilities, type HostCapabilities } from "./parse/capabilities.js";
import { parseCpuCompare, type CpuCompareResult } from "./parse/cpu-compare.js";
import { parseDomainCapabilities, type DomainCapabilities } from "./parse/domcapabilities.js";
import { parseDomainList, type DomainListEntry } from "./parse/domain-list.js";
import { parseDomJobInfo, type DomJobInfo } from "./parse/domjobinfo.js";
import { parseDomState, type DomainState } from "./parse/domstate.js";
import { parseDomainXml, splitDomainXmls, type DomainXmlInfo } from "./parse/dumpxml.js";
import { parseDomStatsState, type DomainStatsState } from "./parse/domstats-state.js";
import { parseMigrateHelp, type MigrateHelp } from "./parse/migrate-help.js";
import { parseNetworkList, type NetworkListEntry } from "./parse/network-list.js";
import { parseNodeInfo, type NodeInfo } from "./parse/nodeinfo.js";
import { isNoSuchVolume, parsePoolInfo, parsePoolList, parseVolumeXml, type PoolInfo, type PoolListEntry, type VolumeInfo } from "./parse/storage.js";
import { parseFreecellTotal, parseInteger, parseSingleLine, parseUuid } from "./parse/scalar.js";
import { parseVersion, type VirshVersion } from "./parse/version.js";
import { isDomainNotFound, isDomainNotRunning, libvirtMessages } from "./parse/virsh-error.js";
import { runVirsh, runVirshResult, virshFailure, type RunOptions } from "./run-virsh.js";
import { redactSecrets } from "../model/index.js";

export { runVirsh, runVirshResult, observeVirshCalls, type RunOptions, type VirshCall } from "./run-virsh.js";
export { events, type EventStream, type EventStreamOptions } from "./event-stream.js";

export interface ConnectionOptions {
  /** Default per-call timeout (ms) for short commands; 30 s if unset. */
  timeoutMs?: number;
}

export type DestroyOutcome = "destroyed" | "not-found" | "not-running";
export type UndefineOutcome = "undefined" | "not-found";

export interface CpuCompareTarget {
  virttype?: "kvm" | "qemu";
  arch?: string;
  machine?: string;
  emulator?: string;
}

/** Most `dumpxml` commands one virsh process runs (its one argument stays far below Linux's 128 KiB per argument). */
export const DUMPXML_BATCH = 250;

export class Connection {
  constructor(
    readonly uri: string,
    private readonly options: ConnectionOptions = {},
  ) {}

  /** The URI with any password removed, for logs and messages. */
  get displayUri(): string {
    return redactSecrets(this.uri);
  }

  private run(args: string[], opts: RunOptions = {}): Promise<string> {
    return runVirsh(this.uri, args, { timeoutMs: this.options.timeoutMs, ...opts });
  }

  /** stdout of a command that succeeded; null when it failed with a libvirt message `expected` matches (e.g. "no such volume"); any other failure throws. */
  private async runUnless(args: string[], expected: (message: string) => boolean, opts: RunOptions = {}): Promise<string | null> {
    const r = await runVirshResult(this.uri, args, { timeoutMs: this.options.timeoutMs, ...opts });
    if (r.exitCode === 0) return r.stdout;
    if (libvirtMessages(r.stderr).some(expected)) return null;
    throw virshFailure(this.uri, args, r);
  }

  /** libvirt client/daemon and hypervisor versions (`version --daemon`). */
  async version(opts?: RunOptions): Promise<VirshVersion> {
    return parseVersion(await this.run(["version", "--daemon"], opts));
  }

  async hostname(opts?: RunOptions): Promise<string> {
    return parseSingleLine(await this.run(["hostname"], opts), "virsh hostname");
  }

  async capabilities(opts?: RunOptions): Promise<HostCapabilities> {
    return parseCapabilities(await this.run(["capabilities"], opts));
  }

  async domCapabilities(q: { virttype?: "kvm" | "qemu"; arch?: string; machine?: string } = {}, opts?: RunOptions): Promise<DomainCapabilities> {
    const args = ["domcapabilities"];
    if (q.virttype) args.push("--virttype", q.virttype);
    if (q.arch) args.push("--arch", q.arch);
    if (q.machine) args.push("--machine", q.machine);
    return parseDomainCapabilities(await this.run(args, opts));
  }

  async nodeInfo(opts?: RunOptions): Promise<NodeInfo> {
    return parseNodeInfo(await this.run(["nodeinfo"], opts));
  }

  /** Free host memory in bytes, over all NUMA cells. */
  async freeMemory(opts?: RunOptions): Promise<number> {
    return parseFreecellTotal(await this.run(["freecell"], opts));
  }

  /** Domains with id and state; inactive (defined, not running) ones only with `all`. */
  async listDomains(q: { all?: boolean } = { all: true }, opts?: RunOptions): Promise<DomainListEntry[]> {
    return parseDomainList(await this.run(q.all ? ["list", "--all"] : ["list"], opts));
  }

  async domainState(name: string, opts?: RunOptions): Promise<DomainState> {
    return parseDomState(await this.run(["domstate", "--domain", name, "--reason"], opts));
  }

  /** State and reason of every domain on the host, running or not, in one virsh call (`domstats --state`). */
  async domainStates(opts?: RunOptions): Promise<DomainStatsState[]> {
    return parseDomStatsState(await this.run(["domstats", "--state"], opts));
  }

  /**
   * The live XML of several domains, parsed, from one virsh process per up to DUMPXML_BATCH names
   * (`dumpxml --domain 'A'; dumpxml --domain 'B'; …`: one connection, where one `dumpXml` each
   * would cost a process and, over qemu+ssh, an SSH connection each). A domain gone meanwhile is
   * left out, and so is a name virsh's command line could not take quoted (a quote, a backslash or
   * a control character in it): the caller asks for those one by one. Any other failure throws.
   * Like dumpXml, only for domains that are not an end of a migration (that XML waits for the job).
   */
  async dumpXmls(names: readonly string[], opts: RunOptions = {}): Promise<DomainXmlInfo[]> {
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    const quotable = names.filter((n) => n !== "" && !/['"\\\u0000-\u001f]/.test(n));
    const out: DomainXmlInfo[] = [];
    for (let i = 0; i < quotable.length; i += DUMPXML_BATCH) {
      const batch = quotable.slice(i, i + DUMPXML_BATCH);
      const args = [batch.map((n) => `dumpxml --domain '${n}'`).join("; ")];
      const timeoutMs = (opts.timeoutMs ?? this.options.timeoutMs ?? 30_000) + 100 * batch.length;
      const r = await runVirshResult(this.uri, args, { ...opts, timeoutMs });
      // virsh goes on after a failed command; its exit code is the last command's.
      const messages = libvirtMessages(r.stderr);
      if (messages.some((m) => !isDomainNotFound(m)) || (r.exitCode !== 0 && messages.length === 0)) throw virshFailure(this.uri, args, r);
      const wanted = new Set(batch);
      for (const xml of splitDomainXmls(r.stdout)) {
        const info = parseDomainXml(xml);
        if (wanted.has(info.name)) out.push(info);
      }
    }
    return out;
  }

  async domainUuid(name: string, opts?: RunOptions): Promise<string> {
    return parseUuid(await this.run(["domuuid", "--domain", name], opts));
  }

  /** The domain XML, parsed (raw text in `.xml`). `inactive`: the persistent definition. */
  async dumpXml(name: string, q: { inactive?: boolean; migratable?: boolean } = {}, opts?: RunOptions): Promise<DomainXmlInfo> {
    const args = ["dumpxml", "--domain", name];
    if (q.inactive) args.push("--inactive");
    if (q.migratable) args.push("--migratable");
    return parseDomainXml(await this.run(args, opts));
  }

  /**
   * Defines (or redefines) a domain from XML. The XML goes through a private temp file because
   * virsh reads definitions from files; it is removed afterwards whatever happens.
   */
  async defineXml(xml: string, opts?: RunOptions): Promise<void> {
    await withTempFile("domain.xml", xml, (file) => this.run(["define", "--file", file], opts));
  }

  /** libvirt networks on the host, active or not (`net-list --all`). */
  async listNetworks(opts?: RunOptions): Promise<NetworkListEntry[]> {
    return parseNetworkList(await this.run(["net-list", "--all"], opts));
  }

  /** Defines (or redefines) a persistent network from XML. */
  async defineNetworkXml(xml: string, opts?: RunOptions): Promise<void> {
    await withTempFile("network.xml", xml, (file) => this.run(["net-define", "--file", file], opts));
  }

  async startNetwork(name: string, opts?: RunOptions): Promise<void> {
    await this.run(["net-start", "--network", name], opts);
  }

  async autostartNetwork(name: string, opts?: RunOptions): Promise<void> {
    await this.run(["net-autostart", "--network", name], opts);
  }

  /** Storage pools on the host, active or not (`pool-list --all`). Needs libvirt's storage driver. */
  async listPools(opts?: RunOptions): Promise<PoolListEntry[]> {
    return parsePoolList(await this.run(["pool-list", "--all"], opts));
  }

  /** State and sizes (bytes) of a pool; sizes only while it is active. */
  async poolInfo(pool: string, opts?: RunOptions): Promise<PoolInfo> {
    return parsePoolInfo(await this.run(["pool-info", "--pool", pool, "--bytes"], opts));
  }

  /** A volume of a pool (format, capacity, path), or null when the pool has no volume of that name. */
  async volumeInfo(pool: string, volume: string, opts?: RunOptions): Promise<VolumeInfo | null> {
    const out = await this.runUnless(["vol-dumpxml", "--pool", pool, "--vol", volume], isNoSuchVolume, opts);
    return out === null ? null : parseVolumeXml(out);
  }

  /** Creates an empty volume (`vol-create-as`); qcow2 with metadata preallocation, as libvirt's own migration pre-creation does. */
  async createVolume(pool: string, volume: string, capacityBytes: number, format: "raw" | "qcow2", opts?: RunOptions): Promise<void> {
    assertNonNegativeInt("capacity", capacityBytes, 1);
    const args = ["vol-create-as", "--pool", pool, "--name", volume, "--capacity", `${capacityBytes}b`, "--format", format];
    await this.run(format === "qcow2" ? [...args, "--prealloc-metadata"] : args, opts);
  }

  /** Deletes a volume; one that is not there is no error. */
  async deleteVolume(pool: string, volume: string, opts?: RunOptions): Promise<"deleted" | "not-found"> {
    return (await this.runUnless(["vol-delete", "--pool", pool, "--vol", volume], isNoSuchVolume, opts)) === null ? "not-found" : "deleted";
  }

  /** Defines, builds (creates the directory) and starts a persistent `dir` pool at `path`. */
  async createDirPool(pool: string, path: string, opts?: RunOptions): Promise<void> {
    await this.run(["pool-define-as", "--name", pool, "--type", "dir", "--target", path], opts);
    await this.run(["pool-build", "--pool", pool], opts);
    await this.run(["pool-start", "--pool", pool], opts);
  }

  /** Re-reads the pool's volumes from its storage (a dir pool's list is what libvirt saw last, not what is there now). */
  async refreshPool(pool: string, opts?: RunOptions): Promise<void> {
    await this.run(["pool-refresh", "--pool", pool], opts);
  }

  /** Stops and undefines a pool (its volumes stay on disk); one that does not exist is no error. */
  async removePool(pool: string, opts?: RunOptions): Promise<void> {
    const present = (await this.listPools(opts)).find((p) => p.name === pool);
    if (!present) return;
    if (present.active) await this.run(["pool-destroy", "--pool", pool], opts);
    await this.run(["pool-undefine", "--pool", pool], opts);
  }

  /**
   * Hot-plugs a device (its XML) into a domain: into the running guest (when `live`) and into its
   * persistent definition (`config`), so it survives a restart and travels with a move.
   */
  async attachDevice(domain: string, xml: string, where: { live: boolean; config: boolean }, opts?: RunOptions): Promise<void> {
    await withTempFile("device.xml", xml, (file) => this.run(["attach-device", "--domain", domain, "--file", file, ...deviceFlags(where)], opts));
  }

  /**
   * Unplugs a device (matched by libvirt, e.g. an interface by its MAC). From a running guest the
   * removal completes when the guest lets go of it, possibly after virsh returned: callers that
   * need it gone check the domain's XML.
   */
  async detachDevice(domain: string, xml: string, where: { live: boolean; config: boolean }, opts?: RunOptions): Promise<void> {
    await withTempFile("device.xml", xml, (file) => this.run(["detach-device", "--domain", domain, "--file", file, ...deviceFlags(where)], opts));
  }

  /** Memory of a domain (MiB): in the running guest (balloon) and/or its definition. */
  async setMemory(name: string, mib: number, where: { live: boolean; config: boolean }, opts?: RunOptions): Promise<void> {
    await this.run(["setmem", "--domain", name, "--size", `${mib * 1024}KiB`, ...deviceFlags(where)], opts);
  }

  /** vCPUs of a domain: plugged into the running guest and/or in its definition (≤ its maximum). */
  async setVcpus(name: string, count: number, where: { live: boolean; config: boolean }, opts?: RunOptions): Promise<void> {
    await this.run(["setvcpus", "--domain", name, "--count", String(count), ...deviceFlags(where)], opts);
  }

  /** Asks the guest to shut down (ACPI); returns at once. */
  async shutdown(name: string, opts?: RunOptions): Promise<void> {
    await this.run(["shutdown", "--domain", name], opts);
  }

  /** Stops and removes a network; one that does not exist (or is not running) is no error. */
  async removeNetwork(name: string, opts?: RunOptions): Promise<void> {
    const present = (await this.listNetworks(opts)).find((n) => n.name === name);
    if (!present) return;
    if (present.active) await this.run(["net-destroy", "--network", name], opts);
    if (present.persistent) await this.run(["net-undefine", "--network", name], opts);
  }

  async start(name: string, opts?: RunOptions): Promise<void> {
    await this.run(["start", "--domain", name], opts);
  }

  /**
   * Hard stop. A domain that is already gone or stopped counts as done: right after a
   * migration `destroy` can race with the domain's removal ("failed to get domain").
   */
  async destroy(name: string, opts?: RunOptions): Promise<DestroyOutcome> {
    const args = ["destroy", "--domain", name];
    const r = await runVirshResult(this.uri, args, { timeoutMs: this.options.timeoutMs, ...opts });
    if (r.exitCode === 0) return "destroyed";
    const err = virshFailure(this.uri, args, r);
    if (err instanceof DomainNotFoundError) return "not-found";
    if (libvirtMessages(r.stderr).some(isDomainNotRunning)) return "not-running";
    throw err;
  }

  /** Removes the persistent definition. `missingOk`: a domain already gone is not an error. */
  async undefine(name: string, q: { missingOk?: boolean } = {}, opts?: RunOptions): Promise<UndefineOutcome> {
    try {
      await this.run(["undefine", "--domain", name], opts);
      return "undefined";
    } catch (e) {
      if (q.missingOk && e instanceof DomainNotFoundError) return "not-found";
      throw e;
    }
  }

  /**
   * Job statistics (`--rawstats`, so sizes are exact bytes rather than 3-decimal MiB).
   * `completed`: the last finished job's statistics; `keepCompleted` leaves them for another read.
   */
  async domJobInfo(name: string, q: { completed?: boolean; keepCompleted?: boolean; human?: boolean } = {}, opts?: RunOptions): Promise<DomJobInfo> {
    const args = ["domjobinfo", "--domain", name];
    if (q.completed) args.push("--completed");
    if (q.keepCompleted) args.push("--keep-completed");
    if (!q.human) args.push("--rawstats");
    return parseDomJobInfo(await this.run(args, opts));
  }

  /** Aborts the domain's current job. libvirt refuses this once a migration is in post-copy. */
  async domJobAbort(name: string, opts?: RunOptions): Promise<void> {
    await this.run(["domjobabort", "--domain", name], opts);
  }

  /** Migration bandwidth cap in MiB/s (pre-copy, or post-copy with `postcopy`). */
  async migrateSetSpeed(name: string, mibPerSec: number, q: { postcopy?: boolean } = {}, opts?: RunOptions): Promise<void> {
    assertNonNegativeInt("bandwidth", mibPerSec);
    const args = ["migrate-setspeed", "--domain", name, "--bandwidth", String(mibPerSec)];
    if (q.postcopy) args.push("--postcopy");
    await this.run(args, opts);
  }

  /** MiB/s; libvirt reports "unlimited" as a huge number (8796093022207) and post-copy's as 0. */
  async migrateGetSpeed(name: string, q: { postcopy?: boolean } = {}, opts?: RunOptions): Promise<number> {
    const args = ["migrate-getspeed", "--domain", name];
    if (q.postcopy) args.push("--postcopy");
    return parseInteger(await this.run(args, opts), "virsh migrate-getspeed");
  }

  async migrateSetMaxDowntime(name: string, ms: number, opts?: RunOptions): Promise<void> {
    assertNonNegativeInt("downtime", ms, 1);
    await this.run(["migrate-setmaxdowntime", "--domain", name, "--downtime", String(ms)], opts);
  }

  async migrateGetMaxDowntime(name: string, opts?: RunOptions): Promise<number> {
    return parseInteger(await this.run(["migrate-getmaxdowntime", "--domain", name], opts), "virsh migrate-getmaxdowntime");
  }

  /** Switches a running migration (started with postcopy) to post-copy. No way back after this. */
  async migratePostcopy(name: string, opts?: RunOptions): Promise<void> {
    await this.run(["migrate-postcopy", "--domain", name], opts);
  }

  /**
   * QEMU's migration parameters as it holds them now (QMP query-migrate-parameters, read-only):
   * during a move they show what libvirt set up — e.g. "tls-creds" and "tls-hostname" of an
   * encrypted one.
   */
  async migrateParameters(name: string, opts?: RunOptions): Promise<Record<string, unknown>> {
    const out = await this.run(["qemu-monitor-command", "--domain", name, '{"execute":"query-migrate-parameters"}'], opts);
    const reply = JSON.parse(out) as { return?: Record<string, unknown> };
    if (!reply.return || typeof reply.return !== "object")
      throw new ParseError("query-migrate-parameters: no return value", "qemu-monitor-command", out.slice(0, 200));
    return reply.return;
  }

  /** The flags `virsh migrate` knows on this machine (the client decides which it can send). */
  async migrateHelp(opts?: RunOptions): Promise<MigrateHelp> {
    return parseMigrateHelp(await this.run(["migrate", "--help"], opts));
  }

  /** Starts `virsh migrate` from this host and returns at once; see MigrationHandle. */
  migrate(name: string, destUri: string, opts: MigrateRunOptions = {}): MigrationHandle {
    return startMigration(this.uri, name, destUri, opts);
  }

  /** Whether this host's hypervisor can run a guest CPU described by `cpuXml` (`<cpu>…</cpu>`). */
  async cpuCompare(cpuXml: string, target: CpuCompareTarget = {}, opts?: RunOptions): Promise<CpuCompareResult> {
    return withTempFile("cpu.xml", cpuXml, async (file) => {
      const args = ["hypervisor-cpu-compare", "--file", file];
      if (target.virttype) args.push("--virttype", target.virttype);
      if (target.arch) args.push("--arch", target.arch);
      if (target.machine) args.push("--machine", target.machine);
      if (target.emulator) args.push("--emulator", target.emulator);
      const r = await runVirshResult(this.uri, args, { timeoutMs: this.options.timeoutMs, ...opts });
      // "incompatible" is printed on stdout with exit 1 and no error line.
      if (r.exitCode !== 0 && libvirtMessages(r.stderr).length > 0) throw virshFailure(this.uri, args, r);
      return parseCpuCompare(r.stdout);
    });
  }

  /** Live domain events from this host. */
  events(opts: EventStreamOptions = {}): EventStream {
    return events(this.uri, opts);
  }
}

function assertNonNegativeInt(what: string, n: number, min = 0): void {
  if (!Number.isInteger(n) || n < min) {
    throw new ValidationError(`${what} must be an integer ≥ ${min}, got ${n}`, { field: what, value: String(n), fix: `use an integer ≥ ${min}` });
  }
}

async function withTempFile<T>(name: string, content: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "livevirt-"));
  try {
    const file = join(dir, name);
    await writeFile(file, content, { mode: 0o600 });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function deviceFlags(where: { live: boolean; config: boolean }): string[] {
  return [...(where.live ? ["--live"] : []), ...(where.config ? ["--config"] : [])];
}
