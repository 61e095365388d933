/**
 * `npm run lab:up|lab:down|lab:status` — the two-host libvirt lab on this machine.
 *   lab:up [-- --packages stock|backports] [--no-postcopy b]
 *   lab:status [-- --json]
 */
import { parseArgs } from "node:util";
import { LivevirtError } from "../errors.js";
import { labDown, labStatus, labUp } from "./lab.js";
import { HOST_NAMES, type HostName } from "./paths.js";
import type { PackageSet } from "./packages.js";

const log = (m: string) => process.stderr.write(`lab: ${m}\n`);

function parseHosts(list: string | undefined): HostName[] {
  if (!list) return [];
  return list.split(",").map((h) => {
    if (!(HOST_NAMES as readonly string[]).includes(h)) {
      throw new LivevirtError(`--no-postcopy: unknown lab host "${h}"`, { fix: `use one or more of ${HOST_NAMES.join(", ")}` });
    }
    return h as HostName;
  });
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      packages: { type: "string" },
      "no-postcopy": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const cmd = positionals[0];
  if (cmd === "up") {
    const packages = values.packages as PackageSet | undefined;
    if (packages !== undefined && packages !== "backports" && packages !== "stock") {
      throw new LivevirtError(`--packages: unknown set "${packages}"`, { fix: "use backports (libvirt 11.3/QEMU 10.0) or stock (libvirt 9.0/QEMU 7.2)" });
    }
    const t0 = Date.now();
    const s = await labUp({ packages, noPostcopy: parseHosts(values["no-postcopy"]), log });
    log(`up in ${((Date.now() - t0) / 1000).toFixed(1)} s; guests run under ${s.accel.accel.toUpperCase()} (${s.accel.reason})`);
    await printStatus(false);
  } else if (cmd === "down") {
    await labDown({ log });
  } else if (cmd === "status") {
    await printStatus(values.json);
  } else {
    throw new LivevirtError(`unknown command "${cmd ?? ""}"`, { fix: "use up, down or status" });
  }
}

async function printStatus(json: boolean): Promise<void> {
  const s = await labStatus();
  if (json) {
    process.stdout.write(JSON.stringify(s, null, 2) + "\n");
    return;
  }
  process.stdout.write(
    `lab: ${s.up ? "up" : "down"}${s.packages ? ` (${s.packages} packages)` : ""}${s.accel ? `, guests under ${s.accel.accel.toUpperCase()}` : ""}\n`,
  );
  for (const h of s.hosts) {
    const facts = h.answering
      ? `${h.hostname}, libvirt ${h.libvirt}, ${h.hypervisor}, QEMU user ${h.qemu === "unprivileged" ? "libvirt-qemu (no post-copy)" : "root"}, ` +
        `domains: ${h.domains?.join(" ") || "none"}`
      : (h.error ?? "not running");
    process.stdout.write(`  ${h.name}  ${h.address}  ${h.uri}\n     ${facts}\n`);
  }
  if (!s.up) process.exitCode = s.hosts.some((h) => h.pid !== undefined) ? 1 : 3;
}

main().catch((e: unknown) => {
  if (e instanceof LivevirtError) {
    process.stderr.write(`lab: error: ${e.message}\n${e.detail.fix ? `  fix: ${e.detail.fix}\n` : ""}`);
  } else {
    process.stderr.write(`lab: error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
});
