import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { STATE_FILE, type HostName } from "./paths.js";
import type { QemuIdentity } from "./host-config.js";
import type { PackageSet } from "./packages.js";
import type { UffdSettings } from "./uffd.js";
import type { AccelVerdict } from "./accel.js";

/** What `lab:up` made, so `lab:down` can undo exactly that and `lab:status` can report it. */
/**
 * What the lab's layout is: a lab left by an older layout (e.g. before SSH and TLS) is taken down
 * and rebuilt by the next `lab:up` instead of half-upgraded.
 */
export const LAB_LAYOUT = 3;

export interface LabState {
  /** LAB_LAYOUT of the lab that wrote this state; absent = layout 1. */
  layout?: number;
  packages: PackageSet;
  accel: AccelVerdict;
  hosts: Record<HostName, { pid: number; qemu: QemuIdentity }>;
  /** The machine's userfaultfd settings before the lab changed them; restored by down. */
  uffdFound?: UffdSettings;
  startedAt: string;
}

export function loadState(): LabState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, "utf8")) as LabState;
}

export function saveState(s: LabState): void {
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(s, null, 2) + "\n");
}

export function clearState(): void {
  rmSync(STATE_FILE, { force: true });
}
