/** A VM as a user declares it: the one description every layer uses, its defaults and rules. */
import { migrationProblems, resolveMigration, type MigrationPolicy } from "./migration.js";
import { networkInterfacesProblems, resolveNic, type NetworkInterface } from "./nic.js";
import { absent, absolutePath, assign, noControl, oneOf, pick, present, ref, wholeNumber, type Problem } from "./problem.js";

export const DOMAIN_TYPES = ["auto", "kvm", "qemu"] as const;
/** "auto": kvm where the host offers it, else qemu (TCG), chosen at create. */
export type DomainType = (typeof DOMAIN_TYPES)[number];
/** What a VM really runs as once created. */
export type ResolvedDomainType = Exclude<DomainType, "auto">;
/**
 * The guest CPU: "host-model" (libvirt's migratable copy of the host CPU; the default on kvm),
 * "host-passthrough" (the host's exact CPU: fastest, but it may only move between hosts whose
 * CPUs are identical; kvm only), or a named CPU model such as "Nehalem" or "EPYC-Rome" that
 * every host offers (`virsh domcapabilities`: custom models usable='yes').
 */
export const CPU_MODES = ["host-model", "host-passthrough"] as const;
export type CpuMode = (typeof CPU_MODES)[number];
/** A named CPU model as QEMU spells them ("Skylake-Server-IBRS", "Opteron_G2", "qemu64", "EPYC-v4"). */
export const CPU_MODEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const isCpuMode = (cpu: string): cpu is CpuMode => (CPU_MODES as readonly string[]).includes(cpu);
export const DISK_FORMATS = ["raw", "qcow2"] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

/**
 * A disk is either an image file (`path`) or a volume of a libvirt storage pool (`pool` +
 * `volume`): exactly one of the two forms.
 */
export interface Disk {
  /** Absolute path of the image on the host. null: the disk is a pool volume. */
  readonly path: string | null;
  /** A libvirt storage pool on the host (`virsh pool-list`), e.g. "default"; with `volume`. null: the disk is a path. */
  readonly pool: string | null;
  /** The volume's name in `pool` (`virsh vol-list POOL`), e.g. "web1.qcow2"; with `pool`. */
  readonly volume: string | null;
  /**
   * The image's format; for a pool volume it must be the volume's own format (checked at plan
   * time against `virsh vol-dumpxml`). @default "raw"
   */
  readonly format: DiskFormat;
  /** Guest device: vdX (virtio), sdX (SATA) or hdX (IDE). null = assigned in order (vda, vdb, …). */
  readonly target: string | null;
  /** The image is on storage every host sees; false copies it during a move (migration.copyStorage). @default true */
  readonly shared: boolean;
}

/** A disk with its guest device decided (see attachDisks). */
export interface AttachedDisk extends Disk {
  readonly target: string;
}

export interface Vm {
  /** libvirt domain name, unique across the hosts it may move between. */
  readonly name: string;
  /** Declared short name of the host it should run on. Changing it moves the VM. */
  readonly host: string;
  /** @default 512 */
  readonly memoryMib: number;
  /** @default 1 */
  readonly vcpus: number;
  /**
   * Memory the VM may grow to without a restart (MiB, ≥ memoryMib): the domain's maximum, with
   * memoryMib as its current size (a balloon gives the rest back). null = memoryMib (no headroom).
   */
  readonly maxMemoryMib: number | null;
  /** vCPUs the VM may grow to without a restart (≥ vcpus; plugged in live). null = vcpus. */
  readonly maxVcpus: number | null;
  /** @default "auto" */
  readonly domainType: DomainType;
  /**
   * Guest CPU: "host-model", "host-passthrough" or a named model (CPU_MODES, CPU_MODEL).
   * null = "host-model" on kvm; on TCG, QEMU's default model (a host CPU means nothing to an emulator).
   */
  readonly cpu: string | null;
  /** Direct kernel boot: absolute paths on the host (on every host the VM may move to). */
  readonly kernel: string | null;
  readonly initrd: string | null;
  readonly cmdline: string | null;
  readonly disks: readonly Disk[];
  /** Network interfaces, in guest order (eth0, eth1, …). */
  readonly networkInterfaces: readonly NetworkInterface[];
  /** Host file the serial console is appended to. */
  readonly consoleLog: string | null;
  readonly migration: MigrationPolicy;
}

