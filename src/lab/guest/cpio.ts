/**
 * A minimal newc ("070701") cpio writer. Packing in TS lets the initramfs carry a /dev/console
 * device node without mknod on the build host and avoids a `find | cpio | gzip` shell pipeline.
 * mtime/uid/gid are 0 so the same inputs give the same bytes (the build cache relies on that).
 */
export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "file"; path: string; data: Uint8Array; mode?: number }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "chardev"; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function record(ino: number, name: string, mode: number, data: Uint8Array, nlink: number, rdev: [number, number] = [0, 0]): Buffer {
  const nameBytes = Buffer.from(name + "\0", "utf8");
  const fields = [ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
  const header = Buffer.from("070701" + fields.map(hex8).join(""), "ascii");
  return Buffer.concat([header, nameBytes, Buffer.alloc(pad4(header.length + nameBytes.length)), data, Buffer.alloc(pad4(data.length))]);
}

/** Serialise entries (paths relative, no leading "/") into an uncompressed newc archive. */
export function packCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, "");
    switch (e.kind) {
      case "dir":
        parts.push(record(ino++, path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(), 2));
        break;
      case "file":
        parts.push(record(ino++, path, S_IFREG | (e.mode ?? 0o644), e.data, 1));
        break;
      case "symlink":
        parts.push(record(ino++, path, S_IFLNK | 0o777, Buffer.from(e.target, "utf8"), 1));
        break;
      case "chardev":
        parts.push(record(ino++, path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(), 1, [e.major, e.minor]));
        break;
    }
  }
  parts.push(record(0, "TRAILER!!!", 0, new Uint8Array(), 1));
  return Buffer.concat(parts);
}
