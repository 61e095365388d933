import { describe, expect, it } from "vitest";
import { packCpio } from "../../../../src/lab/guest/cpio.js";

/** Minimal newc reader, independent of the writer, to check what the kernel will see. */
function readNewc(buf: Buffer) {
  const out: Array<{ name: string; mode: number; rdev: [number, number]; data: string }> = [];
  let off = 0;
  const align = (n: number) => (n + 3) & ~3;
  for (;;) {
    expect(buf.toString("ascii", off, off + 6)).toBe("070701");
    const f = (i: number) => parseInt(buf.toString("ascii", off + 6 + i * 8, off + 14 + i * 8), 16);
    const [mode, size, rmaj, rmin, nsize] = [f(1), f(6), f(9), f(10), f(11)];
    const name = buf.toString("utf8", off + 110, off + 110 + nsize - 1);
    const dataAt = align(off + 110 + nsize);
    if (name === "TRAILER!!!") return { entries: out, end: align(dataAt + size) };
    out.push({ name, mode, rdev: [rmaj, rmin], data: buf.toString("utf8", dataAt, dataAt + size) });
    off = align(dataAt + size);
  }
}

describe("packCpio (newc)", () => {
  it("round-trips dirs, files, symlinks and a char device, 4-byte aligned, with a trailer", () => {
    const buf = packCpio([
      { kind: "dir", path: "dev" },
      { kind: "chardev", path: "dev/console", major: 5, minor: 1 },
      { kind: "file", path: "/init", data: Buffer.from("#!/bin/sh\n"), mode: 0o755 },
      { kind: "symlink", path: "bin/sh", target: "/bin/busybox" },
    ]);
    const { entries, end } = readNewc(buf);
    expect(end).toBe(buf.length);
    expect(entries).toEqual([
      { name: "dev", mode: 0o040755, rdev: [0, 0], data: "" },
      { name: "dev/console", mode: 0o020600, rdev: [5, 1], data: "" },
      { name: "init", mode: 0o100755, rdev: [0, 0], data: "#!/bin/sh\n" },
      { name: "bin/sh", mode: 0o120777, rdev: [0, 0], data: "/bin/busybox" },
    ]);
  });

  it("is deterministic (the build cache relies on it)", () => {
    const e = [{ kind: "file" as const, path: "a", data: Buffer.from("x") }];
    expect(packCpio(e).equals(packCpio(e))).toBe(true);
  });
});
