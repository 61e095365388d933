/** fit.shared-storage: a disk moved without copying must be on storage libvirt counts as shared. */
import { describe, expect, it } from "vitest";
import { assign, type Host } from "../../../src/model/index.js";
import { onSharedStorage, sharedStorageCheck } from "../../../src/preflight/fit.js";
import { known } from "../../../src/preflight/known.js";
import { LAB_CONF, rootHost } from "./facts.js";

describe("which filesystems libvirt counts as shared (virFileIsSharedFS)", () => {
  it.each(["nfs", "nfs4", "ceph", "gfs2", "ocfs2", "cifs", "smb3", "gpfs", "fuse.glusterfs", "beegfs"])("%s is shared", (fs) => {
    expect(onSharedStorage("/srv/images/web.qcow2", fs)).toBe(true);
  });
  it.each(["ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs", "fuseblk"])("%s is local", (fs) => {
    expect(onSharedStorage("/srv/images/web.qcow2", fs)).toBe(false);
  });
  it("a path under qemu.conf shared_filesystems is shared whatever its filesystem; a sibling prefix is not", () => {
    expect(onSharedStorage("/srv/images/web.qcow2", "ext4", ["/srv/images"])).toBe(true);
    expect(onSharedStorage("/srv/images/web.qcow2", "ext4", ["/srv/images/"])).toBe(true);
    expect(onSharedStorage("/srv/images-old/web.qcow2", "ext4", ["/srv/images"])).toBe(false);
  });
});

describe("fit.shared-storage on this machine (findmnt, no lab)", () => {
  // shell [] = this machine: the check runs the real findmnt on a real path.
  const here: Host = { name: "a", uri: "qemu:///system", shell: [] };
  const vm = (shared: boolean) => ({ name: "web", disks: [{ path: "/proc/self/status", shared }] });

  it("no disk moved without copying: no check", async () => {
    expect(await sharedStorageCheck(vm(false), here, rootHost("a"))).toBeNull();
  });

  it("a shared disk on a local filesystem fails, naming the disk, its filesystem, libvirt's refusal and the fix", async () => {
    const c = (await sharedStorageCheck(vm(true), here, rootHost("a")))!;
    expect(c).toMatchObject({ id: "fit.shared-storage", host: "a", status: "fail", requiredFor: "move" });
    expect(c.found).toMatch(/\/proc\/self\/status \(proc\)/);
    expect(c.brief).toBe("/proc/self/status is on proc, not shared storage: libvirt would refuse the move without copying it");
    expect(c.found).toMatch(/Migration without shared storage is unsafe/);
    expect(c.fix).toContain(assign("shared", false));
    expect(c.fix).toContain(assign("migration.copyStorage", true));
    expect(c.fix).toMatch(/shared_filesystems/);
  });

  it("the same disk under qemu.conf shared_filesystems passes", async () => {
    const facts = { ...rootHost("a"), qemuConf: known({ ...LAB_CONF, sharedFilesystems: ["/proc"] }, "test") };
    const c = (await sharedStorageCheck(vm(true), here, facts))!;
    expect(c).toMatchObject({ status: "pass", found: "on shared storage: /proc/self/status (proc)" });
  });
});
