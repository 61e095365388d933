/**
 * A change of a VM's memory or vCPUs, decided once for plan and apply: nothing, live (the guest
 * keeps running) or a restart on the same host — and the words a reviewer reads in the plan.
 */
import type { Vm } from "./vm.js";

export type Sizes = Pick<Vm, "memoryMib" | "maxMemoryMib" | "vcpus" | "maxVcpus">;

export interface Resize {
  how: "none" | "live" | "restart";
  /** Plain words for the plan, e.g. "live: memory 512 → 768 MiB (max 1024)"; "" when nothing changes. */
  text: string;
  /** The domain sizes to set (maxima resolved). */
  to: { memoryMib: number; maxMemoryMib: number; vcpus: number; maxVcpus: number };
}

const maxMem = (s: Sizes) => s.maxMemoryMib ?? s.memoryMib;
const maxCpu = (s: Sizes) => s.maxVcpus ?? s.vcpus;

/**
 * Live when the running domain can take the new sizes as it is: memory up or down within the
 * maximum it was started with (needs that headroom: it has a balloon only then), vCPUs only up and
 * within its maximum (taking a vCPU away needs the guest to give it up first), and no declared
 * maximum changed. Otherwise a restart with the new definition, on the same host.
 */
export function planResize(prior: Sizes, next: Sizes): Resize {
  const to = { memoryMib: next.memoryMib, maxMemoryMib: maxMem(next), vcpus: next.vcpus, maxVcpus: maxCpu(next) };
  const changes: string[] = [];
  if (prior.memoryMib !== next.memoryMib) changes.push(`memory ${prior.memoryMib} → ${next.memoryMib} MiB`);
  if (prior.vcpus !== next.vcpus) changes.push(`vcpus ${prior.vcpus} → ${next.vcpus}`);
  // A maximum left unset follows memory_mib / vcpus: only a declared one is a change of its own.
  const memMaxChanged = maxMem(prior) !== maxMem(next) && (prior.maxMemoryMib !== null || next.maxMemoryMib !== null);
  const cpuMaxChanged = maxCpu(prior) !== maxCpu(next) && (prior.maxVcpus !== null || next.maxVcpus !== null);
  if (memMaxChanged) changes.push(`max_memory_mib ${maxMem(prior)} → ${maxMem(next)}`);
  if (cpuMaxChanged) changes.push(`max_vcpus ${maxCpu(prior)} → ${maxCpu(next)}`);
  if (changes.length === 0) return { how: "none", text: "", to };
  const why: string[] = [];
  if (prior.memoryMib !== next.memoryMib) {
    if (maxMem(prior) <= prior.memoryMib) why.push("the running VM has no memory headroom (max_memory_mib): its memory is fixed until a restart");
    else if (next.memoryMib > maxMem(prior)) why.push(`memory ${next.memoryMib} MiB is above the running VM's maximum ${maxMem(prior)} MiB`);
  }
  if (next.vcpus > maxCpu(prior) && next.vcpus > prior.vcpus) why.push(`vcpus ${next.vcpus} is above the running VM's maximum ${maxCpu(prior)}`);
  if (next.vcpus < prior.vcpus) why.push(`fewer vcpus cannot be taken from a running guest`);
  if (memMaxChanged || cpuMaxChanged) why.push("a running VM's maxima are fixed at its start");
  const all = changes.join(", ");
  if (why.length > 0) return { how: "restart", text: `restarts on the same host: ${all}; because ${[...new Set(why)].join("; ")}`, to };
  return { how: "live", text: `live, no restart: ${all} (within max ${maxMem(prior)} MiB, ${maxCpu(prior)} vcpus)`, to };
}
