/** The livevirt provider's Terraform schemas (the contract other code and users rely on). */
import { DISK_DEFAULTS, MIGRATION_DEFAULTS as M, NIC_DEFAULTS, NIC_MODELS, VM_DEFAULTS } from "../../src/model/index.js";
import type { BlockSchema, Schema } from "../framework/schema.js";

export const PROVIDER_NAME = "livevirt";
export const VM_TYPE = "livevirt_vm";
export const HOST_DATA_TYPE = "livevirt_host";

export const providerSchema: Schema = {
  version: 0,
  block: {
    description: "livevirt places VMs on libvirt hosts and live-migrates them when their host changes.",
    attributes: {},
    blocks: {
      host: {
        nesting: "list",
        block: {
          description: "A libvirt host VMs may be placed on.",
          attributes: {
            name: { type: "string", required: true, description: 'Short name used by livevirt_vm.host, e.g. "a".' },
            uri: {
              type: "string",
              required: true,
              // A URI may carry a password (qemu+tcp://user:pw@host/...); sensitive keeps it out of
              // the plan's rendered configuration and every UI that shows provider settings.
              sensitive: true,
              description: "libvirt connection URI, e.g. qemu:///system or qemu+ssh://root@kvm-a/system.",
            },
            migration_uri: {
              type: "string",
              optional: true,
              description: "URI the source host's libvirt daemon uses to reach this host for peer-to-peer moves, e.g. qemu+tcp://10.77.0.2/system.",
            },
            migration_address: {
              type: "string",
              optional: true,
              description:
                "Address (IP or DNS name) where this host receives migration data, on a dedicated migration network, e.g. 10.77.0.2: " +
                "its QEMU listens there and the source sends memory and copied disks there. With migration TLS its certificate must name it. " +
                "Default: libvirt's choice (the host's qemu.conf migration_host, else its hostname).",
            },
            state: {
              type: "string",
              optional: true,
              description:
                '"active" (default), "cordoned" (no VM may be placed or moved here; those here stay) ' +
                'or "draining" (every VM must leave: a plan keeping one here fails).',
            },
            capacity_memory_mib: {
              type: "number",
              optional: true,
              description:
                "Memory (MiB) livevirt may place on this host, its VMs together; every plan's creates and moves landing here are checked together against it " +
                "(and against the host's free memory).",
            },
            capacity_vcpus: {
              type: "number",
              optional: true,
              description: "vCPUs livevirt may place on this host, its VMs together (checked like capacity_memory_mib).",
            },
            max_outbound_moves: {
              type: "number",
              optional: true,
              description: "Moves out of this host that may run at once in one apply (1–64); more wait in line, first come first served. Default 1.",
            },
            max_inbound_moves: {
              type: "number",
              optional: true,
              description: "Moves into this host that may run at once in one apply (1–64); more wait in line. Default: no limit.",
            },
            shell: {
              type: ["list", "string"],
              optional: true,
              description:
                "argv prefix that runs a command on this host, for the host-local post-copy checks (sysctl, /dev/userfaultfd, qemu.conf), e.g. " +
                '["ssh", "root@kvm-a"]. Default: this machine for qemu:/// and qemu+unix URIs, ssh for qemu+ssh URIs; ' +
                'otherwise those checks report "unknown".',
            },
          },
        },
      },
    },
  },
};

const diskBlock: BlockSchema = {
  description: "A disk: an image file on the host (path) or a volume of a libvirt storage pool (pool and volume), exactly one of the two.",
  attributes: {
    path: { type: "string", optional: true, description: "Absolute path of the image on the host. Exactly one of path and pool + volume." },
    pool: {
      type: "string",
      optional: true,
      description:
        "A libvirt storage pool on the host (virsh pool-list), with volume. Every host the VM moves to needs a pool of " +
        "that name, active; with shared = false, copy_storage creates the volume there.",
    },
    volume: { type: "string", optional: true, description: "The volume's name in pool (virsh vol-list POOL), e.g. web1.qcow2." },
    format: {
      type: "string",
      optional: true,
      computed: true,
      default: DISK_DEFAULTS.format,
      description: '"raw" (default) or "qcow2"; for a pool volume, the volume\'s own format (checked at plan).',
    },
    target: { type: "string", optional: true, description: "Guest device name, e.g. vda (default: assigned in order)." },
    shared: {
      type: "bool",
      optional: true,
      computed: true,
      default: DISK_DEFAULTS.shared,
      description: "The image is on storage every host sees (default true); false copies it during a move.",
    },
  },
};

