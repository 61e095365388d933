/** The brief's boundaries, checked on the source text so a stray import fails the build. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

const imports = (file: string) => [...readFileSync(file, "utf8").matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);

describe("layer boundaries", () => {
  it("src/ never imports provider/ (the domain is free of Terraform types)", () => {
    const offenders = tsFiles("src").flatMap((f) => imports(f).filter((i) => /(^|\/)provider\//.test(i)).map((i) => `${f}: ${i}`));
    expect(offenders).toEqual([]);
  });

  it("only src/libvirt runs virsh", () => {
    const offenders = [...tsFiles("src"), ...tsFiles("provider"), ...tsFiles("modules"), ...tsFiles("scripts")]
      .filter((f) => !f.includes(`${join(ROOT, "src/libvirt")}/`))
      .filter((f) => /execa\(\s*["']virsh["']|spawn\(\s*["']virsh["']/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });
});
