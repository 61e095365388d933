/**
 * `qemu-img info --output=json FILE`: the image's format and guest-visible (virtual) size. A
 * missing file is an answer too ("No such file or directory" on stderr, exit 1), told apart from
 * other failures so the caller can create the image rather than report an error.
 */
import { ParseError } from "../../errors.js";

export interface QemuImgInfo {
  format: string;
  virtualSizeBytes: number;
}

export function parseQemuImgInfo(json: string): QemuImgInfo {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new ParseError("qemu-img info: output is not JSON", "qemu-img info", json.slice(0, 200));
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  const size = o["virtual-size"];
  if (typeof o.format !== "string" || typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new ParseError('qemu-img info: no "format" and "virtual-size"', "qemu-img info", json.slice(0, 200));
  }
  return { format: o.format, virtualSizeBytes: size };
}

/** qemu-img's words for a file that does not exist (LC_ALL=C). */
export function isNoSuchFile(stderr: string): boolean {
  return /Could not open '[^']*': .*No such file or directory/.test(stderr);
}