const networkInterfaceBlock: BlockSchema = {
  description: "A network interface: on a libvirt network or a host bridge (exactly one of the two).",
  attributes: {
    network: {
      type: "string",
      optional: true,
      description: 'Name of a libvirt network on the host, e.g. "default". Every host the VM moves to must have it, active.',
    },
    bridge: { type: "string", optional: true, description: 'Name of a Linux bridge on the host, e.g. "br0". Every host the VM moves to must have it.' },
    mac: {
      type: "string",
      optional: true,
      computed: true,
      description:
        "Unicast MAC address, e.g. 52:54:00:12:34:56. Left out, libvirt assigns one at create and it is kept in state: " +
        "the guest keeps its address across moves.",
    },
    model: {
      type: "string",
      optional: true,
      computed: true,
      default: NIC_DEFAULTS.model,
      description: `Guest NIC model: ${NIC_MODELS.map((m) => `"${m}"`).join(", ")} (default "${NIC_DEFAULTS.model}").`,
    },
  },
};

const migrationBlock: BlockSchema = {
  description: "How a host change moves the running VM.",
  attributes: {
    mode: { type: "string", optional: true, computed: true, default: M.mode, description: '"postcopy" (default) or "precopy".' },
    switch: {
      type: "string",
      optional: true,
      computed: true,
      default: M.switch,
      description: 'When to switch pre-copy to post-copy: "auto" (default), "first-pass", "stall" or "timeout".',
    },
    on_unsupported: {
      type: "string",
      optional: true,
      computed: true,
      default: M.onUnsupported,
      description: 'When the hosts cannot post-copy: "fail" (default), "precopy", or "recreate" (stop and start on the new host).',
    },
    bandwidth_mib: { type: "number", optional: true, description: "Pre-copy bandwidth limit in MiB/s." },
    postcopy_bandwidth_mib: { type: "number", optional: true, description: "Post-copy bandwidth limit in MiB/s." },
    max_downtime_ms: { type: "number", optional: true, description: "Maximum tolerated pause for the final pre-copy switch, in ms." },
    timeout_s: {
      type: "number",
      optional: true,
      computed: true,
      default: M.timeoutS,
      description: `Give up on the move after this many seconds (default ${M.timeoutS}).`,
    },
    copy_storage: {
      type: "bool",
      optional: true,
      computed: true,
      default: M.copyStorage,
      description: `Copy non-shared disks during the move (default ${M.copyStorage}).`,
    },
    probe: {
      type: "bool",
      optional: true,
      computed: true,
      default: M.probe,
      description: `Check both hosts can post-copy before moving (default ${M.probe}).`,
    },
    tls: {
      type: "string",
      optional: true,
      computed: true,
      default: M.tls,
      description:
        `Encrypt the migration data with QEMU's TLS: "auto" (default: when both hosts are set up for it, checked at plan time), ` +
        `"required" (refuse a move in clear), or "off".`,
    },
  },
};

export const lastMoveType = [
  "object",
  {
    from: "string",
    to: "string",
    mode: "string",
    switched_at_iteration: "number",
    total_ms: "number",
    downtime_ms: "number",
    bytes: "number",
    postcopy_requests: "number",
    started_at: "string",
    finished_at: "string",
    queued_ms: "number",
    recovered_by: "string",
    recovery_ms: "number",
  },
] as const;

