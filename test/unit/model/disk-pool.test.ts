/** A disk is a path or a pool volume: one rule in the model, shown by every layer in its spelling. */
import { describe, expect, it } from "vitest";
import { MODEL_SPELLING, POOL_NAME, VOLUME_NAME, diskSource, isVolumeDisk, spellProblem, vmProblems } from "../../../src/model/index.js";

const problems = (disks: unknown[]) => vmProblems({ disks }).map((p) => spellProblem(p, MODEL_SPELLING));
const fields = (disks: unknown[]) => vmProblems({ disks }).map((p) => p.field);

describe("disk source: path, or pool + volume", () => {
  it("either form alone is fine", () => {
    expect(fields([{ path: "/var/lib/livevirt/a.img" }, { pool: "vms", volume: "b.qcow2", format: "qcow2" }])).toEqual([]);
  });

  it("neither: one problem on path naming both forms", () => {
    expect(problems([{ format: "raw" }])).toEqual([
      {
        field: "disks.0.path",
        value: undefined,
        reason: "a disk needs an image: a path, or a pool and a volume",
        fix:
          'give the disk an image file (disks.0.path, e.g. "/var/lib/livevirt/web1.img") or a volume of a storage pool ' +
          '(disks.0.pool and disks.0.volume, e.g. "default" and "web1.qcow2"): exactly one of the two',
      },
    ]);
    expect(fields([{ path: null, pool: null, volume: null }])).toEqual(["disks.0.path"]);
  });

  it("both: the pool (or the lone volume) is the problem, with its value", () => {
    const [p] = problems([{ path: "/a.img", pool: "vms", volume: "a.qcow2" }]);
    expect([p!.field, p!.value, p!.reason]).toEqual(["disks.0.pool", "vms", "cannot be set together with disks.0.path"]);
    expect(fields([{ path: "/a.img", volume: "a.qcow2" }])).toEqual(["disks.0.volume"]);
  });

  it("half a volume: the missing half is named, with what to set", () => {
    const [p] = problems([{ pool: "vms" }]);
    expect([p!.field, p!.reason]).toEqual(["disks.0.volume", "a disk from a storage pool needs both disks.0.pool and disks.0.volume (disks.0.pool is set)"]);
    expect(p!.fix).toMatch(/^set disks\.0\.volume too/);
    expect(fields([{ volume: "a.qcow2" }])).toEqual(["disks.0.pool"]);
  });

  it("bad names: pool and volume each say what a name may be", () => {
    for (const ok of ["default", "vms", "pool_1", "ssd.fast", "a+b"]) expect(POOL_NAME.test(ok), ok).toBe(true);
    for (const bad of ["", "my pool", "a/b", ".hidden", "-x", "x".repeat(65)]) expect(POOL_NAME.test(bad), bad).toBe(false);
    for (const ok of ["web1.qcow2", "db-data.raw", "_x", "v".repeat(255)]) expect(VOLUME_NAME.test(ok), ok).toBe(true);
    for (const bad of ["", "..", ".x", "-x", "a/b", "/var/lib/x.img", "a b", "v".repeat(256)]) expect(VOLUME_NAME.test(bad), bad).toBe(false);
    const ps = problems([{ pool: "my pool", volume: "../etc/passwd" }]);
    expect(ps.map((p) => [p.field, p.value])).toEqual([
      ["disks.0.pool", "my pool"],
      ["disks.0.volume", "../etc/passwd"],
    ]);
    expect(ps[0]!.fix).toContain("virsh pool-list --all");
    expect(ps[1]!.fix).toContain("virsh vol-list POOL");
    expect(problems([{ pool: "vms", volume: "a\nb" }])[0]!.fix).toContain("virsh vol-list vms");
  });

  it("one volume attached twice is refused like one path twice; the same volume name in two pools is two volumes", () => {
    const [p] = problems([
      { pool: "vms", volume: "a.qcow2" },
      { pool: "vms", volume: "a.qcow2" },
    ]);
    expect([p!.field, p!.value, p!.reason]).toEqual(["disks.1.volume", "a.qcow2", "is already attached as disks.0"]);
    expect(
      fields([
        { pool: "vms", volume: "a.qcow2" },
        { pool: "ssd", volume: "a.qcow2" },
      ]),
    ).toEqual([]);
  });

  it("values known only later (not strings) are not checked", () => {
    const unknown = Symbol("unknown");
    expect(fields([{ pool: unknown, volume: "a.qcow2" }])).toEqual([]);
  });

  it("diskSource and isVolumeDisk", () => {
    expect(diskSource({ path: "/a.img", pool: null, volume: null })).toBe("/a.img");
    expect(diskSource({ path: null, pool: "vms", volume: "a.qcow2" })).toBe("volume a.qcow2 in pool vms");
    expect(isVolumeDisk({ pool: "vms", volume: "a.qcow2" })).toBe(true);
    expect(isVolumeDisk({ pool: null, volume: null })).toBe(false);
    expect(isVolumeDisk({})).toBe(false);
  });
});
