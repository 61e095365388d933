/**
 * Disk images with recognisable content, for tests that copy a disk with a move: patterns written
 * at known offsets on the source, and the check that the destination's image is a copy of it —
 * byte for byte (qemu-img compare) and pattern by pattern (qemu-io), both with -U (the image is
 * in use by the running guest).
 */
import { expect } from "vitest";
import { execa } from "execa";

/** `length` bytes of `byte` at `offset`. */
export interface Pattern {
  byte: number;
  offset: number;
  length: number;
}

export const qemuIo = (file: string, cmd: string, extra: string[] = []) => execa("qemu-io", [...extra, "-f", "qcow2", "-c", cmd, file]);

/** Writes each pattern into a qcow2 image. */
export async function writePatterns(file: string, patterns: readonly Pattern[]): Promise<void> {
  for (const p of patterns) await qemuIo(file, `write -P ${p.byte} ${p.offset} ${p.length}`);
}

/** `copy` holds exactly what `source` holds, and every pattern where it was written. */
export async function expectCopyOf(source: string, copy: string, patterns: readonly Pattern[]): Promise<void> {
  const cmp = await execa("qemu-img", ["compare", "-U", source, copy], { reject: false });
  expect([cmp.exitCode, cmp.stdout.trim()]).toEqual([0, "Images are identical."]);
  for (const p of patterns) {
    const r = await qemuIo(copy, `read -P ${p.byte} ${p.offset} ${p.length}`, ["-U", "-r"]);
    expect(r.stdout).not.toMatch(/Pattern verification failed/);
    expect(r.stdout).toContain(`read ${p.length}/${p.length} bytes at offset ${p.offset}`);
  }
}
