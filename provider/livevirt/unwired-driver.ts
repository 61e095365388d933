/**
 * Placeholder until src/libvirt's driver is plugged into provider/main.ts: planning works (no
 * libvirt needed), anything that would touch a host fails with a clear message.
 */
import { LivevirtError } from "../../src/errors.js";
import type { DriverFactory } from "./driver.js";

const notWired = (what: string) => async (): Promise<never> => {
  throw new LivevirtError(`livevirt cannot ${what}: this provider build has no libvirt driver`, {
    fix: "wire the libvirt driver factory into provider/main.ts and rebuild with scripts/build-provider.ts",
  });
};

export const unwiredDrivers: DriverFactory = () => ({
  vm: {
    create: notWired("create VMs"),
    read: notWired("read VMs"),
    move: notWired("move VMs"),
    delete: notWired("delete VMs"),
    import: notWired("import VMs"),
  },
  hostInfo: { info: notWired("read host facts") },
});