/** The one set of defaults (provider schema, construct docs, the driver's fill-in). */
export const VM_DEFAULTS = { memoryMib: 512, vcpus: 1, domainType: "auto" } as const satisfies Partial<Vm>;
export const DISK_DEFAULTS = { format: "raw", shared: true } as const satisfies Partial<Disk>;

/**
 * What every optional field of a VM is when the input leaves it out. Typed as the whole VM but its
 * identity, so a new field of Vm does not compile until it has its absent value here — and then
 * every layer that resolves input (resolveVm) has it, with nothing to add there.
 */
const VM_ABSENT: Omit<Vm, "name" | "host" | "migration"> = {
  ...VM_DEFAULTS,
  maxMemoryMib: null,
  maxVcpus: null,
  cpu: null,
  kernel: null,
  initrd: null,
  cmdline: null,
  disks: [],
  networkInterfaces: [],
  consoleLog: null,
};
const DISK_ABSENT: Disk = { ...DISK_DEFAULTS, path: null, pool: null, volume: null, target: null };

const list = (x: unknown): object[] => (Array.isArray(x) ? (x as object[]) : []);

/**
 * A VM from input that passed vmProblems (model field names; absent or null = the default): the
 * one place defaults are filled in, for every field, nested disks, interfaces and policy included.
 */
export function resolveVm(v: Input<Vm>): Vm {
  return {
    ...VM_ABSENT,
    ...pick(present(v), VM_ABSENT),
    name: String(v.name),
    host: String(v.host),
    disks: list(v.disks).map((d) => ({ ...DISK_ABSENT, ...pick(present(d), DISK_ABSENT) }) as Disk),
    networkInterfaces: list(v.networkInterfaces).map(resolveNic),
    migration: resolveMigration(v.migration as Partial<MigrationPolicy> | null | undefined),
  } as Vm;
}

/** libvirt storage pool names: no "/" (file names), no whitespace or control characters. */
export const POOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,63}$/;
/** Volume names: a file name in a dir pool (no "/", not "." or ".."), at most 255 bytes. */
export const VOLUME_NAME = /^[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,254}$/;

/** How a disk is named in messages: its path, or "volume V in pool P". */
export const diskSource = (d: { readonly path?: string | null; readonly pool?: string | null; readonly volume?: string | null }): string =>
  d.path ?? `volume ${d.volume ?? "?"} in pool ${d.pool ?? "?"}`;

/** A disk that is a pool volume (pool and volume set). */
export const isVolumeDisk = <D extends { readonly pool?: string | null; readonly volume?: string | null }>(d: D): d is D & { pool: string; volume: string } =>
  typeof d.pool === "string" && typeof d.volume === "string";

/** libvirt accepts almost any name, but "/" breaks file names and whitespace breaks virsh use. */
export const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;
const VM_NAME_RULE = "1–64 characters: letters, digits, and _ . + - (not first)";
export const DISK_TARGET = /^(vd|sd|hd)[a-z]{1,2}$/;
export const MEMORY_MIB_RANGE = [16, 1_048_576] as const;
export const VCPUS_RANGE = [1, 256] as const;
/** Longest kernel command line livevirt writes (Linux's COMMAND_LINE_SIZE on x86 is 2048–4096). */
export const CMDLINE_MAX = 4096;

/** The device a disk without a target gets: its position in the list (vda, vdb, …). */
export const defaultDiskTarget = (index: number): string => `vd${String.fromCharCode(97 + index)}`;

/** The disks with every target decided. */
export function attachDisks(disks: readonly Disk[]): AttachedDisk[] {
  return disks.map((d, i) => ({ ...d, target: d.target ?? defaultDiskTarget(i) }));
}

/** A VM, a disk and a policy as input to the validators: any field may be missing or of the wrong type. */
export type Input<T> = { readonly [K in keyof T]?: unknown };

/**
 * Every problem with a VM (see problem.ts for field ids and markers). A value that is absent is
 * not checked; a value of another type than the rule's is not checked either (known only later,
 * or a type error the layer's own shape check reports).
 */
