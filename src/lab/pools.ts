/**
 * Storage pools on the lab hosts, for tests of disks from pools. A local `dir` pool lives in the
 * host's private /var/lib/libvirt (each host has its own: pools of the same name on a and b are
 * different directories, like two machines' local disks — what `copy_storage` is for). A shared
 * one lives under the lab's root, which both hosts' mount namespaces see at the same path (like an
 * NFS export mounted on both).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { connect } from "./lab.js";
import { hostPaths, LAB_ROOT, PRIVATE_DIRS, type HostName } from "./paths.js";

/** The pool's directory as the host sees it (inside its mount namespace). */
export const poolDirInHost = (pool: string): string => `${PRIVATE_DIRS.lib}/pools/${pool}`;

/** The same directory from this machine's root namespace. */
export const poolDir = (host: HostName, pool: string): string => join(hostPaths(host).dir("lib"), "pools", pool);

/** A shared pool's directory: the same path in both hosts and in this machine's root namespace. */
export const sharedPoolDir = (pool: string): string => join(LAB_ROOT, "shared-pools", pool);

/**
 * Defines, builds and starts a `dir` pool on the host (an old definition of that name is removed
 * first; what is in the directory stays — a shared pool's volumes made through the other host).
 * `shared`: in the directory both hosts see.
 */
export async function createLabPool(host: HostName, pool: string, o: { shared?: boolean } = {}): Promise<void> {
  await connect(host).removePool(pool);
  await connect(host).createDirPool(pool, o.shared ? sharedPoolDir(pool) : poolDirInHost(pool));
}

/** Stops and undefines the pool and removes its directory with every volume in it. Idempotent. */
export async function removeLabPool(host: HostName, pool: string, o: { shared?: boolean } = {}): Promise<void> {
  await connect(host).removePool(pool);
  rmSync(o.shared ? sharedPoolDir(pool) : poolDir(host, pool), { recursive: true, force: true });
}
