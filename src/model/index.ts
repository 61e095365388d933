/**
 * The shared vocabulary of livevirt: VMs, hosts, disks, migration policies and moves, their
 * defaults, bounds and rules. No I/O and no heavy imports: the constructs (synth), the provider
 * (plan) and the domain (create, move) all import it, so a rule is written once and the layers
 * only translate field names into their own spelling (see problem.ts).
 */
export * from "./problem.js";
export * from "./uri.js";
export * from "./host.js";
export * from "./vm.js";
export * from "./nic.js";
export * from "./resize.js";
export * from "./migration.js";
export * from "./move.js";
export * from "./placement.js";
