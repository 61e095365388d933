import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LAB_ROOT, PRIVATE_DIRS, hostPaths, type HostName, type PrivateDir } from "./paths.js";
import { TOPOLOGY } from "./topology.js";
import { sh, trySh } from "./exec.js";

/**
 * Each lab host gets a persistent mount namespace and UTS namespace, pinned by bind-mounting
 * them onto files (util-linux `unshare --mount=FILE`). Every later step enters them with
 * `nsenter` by argv, so no shell script is needed to set a host up.
 */
const NS_DIR = join(LAB_ROOT, "ns");

export function nsFiles(host: HostName): { mnt: string; uts: string; net: string } {
  return { mnt: join(NS_DIR, `${host}.mnt`), uts: join(NS_DIR, `${host}.uts`), net: `/run/netns/${TOPOLOGY[host].netns}` };
}

function isMountpoint(path: string): boolean {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8");
  return mounts.split("\n").some((l) => l.split(" ")[4] === path);
}

/** Pinning a mount namespace on a file requires that file to sit on a private mount. */
async function ensureNsDir(): Promise<void> {
  mkdirSync(NS_DIR, { recursive: true });
  if (!isMountpoint(NS_DIR)) {
    await sh("mount", ["--bind", NS_DIR, NS_DIR]);
    await sh("mount", ["--make-private", NS_DIR]);
  }
}

/** Creates the host's namespaces and bind-mounts its private libvirt directories. Idempotent. */
export async function ensureMountNamespace(host: HostName): Promise<void> {
  await ensureNsDir();
  const f = nsFiles(host);
  if (!isMountpoint(f.mnt)) {
    for (const file of [f.mnt, f.uts]) if (!existsSync(file)) writeFileSync(file, "");
    await sh("unshare", [`--mount=${f.mnt}`, `--uts=${f.uts}`, "--propagation", "private", "hostname", TOPOLOGY[host].hostname]);
    const p = hostPaths(host);
    for (const [name, target] of Object.entries(PRIVATE_DIRS) as [PrivateDir, string][]) {
      mkdirSync(target, { recursive: true }); // the mount point must exist in the root filesystem
      await sh("nsenter", [`--mount=${f.mnt}`, "mount", "--bind", p.dir(name), target]);
    }
  }
}

/** Unpins the namespaces; they vanish once no process is left in them. Idempotent. */
export async function removeMountNamespace(host: HostName): Promise<void> {
  const f = nsFiles(host);
  for (const file of [f.mnt, f.uts]) if (isMountpoint(file)) await sh("umount", [file]);
}

export async function removeNsDir(): Promise<void> {
  if (isMountpoint(NS_DIR)) await trySh("umount", [NS_DIR]);
}

/** argv prefix that runs a command inside a host (its network, mount and UTS namespaces). */
export function inHost(host: HostName): string[] {
  const f = nsFiles(host);
  return [`--net=${f.net}`, `--mount=${f.mnt}`, `--uts=${f.uts}`];
}