export const vmSchema: Schema = {
  version: 0,
  block: {
    description: "A VM placed on one of the provider's hosts. Changing host live-migrates it in place.",
    attributes: {
      id: { type: "string", computed: true, description: "libvirt domain UUID." },
      name: { type: "string", required: true, description: "libvirt domain name. Changing it replaces the VM." },
      host: { type: "string", required: true, description: "Name of a provider host block. Changing it live-migrates the VM (an in-place update)." },
      memory_mib: {
        type: "number",
        optional: true,
        computed: true,
        default: VM_DEFAULTS.memoryMib,
        description: `Memory in MiB (default ${VM_DEFAULTS.memoryMib}).`,
      },
      vcpus: { type: "number", optional: true, computed: true, default: VM_DEFAULTS.vcpus, description: `Virtual CPUs (default ${VM_DEFAULTS.vcpus}).` },
      max_memory_mib: {
        type: "number",
        optional: true,
        description:
          "Memory the VM may grow to without a restart (≥ memory_mib; default memory_mib). A change of memory_mib within it is live (balloon); " +
          "beyond it, the VM restarts on its host.",
      },
      max_vcpus: {
        type: "number",
        optional: true,
        description: "vCPUs the VM may grow to without a restart (≥ vcpus; default vcpus): more vcpus within it are plugged in live.",
      },
      resize: {
        type: "string",
        computed: true,
        description:
          'What the planned (or last) change of memory_mib / vcpus does, in plain words: "live, no restart: …" or "restarts on the same host: …"; ' +
          "null until one.",
      },
      domain_type: {
        type: "string",
        optional: true,
        computed: true,
        description: '"kvm" or "qemu"; left unset (or "auto") it is chosen at create: kvm when the host has it.',
      },
      cpu: {
        type: "string",
        optional: true,
        description:
          'Guest CPU: "host-model" (default on kvm; migratable), "host-passthrough" (the host\'s exact CPU: moves only between hosts with identical CPUs; ' +
          'kvm only) or a named model every host offers, e.g. "Nehalem". Unset on a TCG (qemu) VM: QEMU\'s default model.',
      },
      kernel: { type: "string", optional: true, description: "Path of a kernel on the host for direct boot." },
      initrd: { type: "string", optional: true, description: "Path of an initrd on the host for direct boot." },
      cmdline: { type: "string", optional: true, description: "Kernel command line for direct boot." },
      console_log: { type: "string", optional: true, description: "Host path the serial console is written to." },
      state: { type: "string", computed: true, description: "libvirt domain state, e.g. running." },
      leftover_definitions: {
        type: ["list", "string"],
        computed: true,
        description:
          'Other hosts that still define this VM "shut off (migrated)": the source of a move libvirt finished on its own (a post-copy move that outlived its ' +
          "timeout and completed when the link came back). The next plan removes them (an in-place update); null when there are none.",
      },
      adopted: {
        type: "bool",
        computed: true,
        description:
          "true when the VM was adopted with an import (defined by another tool): livevirt never re-creates it from its partial model; " +
          "a change that needs a re-create fails the plan.",
      },
      last_move: { type: lastMoveType, computed: true, description: "Facts about the most recent move; null until one happened." },
      preflight: { type: "string", computed: true, description: "Verdict of the move checks for a planned host change." },
    },
    blocks: {
      disk: { nesting: "list", block: diskBlock },
      network_interface: { nesting: "list", block: networkInterfaceBlock },
      migration: { nesting: "single", maxItems: 1, block: migrationBlock },
    },
  },
};

export const hostDataSchema: Schema = {
  version: 0,
  block: {
    description: "Facts about one of the provider's hosts.",
    attributes: {
      name: { type: "string", required: true, description: "Name of a provider host block." },
      hostname: { type: "string", computed: true, description: "The host's hostname as libvirt reports it." },
      host_uuid: { type: "string", computed: true, description: "libvirt host UUID." },
      libvirt_version: { type: "string", computed: true, description: "libvirt daemon version." },
      qemu_version: { type: "string", computed: true, description: "QEMU version." },
      kernel: { type: "string", computed: true, description: "Host kernel release." },
      arch: { type: "string", computed: true, description: "Host CPU architecture." },
      kvm: { type: "bool", computed: true, description: "KVM acceleration is available." },
      postcopy: { type: "string", computed: true, description: '"yes", "no" or "unknown": the host can receive post-copy moves.' },
      postcopy_reason: { type: "string", computed: true, description: "Why postcopy is what it is." },
    },
  },
};
