import { existsSync } from "node:fs";

export interface AccelVerdict {
  accel: "kvm" | "tcg";
  reason: string;
}

/**
 * Whether lab guests run under KVM. /dev/kvm alone proves nothing: on this machine kind it is
 * PVM (pagetable-based nested virtualization), under which stock Linux kernels crawl. KVM is used
 * only where the hardware modules (kvm_intel / kvm_amd) drive it. LIVEVIRT_LAB_ACCEL overrides.
 */
export function detectAccel(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): AccelVerdict {
  const forced = env.LIVEVIRT_LAB_ACCEL;
  if (forced === "kvm" || forced === "tcg") return { accel: forced, reason: `forced by LIVEVIRT_LAB_ACCEL=${forced}` };
  if (!exists("/dev/kvm")) return { accel: "tcg", reason: "no /dev/kvm" };
  if (exists("/sys/module/kvm_pvm")) {
    return { accel: "tcg", reason: "/dev/kvm is PVM (nested, pagetable-based): it cannot run a stock Linux guest at usable speed" };
  }
  if (exists("/sys/module/kvm_intel") || exists("/sys/module/kvm_amd")) {
    return { accel: "kvm", reason: "/dev/kvm backed by kvm_intel/kvm_amd" };
  }
  return { accel: "tcg", reason: "/dev/kvm present but no kvm_intel/kvm_amd module" };
}
