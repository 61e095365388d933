/**
 * The cdktf app bench:apply deploys (cdktf.json "app" of its throw-away project): one idle lab guest
 * on the lab's two hosts, its host from the environment, so that each deploy moves it. Everything
 * lab-specific comes in as JSON from the benchmark (apply-cost.ts), so a synth loads only cdktf and
 * the constructs, as a user's app does.
 *
 *   LIVEVIRT_BENCH_APPLY = {"hosts":[Host…],"host":"a","vm":{name,kernel,initrd,cmdline,consoleLog,migration}}
 */
import { TerraformStack } from "cdktf";
import { LivevirtApp, LivevirtHosts, VmPlacement, type Host } from "../modules/index.js";
import type { MigrationPolicy } from "../src/model/index.js";

export const APPLY_STACK = "livevirt-bench-apply";

export interface BenchAppInput {
  hosts: Host[];
  host: string;
  vm: { name: string; kernel: string; initrd: string; cmdline: string; consoleLog: string; migration: Partial<MigrationPolicy> };
}

const input = JSON.parse(process.env.LIVEVIRT_BENCH_APPLY ?? "null") as BenchAppInput | null;
if (!input) throw new Error("LIVEVIRT_BENCH_APPLY is not set: this app is run by `npm run bench:apply`");
const app = new LivevirtApp();
const stack = new TerraformStack(app, APPLY_STACK);
const hosts = new LivevirtHosts(stack, "hosts", { hosts: input.hosts });
new VmPlacement(stack, "vm", {
  name: input.vm.name,
  host: input.host,
  memoryMib: 256,
  vcpus: 1,
  domainType: "qemu",
  boot: { kernel: input.vm.kernel, initrd: input.vm.initrd, cmdline: input.vm.cmdline },
  consoleLog: input.vm.consoleLog,
  migration: input.vm.migration,
  hosts,
});
app.synth();
