/**
 * Builds the lab guest: Debian's cloud kernel (downloaded, never installed) and an initramfs of
 * busybox-static + /init + the static memcheck verifier.
 *
 * Idempotent: outDir/guest.json records a hash of every local input plus the kernel package that
 * was fetched. A re-run whose inputs hash the same returns at once without asking apt anything
 * (apt-cache alone costs >1 s here). The kernel is pinned to what was first fetched; pass
 * { refreshKernel: true } (CLI: --refresh-kernel) to resolve linux-image-cloud-amd64 again.
 *
 * CLI: tsx src/lab/guest/build.ts [outDir] [--refresh-kernel]   (default outDir: build/guest)
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { execa } from "execa";
import { LabError } from "../../errors.js";
import { packCpio, type CpioEntry } from "./cpio.js";

export interface GuestImages {
  /** Absolute path of the guest kernel (bzImage). */
  kernel: string;
  /** Absolute path of the gzip'd newc initramfs. */
  initrd: string;
  /** Debian package the kernel came from, "name=version". */
  kernelPackage: string;
  /** True when nothing had to be rebuilt. */
  cached: boolean;
}

export interface BuildOptions {
  /** Resolve and download the kernel package again even if one is pinned in outDir. */
  refreshKernel?: boolean;
}

/** Bump when the image layout changes in a way the input hash cannot see. */
const FORMAT = "lv-guest-3";
const BUSYBOX = "/bin/busybox";
const HOST_PACKAGES = ["busybox-static", "cpio", "gcc", "libc6-dev"] as const;
const KERNEL_META = "linux-image-cloud-amd64";
const here = fileURLToPath(new URL(".", import.meta.url));
const MEMCHECK_SRC = join(here, "memcheck.c");
const TCPECHO_SRC = join(here, "tcpecho.c");
/** The kernel modules a virtio NIC needs, in load order (the cloud kernel builds them as modules). */
export const GUEST_MODULES = [
  "virtio_ring",
  "virtio",
  "virtio_pci_legacy_dev",
  "virtio_pci_modern_dev",
  "virtio_pci",
  "failover",
  "net_failover",
  "virtio_net",
  "virtio_balloon",
] as const;
const INIT_SRC = join(here, "init");

interface Stamp {
  key: string;
  kernelPackage: string;
}

async function run(file: string, args: readonly string[], opts: { cwd?: string } = {}) {
  return execa(file, args, { ...opts, reject: false, env: { DEBIAN_FRONTEND: "noninteractive" } });
}

async function missingPackages(): Promise<string[]> {
  const r = await run("dpkg-query", ["-W", "-f=${Package} ${db:Status-Abbrev}\n", ...HOST_PACKAGES]);
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((l) => /\sii\s*$/.test(l))
      .map((l) => l.split(" ")[0]),
  );
  return HOST_PACKAGES.filter((p) => !installed.has(p));
}

async function ensureHostPackages(): Promise<void> {
  const missing = await missingPackages();
  if (missing.length === 0) return;
  let r = await run("apt-get", ["install", "-y", "--no-install-recommends", ...missing]);
  if (r.exitCode !== 0) {
    await run("apt-get", ["update"]);
    r = await run("apt-get", ["install", "-y", "--no-install-recommends", ...missing]);
  }
  if (r.exitCode !== 0) {
    throw new LabError(`cannot install ${missing.join(", ")} for the lab guest build`, {
      value: String(r.stderr).trim().split("\n").slice(-3).join(" | "),
      fix: `run as root with Debian apt reachable, or install them: apt-get install ${missing.join(" ")}`,
    });
  }
}

