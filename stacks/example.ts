/**
 * The example stack: two tiny lab guests placed on the lab's two hosts. Moving a VM = editing its
 * `host` and deploying again. For demos and tests the web VM's host can also be set without
 * editing this file: LIVEVIRT_DEMO_WEB_HOST=b npx cdktf deploy
 */
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { LivevirtHosts, PgStateBackend, VmPlacement } from "../modules/index.js";
import { guestCmdline } from "../src/lab/guest/console.js";
import { LAB_GUEST, LAB_HOSTS, LAB_WEB_NET } from "./lab.js";

export const EXAMPLE_STACK = "livevirt-example";

export interface ExampleOptions {
  /** Host of the "web" VM. @default process.env.LIVEVIRT_DEMO_WEB_HOST ?? "a" */
  webHost?: string;
  /**
   * Where Terraform keeps the state. "pg": PostgreSQL shared by the team, with state locking;
   * the connection comes from Terraform's own PG_CONN_STR (+ PGPASSWORD), never from this file.
   * @default "pg" when PG_CONN_STR is set, else "local" (terraform.<stack>.tfstate in the project)
   */
  stateBackend?: "local" | "pg";
}

export class ExampleStack extends TerraformStack {
  readonly vms: VmPlacement[];

  constructor(scope: Construct, id: string = EXAMPLE_STACK, opts: ExampleOptions = {}) {
    super(scope, id);
    if ((opts.stateBackend ?? (process.env.PG_CONN_STR ? "pg" : "local")) === "pg") new PgStateBackend(this);
    const hosts = new LivevirtHosts(this, "hosts", { hosts: LAB_HOSTS });
    // Tiny lab guest: 256 MiB, memcheck verifying `memMib` while rewriting `rateMibPerS` of it,
    // TCG (works with or without KVM). "web" is busy: it dirties memory faster than its move's
    // bandwidth, the case pre-copy cannot finish and post-copy exists for.
    // "web" also serves TCP on the lab's guest network (one layer-2 segment across both hosts):
    // its connections survive its moves, which `npm run demo` shows with a stream across the move.
    const guest = (name: string, host: string, load: { memMib: number; rateMibPerS: number; bandwidthMib?: number }, net?: typeof LAB_WEB_NET) =>
      new VmPlacement(this, name, {
        host,
        memoryMib: 256,
        vcpus: 1,
        domainType: "qemu",
        boot: {
          ...LAB_GUEST,
          cmdline:
            guestCmdline({ memMib: load.memMib, rateMibPerS: load.rateMibPerS }) + (net ? ` lv.ip=${net.ip}/${net.prefixLen} lv.echo=${net.echoPort}` : ""),
        },
        ...(net ? { networkInterfaces: [{ network: net.network }] } : {}),
        // Inside the host's own mount namespace: each lab host has a private /var/log/libvirt.
        consoleLog: `/var/log/libvirt/qemu/${name}.console`,
        migration: { mode: "postcopy", timeoutS: 300, ...(load.bandwidthMib ? { bandwidthMib: load.bandwidthMib } : {}) },
        hosts,
      });
    this.vms = [
      guest("web", opts.webHost ?? process.env.LIVEVIRT_DEMO_WEB_HOST ?? "a", { memMib: 96, rateMibPerS: 32, bandwidthMib: 16 }, LAB_WEB_NET),
      guest("db", "b", { memMib: 64, rateMibPerS: 0 }),
    ];
    for (const p of this.vms) {
      new TerraformOutput(this, `${p.node.id}-host`, { value: p.vm.host, description: `host the ${p.vmName} VM runs on` });
    }
  }
}
