/**
 * VmFleet: VMs whose hosts livevirt picks (src/model/placement.ts) instead of the stack naming
 * one per VM — pinned VMs, anti-affinity groups, spread, declared capacity and host state — and
 * stable: given where the VMs are now (`current`, or a committed `placementFile`), only the VMs
 * that must move change host. Draining a host is then one line: its `state: "draining"` in
 * LivevirtHosts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Construct } from "constructs";
import { planPlacement, VM_DEFAULTS, type PlacementResult } from "../src/model/index.js";
import { LivevirtHosts } from "./hosts.js";
import { problem } from "./validation.js";
import { VmPlacement, type VmPlacementProps } from "./vm-placement.js";

export interface FleetVmProps extends Omit<VmPlacementProps, "host" | "hosts"> {
  /** Run on this host (it must be active, or cordoned with the VM already there). @default livevirt picks */
  readonly pin?: string;
  /** Anti-affinity group: two VMs of one group never share a host (e.g. the replicas of a database). @default none */
  readonly group?: string;
}

export interface VmFleetProps {
  /** The hosts to place the VMs on (their state and capacity count). */
  readonly hosts: LivevirtHosts;
  /** The VMs, by construct id (the VM name defaults to it). */
  readonly vms: Readonly<Record<string, FleetVmProps>>;
  /** Where the VMs are placed now, VM name → host; a VM not in it is new. @default the placementFile's content, else none */
  readonly current?: Readonly<Record<string, string>>;
  /**
   * A JSON file (VM name → host) read as `current` and written with the new placement at synth —
   * commit it beside the stack, as a lock file: it is what keeps placements stable between synths
   * and what a reviewer reads in the diff. @default none
   */
  readonly placementFile?: string;
}

export class VmFleet extends Construct {
  /** The placements created, by construct id (a VM that no host can take has none, and synth fails). */
  readonly placements: Readonly<Record<string, VmPlacement>>;
  /** The chosen hosts, the moves against `current`, and the problems. */
  readonly result: PlacementResult;

  constructor(scope: Construct, id: string, props: VmFleetProps) {
    super(scope, id);
    const current = props.current ?? readPlacement(props.placementFile);
    const entries = Object.entries(props.vms);
    const nameOf = (vmId: string, p: FleetVmProps) => p.name ?? vmId;
    this.result = planPlacement(
      entries.map(([vmId, p]) => ({
        name: nameOf(vmId, p),
        memoryMib: p.maxMemoryMib ?? p.memoryMib ?? VM_DEFAULTS.memoryMib,
        vcpus: p.maxVcpus ?? p.vcpus ?? VM_DEFAULTS.vcpus,
        ...(p.pin !== undefined ? { pin: p.pin } : {}),
        ...(p.group !== undefined ? { group: p.group } : {}),
      })),
      props.hosts.hosts,
      current,
    );
    const placements: Record<string, VmPlacement> = {};
    for (const [vmId, p] of entries) {
      const host = this.result.hosts[nameOf(vmId, p)];
      if (host === undefined) continue;
      const { pin: _pin, group: _group, ...vm } = p;
      placements[vmId] = new VmPlacement(scope, vmId, { ...vm, host, hosts: props.hosts });
    }
    this.placements = placements;
    const lines = this.result.problems.map((q) => problem(this.node.path, q.field, q.value, q.reason, q.fix));
    this.node.addValidation({ validate: () => lines });
    if (props.placementFile && lines.length === 0) writePlacement(props.placementFile, this.result.hosts);
  }
}

function readPlacement(file: string | undefined): Record<string, string> {
  if (!file || !existsSync(file)) return {};
  const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof raw !== "object" || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== "string")) {
    throw new Error(
      `livevirt: ${file} is not a placement file (a JSON object of VM name → host name); fix: delete it to start over, or restore it from version control`,
    );
  }
  return raw as Record<string, string>;
}

function writePlacement(file: string, hosts: Readonly<Record<string, string>>): void {
  const sorted = Object.fromEntries(Object.entries(hosts).sort(([a], [b]) => (a < b ? -1 : 1)));
  const text = `${JSON.stringify(sorted, null, 2)}\n`;
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
}
