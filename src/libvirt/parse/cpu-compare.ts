/**
 * `virsh hypervisor-cpu-compare FILE` verdicts (virsh-host.c). "incompatible" comes with exit 1
 * but on stdout, so it is an answer, not an error.
 */
import { ParseError } from "../../errors.js";

export type CpuCompareResult = "identical" | "superset" | "incompatible";

export function parseCpuCompare(text: string): CpuCompareResult {
  if (/is incompatible with the CPU provided by hypervisor/i.test(text)) return "incompatible";
  if (/is identical to the CPU provided by hypervisor/i.test(text)) return "identical";
  if (/CPU provided by hypervisor on the host is a superset of CPU/i.test(text)) return "superset";
  throw new ParseError("virsh hypervisor-cpu-compare: unknown verdict", "virsh hypervisor-cpu-compare", text.slice(0, 300));
}
