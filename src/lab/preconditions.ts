import { existsSync } from "node:fs";
import { execa } from "execa";
import { LabError } from "../errors.js";

/** Says plainly why the lab cannot start here, before it changes anything. */
export async function checkLabPreconditions(): Promise<void> {
  if (process.platform !== "linux") {
    throw new LabError(`the lab needs Linux (this is ${process.platform})`, { fix: "run the lab on a Linux machine" });
  }
  if (process.getuid?.() !== 0) {
    throw new LabError("the lab needs root: it creates network and mount namespaces and runs libvirtd", {
      fix: "run `sudo npm run lab:up`, or run only the unit tests (`npm run test:unit`)",
    });
  }
  const probe = await execa("unshare", ["--net", "--mount", "--uts", "true"], { reject: false });
  if (probe.exitCode !== 0) {
    throw new LabError(`cannot create namespaces here: ${probe.stderr.toString().trim() || probe.shortMessage}`, {
      fix: "the lab needs network, mount and UTS namespaces (a container may need --privileged)",
    });
  }
  if (!existsSync("/proc/sys/net")) {
    throw new LabError("/proc/sys/net is missing: no network stack to build the lab link on");
  }
}