/** "linux-image-6.1.0-56-cloud-amd64=6.1.192-2": the package the cloud meta-package depends on. */
async function resolveKernelPackage(): Promise<string> {
  const lookup = async () => {
    const r = await run("apt-cache", ["show", "--no-all-versions", KERNEL_META]);
    const m = /^Depends:.*?\b(linux-image-[^\s,(]+)(?:\s*\(=\s*([^)\s]+)\))?/m.exec(r.stdout);
    return m?.[1] ? (m[2] ? `${m[1]}=${m[2]}` : m[1]) : undefined;
  };
  let pkg = await lookup();
  if (!pkg) {
    await run("apt-get", ["update"]);
    pkg = await lookup();
  }
  if (!pkg) {
    throw new LabError(`apt knows no ${KERNEL_META}; cannot fetch the lab guest kernel`, {
      fix: "add a Debian main archive to the apt sources and run apt-get update",
    });
  }
  return pkg;
}

async function fetchKernel(pkg: string, dest: string, modulesDest: string, work: string): Promise<void> {
  let r = await run("apt-get", ["download", pkg], { cwd: work });
  if (r.exitCode !== 0) {
    await run("apt-get", ["update"]); // stale lists give 404s on the pool file
    r = await run("apt-get", ["download", pkg], { cwd: work });
  }
  const deb = (await readdir(work)).find((f) => f.endsWith(".deb"));
  if (r.exitCode !== 0 || !deb) {
    throw new LabError(`apt-get download ${pkg} failed`, {
      value: String(r.stderr).trim().split("\n").slice(-2).join(" | "),
      fix: "check that the Debian archive is reachable (apt-get update)",
    });
  }
  const root = join(work, "root");
  await mkdir(root);
  // buffer:false — the tar stream is larger than execa's default maxBuffer (it would be cut off).
  await execa("dpkg-deb", ["--fsys-tarfile", join(work, deb)], { buffer: false }).pipe("tar", [
    "-x",
    "-C",
    root,
    "--wildcards",
    "./boot/vmlinuz-*",
    ...GUEST_MODULES.map((m) => `./lib/modules/*/${m}.ko`),
  ]);
  const vmlinuz = (await readdir(join(root, "boot"))).find((f) => f.startsWith("vmlinuz-"));
  if (!vmlinuz) throw new LabError(`${deb} holds no boot/vmlinuz-*`, { value: deb });
  const found = (await execa("find", [join(root, "lib"), "-name", "*.ko"])).stdout.split("\n").filter(Boolean);
  await mkdir(modulesDest, { recursive: true });
  for (const m of GUEST_MODULES) {
    const f = found.find((p) => p.endsWith(`/${m}.ko`));
    if (!f) throw new LabError(`${deb} holds no ${m}.ko (needed for the guest's network or balloon)`, { value: deb });
    await rename(f, join(modulesDest, `${m}.ko`));
  }
  await rename(join(root, "boot", vmlinuz), dest);
}

async function initramfs(memcheck: Uint8Array, tcpecho: Uint8Array, init: Uint8Array, busybox: Uint8Array, modulesDir: string): Promise<Buffer> {
  const entries: CpioEntry[] = [];
  for (const d of ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "root", "lib", "lib/modules"]) {
    entries.push({ kind: "dir", path: d });
  }
  // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
  entries.push({ kind: "chardev", path: "dev/console", major: 5, minor: 1 });
  entries.push({ kind: "file", path: "bin/busybox", data: busybox, mode: 0o755 });
  const applets = (await execa(BUSYBOX, ["--list-full"])).stdout.split("\n").filter(Boolean);
  for (const a of applets) {
    if (a === "bin/busybox" || a === "linuxrc" || !a.includes("/")) continue;
    entries.push({ kind: "symlink", path: a, target: "/bin/busybox" });
  }
  entries.push({ kind: "file", path: "init", data: init, mode: 0o755 });
  entries.push({ kind: "file", path: "memcheck", data: memcheck, mode: 0o755 });
  entries.push({ kind: "file", path: "tcpecho", data: tcpecho, mode: 0o755 });
  for (const m of GUEST_MODULES) entries.push({ kind: "file", path: `lib/modules/${m}.ko`, data: await readFile(join(modulesDir, `${m}.ko`)), mode: 0o644 });
  // /init loads them in this order (the initramfs has no modules.dep).
  entries.push({ kind: "file", path: "lib/modules/order", data: Buffer.from(GUEST_MODULES.join("\n") + "\n"), mode: 0o644 });
  return gzipSync(packCpio(entries), { level: 6 });
}