export function vmProblems(vm: Input<Vm>): Problem[] {
  const out: Problem[] = [];
  if (typeof vm.name === "string" && !VM_NAME.test(vm.name)) {
    out.push({ field: "name", value: vm.name, reason: `must be ${VM_NAME_RULE}`, fix: `use ${VM_NAME_RULE}; name the VM like "web1" or "db.primary"` });
  }
  if (vm.host === "") out.push({ field: "host", value: "", reason: "must not be empty", fix: 'name one of the declared hosts, e.g. "a"' });
  wholeNumber(out, "memoryMib", vm.memoryMib, MEMORY_MIB_RANGE, "MiB");
  wholeNumber(out, "vcpus", vm.vcpus, VCPUS_RANGE, "vCPUs");
  wholeNumber(out, "maxMemoryMib", vm.maxMemoryMib, MEMORY_MIB_RANGE, "MiB");
  wholeNumber(out, "maxVcpus", vm.maxVcpus, VCPUS_RANGE, "vCPUs");
  const atLeast = (max: keyof Vm, cur: keyof Vm, unit: string) => {
    const m = vm[max];
    const c = vm[cur] ?? VM_DEFAULTS[cur as keyof typeof VM_DEFAULTS];
    // One problem per field: a value out of range is already reported.
    if (typeof m === "number" && typeof c === "number" && Number.isInteger(m) && m < c && !out.some((p) => p.field === max)) {
      out.push({
        field: max,
        value: m,
        reason: `is below ${ref(cur)} (${c} ${unit})`,
        fix: `set ${ref(max)} to at least ${c}, or leave it out (no headroom: a change of ${ref(cur)} restarts the VM)`,
      });
    }
  };
  atLeast("maxMemoryMib", "memoryMib", "MiB");
  atLeast("maxVcpus", "vcpus", "vCPUs");
  oneOf(out, "domainType", vm.domainType, DOMAIN_TYPES);
  if (typeof vm.cpu === "string") {
    if (!isCpuMode(vm.cpu) && !CPU_MODEL.test(vm.cpu)) {
      out.push({
        field: "cpu",
        value: vm.cpu,
        reason: "is neither host-model, host-passthrough nor a CPU model name",
        fix: `set ${ref("cpu")} to "host-model", "host-passthrough" or a model from \`virsh domcapabilities\` (e.g. "Nehalem")`,
      });
    } else if (vm.cpu === "host-passthrough" && vm.domainType === "qemu") {
      out.push({
        field: "cpu",
        value: vm.cpu,
        reason: `needs KVM: an emulated (${ref("domainType")} "qemu") guest has no host CPU to pass through`,
        fix: `set ${assign("domainType", "kvm")}, or ${assign("cpu", "host-model")} or a named model`,
      });
    }
  }
  absolutePath(out, "kernel", vm.kernel, "/var/lib/livevirt/vmlinuz");
  absolutePath(out, "initrd", vm.initrd, "/var/lib/livevirt/initrd.img");
  absolutePath(out, "consoleLog", vm.consoleLog, "/var/log/libvirt/qemu/web1.console");
  const noKernel = absent(vm.kernel);
  if (typeof vm.initrd === "string" && noKernel)
    out.push({ field: "initrd", value: vm.initrd, reason: `needs ${ref("kernel")}`, fix: `set ${ref("kernel")} too, or remove ${ref("initrd")}` });
  if (typeof vm.cmdline === "string") {
    if (noKernel)
      out.push({ field: "cmdline", value: vm.cmdline, reason: `needs ${ref("kernel")}`, fix: `set ${ref("kernel")} too, or remove ${ref("cmdline")}` });
    noControl(out, "cmdline", vm.cmdline);
    if (vm.cmdline.length > CMDLINE_MAX) {
      out.push({
        field: "cmdline",
        value: `${vm.cmdline.slice(0, 40)}… (${vm.cmdline.length} characters)`,
        reason: `is longer than ${CMDLINE_MAX} characters`,
        fix: `shorten ${ref("cmdline")} to at most ${CMDLINE_MAX} characters`,
      });
    }
  }
  if (Array.isArray(vm.disks)) out.push(...disksProblems(vm.disks));
  if (Array.isArray(vm.networkInterfaces)) out.push(...networkInterfacesProblems(vm.networkInterfaces));
  out.push(...migrationProblems(vm.migration as Readonly<Record<string, unknown>> | undefined));
  return out;
}

