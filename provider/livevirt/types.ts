/**
 * The livevirt provider's configuration contract as TypeScript types, attribute names exactly
 * as in Terraform (snake_case). Stacks/modules written with cdktf use these names; the schemas
 * in schema.ts are the source of truth and a unit test keeps both in step.
 */

/** provider "livevirt" { host { … } } — one per libvirt host the VMs may live on. */
export interface HostConfig {
  /** Short name used by livevirt_vm.host, e.g. "a". ^[a-z][a-z0-9_-]{0,31}$, unique. */
  name: string;
  /** libvirt URI: qemu:///system, qemu+ssh://root@kvm-a/system, qemu+tls://…, qemu+unix:///system?socket=… */
  uri: string;
  /** URI the *source* daemon uses to reach this host for peer-to-peer moves, e.g. qemu+tcp://10.77.0.2/system. */
  migration_uri?: string | null;
  /** argv prefix that runs a command on the host (host-local checks); default derived from the URI. */
  shell?: string[] | null;
}

export interface ProviderConfig {
  host: HostConfig[];
}

export type DiskFormat = "raw" | "qcow2";
export type DomainType = "auto" | "kvm" | "qemu";
export type MigrationMode = "postcopy" | "precopy";
export type MigrationSwitch = "auto" | "first-pass" | "stall" | "timeout";
export type OnUnsupported = "fail" | "precopy" | "recreate";

export interface DiskConfig {
  path: string;
  /** default "raw" */
  format?: DiskFormat | null;
  target?: string | null;
  /** default true: the image is on storage both hosts see, so a move copies no disk. */
  shared?: boolean | null;
}

export interface MigrationConfig {
  /** default "postcopy" */
  mode?: MigrationMode | null;
  /** When to switch pre-copy to post-copy. default "auto" */
  switch?: MigrationSwitch | null;
  /** What to do when the hosts cannot post-copy. default "fail" */
  on_unsupported?: OnUnsupported | null;
  bandwidth_mib?: number | null;
  postcopy_bandwidth_mib?: number | null;
  max_downtime_ms?: number | null;
  /** default 600 */
  timeout_s?: number | null;
  /** default false */
  copy_storage?: boolean | null;
  /** default true */
  probe?: boolean | null;
}

/** resource "livevirt_vm": the arguments a user writes. */
export interface VmConfig {
  name: string;
  host: string;
  /** default 512 */
  memory_mib?: number | null;
  /** default 1 */
  vcpus?: number | null;
  /** default: auto-detected at create ("kvm" when the host has KVM, else "qemu") */
  domain_type?: DomainType | null;
  kernel?: string | null;
  initrd?: string | null;
  cmdline?: string | null;
  disk?: DiskConfig[];
  console_log?: string | null;
  migration?: MigrationConfig | null;
}

export interface LastMove {
  from: string;
  to: string;
  mode: string;
  switched_at_iteration: number | null;
  total_ms: number;
  downtime_ms: number | null;
  bytes: number | null;
  postcopy_requests: number | null;
  /** RFC 3339 UTC: when the move got its move slot (null in states written before 0.1.0 had it). */
  started_at: string | null;
  /** RFC 3339 UTC: when the move was done and verified. */
  finished_at: string | null;
  /** ms the move waited for a slot under the per-host limit on concurrent moves. */
  queued_ms: number | null;
}

/** resource "livevirt_vm": what Terraform stores (arguments + computed attributes). */
export interface VmState extends Required<Omit<VmConfig, "migration" | "disk">> {
  id: string;
  disk: Required<DiskConfig>[];
  migration: Required<MigrationConfig> | null;
  state: string;
  last_move: LastMove | null;
  preflight: string | null;
}

/** data "livevirt_host" */
export interface HostDataConfig {
  name: string;
}
export interface HostData extends HostDataConfig {
  hostname: string;
  host_uuid: string;
  libvirt_version: string;
  qemu_version: string;
  kernel: string;
  arch: string;
  kvm: boolean;
  postcopy: "yes" | "no" | "unknown";
  postcopy_reason: string;
}
