/**
 * Storage pools on the lab hosts, for tests of disks from pools. A `dir` pool lives in the host's
 * private /var/lib/libvirt (each host has its own: pools of the same name on a and b are different
 * directories, like two machines' local disks — what `copy_storage` is for).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { connect } from "./lab.js";
import { hostPaths, PRIVATE_DIRS, type HostName } from "./paths.js";

/** The pool's directory as the host sees it (inside its mount namespace). */
export const poolDirInHost = (pool: string): string => `${PRIVATE_DIRS.lib}/pools/${pool}`;

/** The same directory from this machine's root namespace. */
export const poolDir = (host: HostName, pool: string): string => join(hostPaths(host).dir("lib"), "pools", pool);

/** Defines, builds and starts a `dir` pool on the host (a fresh one: an old pool of that name is removed first). */
export async function createLabPool(host: HostName, pool: string): Promise<void> {
  await removeLabPool(host, pool);
  await connect(host).createDirPool(pool, poolDirInHost(pool));
}

/** Stops and undefines the pool and removes its directory with every volume in it. Idempotent. */
export async function removeLabPool(host: HostName, pool: string): Promise<void> {
  await connect(host).removePool(pool);
  rmSync(poolDir(host, pool), { recursive: true, force: true });
}
