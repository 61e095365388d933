/** `virsh nodeinfo` output. */
import { ParseError } from "../../errors.js";
import { keyValueLines } from "./key-value.js";
import { parseNumberWithUnit } from "./units.js";

export interface NodeInfo {
  cpuModel: string;
  cpus: number;
  cpuMhz: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  numaCells: number;
  memoryBytes: number;
}

export function parseNodeInfo(text: string): NodeInfo {
  const kv = keyValueLines(text);
  const num = (key: string, unit?: string): number => {
    const raw = kv.get(key);
    const n = raw === undefined ? undefined : parseNumberWithUnit(raw, unit);
    if (n === undefined) throw new ParseError(`virsh nodeinfo: cannot read "${key}"`, "virsh nodeinfo", text.slice(0, 400));
    return n;
  };
  const cpuModel = kv.get("CPU model");
  if (cpuModel === undefined) throw new ParseError('virsh nodeinfo: missing "CPU model"', "virsh nodeinfo", text.slice(0, 400));
  return {
    cpuModel,
    cpus: num("CPU(s)"),
    cpuMhz: num("CPU frequency", "MHz"),
    sockets: num("CPU socket(s)"),
    coresPerSocket: num("Core(s) per socket"),
    threadsPerCore: num("Thread(s) per core"),
    numaCells: num("NUMA cell(s)"),
    memoryBytes: num("Memory size", "KiB") * 1024,
  };
}