function disksProblems(disks: readonly unknown[]): Problem[] {
  const out: Problem[] = [];
  const targets = new Map<string, { index: number; assigned: boolean }>();
  const images = new Map<string, number>();
  disks.forEach((raw, i) => {
    if (raw === null || typeof raw !== "object") return;
    const d = raw as Input<Disk>;
    const f = (k: string) => `disks.${i}.${k}`;
    oneOf(out, f("format"), d.format, DISK_FORMATS);
    absolutePath(out, f("path"), d.path, "/var/lib/livevirt/web1.img");
    sourceProblems(out, i, d);
    if (typeof d.target === "string" && !DISK_TARGET.test(d.target)) {
      out.push({
        field: f("target"),
        value: d.target,
        reason: "must be a device name like vda",
        fix: "use vda, vdb, … (virtio), sda, … (SATA) or hda, … (IDE), or leave it out to assign one in order",
      });
    }
    // Two disks on one device: libvirt refuses the definition at create (or a move's copy picks the wrong one).
    const assigned = absent(d.target);
    const target = typeof d.target === "string" ? d.target : assigned ? defaultDiskTarget(i) : undefined;
    if (target !== undefined) {
      const first = targets.get(target);
      if (first !== undefined) {
        const why = assigned || first.assigned ? " (a disk without target gets vda, vdb, … by its position)" : "";
        out.push({
          field: f("target"),
          value: target,
          reason: `is already the device of ${ref(`disks.${first.index}`)}${why}`,
          fix: "give each disk its own target (vda, vdb, …), or leave all targets out to assign them in order",
        });
      } else targets.set(target, { index: i, assigned });
    }
    // One image attached twice: two writers corrupt it, and a move would copy it twice.
    const image = typeof d.path === "string" ? d.path : typeof d.pool === "string" && typeof d.volume === "string" ? `${d.pool}/${d.volume}` : undefined;
    if (image !== undefined) {
      const first = images.get(image);
      const field = typeof d.path === "string" ? f("path") : f("volume");
      if (first !== undefined) {
        out.push({
          field,
          value: typeof d.path === "string" ? d.path : d.volume,
          reason: `is already attached as ${ref(`disks.${first}`)}`,
          fix: `attach each image once: remove ${ref(`disks.${i}`)} or point it at another ${typeof d.path === "string" ? "image" : "volume"}`,
        });
      } else images.set(image, i);
    }
  });
  return out;
}

/** Exactly one form: `path`, or `pool` with `volume`; names libvirt can take. */
function sourceProblems(out: Problem[], i: number, d: Input<Disk>): void {
  const f = (k: string) => `disks.${i}.${k}`;
  const [hasPath, hasPool, hasVolume] = [!absent(d.path), !absent(d.pool), !absent(d.volume)];
  const either =
    `give the disk an image file (${ref(f("path"))}, e.g. "/var/lib/livevirt/web1.img") or a volume of a storage pool ` +
    `(${ref(f("pool"))} and ${ref(f("volume"))}, e.g. "default" and "web1.qcow2"): exactly one of the two`;
  if (!hasPath && !hasPool && !hasVolume)
    out.push({ field: f("path"), value: undefined, reason: `a disk needs an image: a path, or a pool and a volume`, fix: either });
  else if (hasPath && (hasPool || hasVolume)) {
    const k = hasPool ? "pool" : "volume";
    out.push({ field: f(k), value: d[k], reason: `cannot be set together with ${ref(f("path"))}`, fix: either });
  } else if (hasPool !== hasVolume) {
    const [missing, given] = hasPool ? (["volume", "pool"] as const) : (["pool", "volume"] as const);
    out.push({
      field: f(missing),
      value: undefined,
      reason: `a disk from a storage pool needs both ${ref(f("pool"))} and ${ref(f("volume"))} (${ref(f(given))} is set)`,
      fix:
        `set ${ref(f(missing))} too (${missing === "volume" ? 'a volume of the pool, e.g. "web1.qcow2"' : 'the pool the volume is in, e.g. "default"'}), ` +
        `or use ${ref(f("path"))} instead`,
    });
  }
  if (typeof d.pool === "string" && !POOL_NAME.test(d.pool)) {
    out.push({
      field: f("pool"),
      value: d.pool,
      reason: "is not a storage pool name (1–64 characters: letters, digits, _ . + -)",
      fix: 'name a pool from `virsh pool-list --all` on the host, e.g. "default"',
    });
  }
  if (typeof d.volume === "string" && !VOLUME_NAME.test(d.volume)) {
    out.push({
      field: f("volume"),
      value: d.volume,
      reason: "is not a volume name (a file name: letters, digits, _ . + -, not starting with . or -; no /)",
      fix: `name a volume from \`virsh vol-list ${typeof d.pool === "string" && POOL_NAME.test(d.pool) ? d.pool : "POOL"}\` on the host, e.g. "web1.qcow2"`,
    });
  }
}
