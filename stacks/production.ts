/**
 * An example stack for two real Debian hosts (not the lab): copy it, put your hosts' names in, and
 * point stacks/main.ts at it. Follows docs/production-hosts.md: libvirt reached over SSH from the
 * machine that runs Terraform, the daemons talking TLS to each other over the migration network.
 *
 *   kvm-a, kvm-b          management names: SSH from this machine (host keys in ~/.ssh/known_hosts)
 *   mig-a, mig-b          migration-network names: in each host's server certificate
 */
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { LivevirtHosts, VmPlacement } from "../modules/index.js";

export interface ProductionOptions {
  /** Host of the "web" VM; change it and deploy to live-migrate web. @default "a" */
  webHost?: string;
}

export class ProductionStack extends TerraformStack {
  constructor(scope: Construct, id = "livevirt-production", opts: ProductionOptions = {}) {
    super(scope, id);
    const hosts = new LivevirtHosts(this, "hosts", {
      hosts: [
        { name: "a", uri: "qemu+ssh://root@kvm-a/system", migrationUri: "qemu+tls://mig-a/system" },
        { name: "b", uri: "qemu+ssh://root@kvm-b/system", migrationUri: "qemu+tls://mig-b/system" },
      ],
    });
    new VmPlacement(this, "web", {
      host: opts.webHost ?? "a",
      memoryMib: 2048,
      vcpus: 2,
      hosts,
      // On storage both hosts mount at the same path (NFS, Ceph, …): a move copies no disk.
      disks: [{ path: "/srv/images/web.qcow2", format: "qcow2", shared: true }],
      migration: { mode: "postcopy", bandwidthMib: 1000, timeoutS: 600, onUnsupported: "fail" },
    });
  }
}