async function readStamp(path: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Stamp;
  } catch {
    return undefined;
  }
}

/** Build (or reuse) the guest kernel and initramfs in outDir. */
export async function buildGuest(outDir: string, opts: BuildOptions = {}): Promise<GuestImages> {
  const out = resolve(outDir);
  const kernel = join(out, "vmlinuz");
  const initrd = join(out, "initrd.img");
  const modulesDir = join(out, "modules");
  const stampPath = join(out, "guest.json");
  await mkdir(out, { recursive: true });

  if (!existsSync(BUSYBOX)) await ensureHostPackages();
  const [src, echoSrc, init, busybox] = await Promise.all([readFile(MEMCHECK_SRC), readFile(TCPECHO_SRC), readFile(INIT_SRC), readFile(BUSYBOX)]);
  const localKey = createHash("sha256").update(FORMAT).update(src).update(echoSrc).update(init).update(busybox).digest("hex");

  const old = await readStamp(stampPath);
  // The kernel and its NIC modules come from one package: without the modules, fetch it again.
  const haveKernel = old !== undefined && existsSync(kernel) && GUEST_MODULES.every((m) => existsSync(join(modulesDir, `${m}.ko`)));
  if (!opts.refreshKernel && haveKernel && old.key === `${localKey}:${old.kernelPackage}` && existsSync(initrd)) {
    return { kernel, initrd, kernelPackage: old.kernelPackage, cached: true };
  }

  await ensureHostPackages();
  // Work inside outDir so the final renames stay on one filesystem (atomic, no EXDEV).
  const work = await mkdtemp(join(out, ".tmp-"));
  await chmod(work, 0o755); // apt-get download drops privileges to _apt where it can
  try {
    let kernelPackage = old?.kernelPackage ?? "";
    if (opts.refreshKernel || !haveKernel) {
      const pkg = await resolveKernelPackage();
      if (pkg !== kernelPackage || !existsSync(kernel) || !GUEST_MODULES.every((m) => existsSync(join(modulesDir, `${m}.ko`)))) {
        await fetchKernel(pkg, join(work, "vmlinuz"), modulesDir, work);
        await rename(join(work, "vmlinuz"), kernel);
      }
      kernelPackage = pkg;
    }

    const compile = async (srcFile: string, name: string) => {
      const bin = join(work, name);
      const cc = await run("gcc", ["-static", "-O2", "-s", "-Wall", "-Wextra", "-o", bin, srcFile]);
      if (cc.exitCode !== 0) {
        throw new LabError(`compiling the guest's ${name} (${srcFile}) failed`, {
          value: String(cc.stderr).slice(0, 2000),
          fix: "install gcc and libc6-dev (static glibc)",
        });
      }
      return readFile(bin);
    };
    const img = await initramfs(await compile(MEMCHECK_SRC, "memcheck"), await compile(TCPECHO_SRC, "tcpecho"), init, busybox, modulesDir);
    await writeFile(join(work, "initrd.img"), img);
    await rename(join(work, "initrd.img"), initrd); // atomic: readers never see half an image
    const stamp: Stamp = { key: `${localKey}:${kernelPackage}`, kernelPackage };
    await writeFile(stampPath, JSON.stringify(stamp, null, 2) + "\n");
    return { kernel, initrd, kernelPackage, cached: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith("--")) ?? "build/guest";
  const t0 = performance.now();
  buildGuest(dir, { refreshKernel: args.includes("--refresh-kernel") }).then(
    (r) => console.log(JSON.stringify({ ...r, ms: Math.round(performance.now() - t0) })),
    (e: unknown) => {
      console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
      if (e instanceof LabError) console.error(JSON.stringify(e.detail));
      process.exitCode = 1;
    },
  );
}
