/** Lock-file bookkeeping of modules/provider-install.ts (real Terraform: test/integration/cdktf-plan.test.ts). */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockProblem, MIRROR_DIR, mirrorVersions, packageHashH1, PROVIDER_SOURCE } from "../../../modules/provider-install.js";
import { MIRROR, PACKAGE_DIR } from "../../../scripts/build-provider.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lv-install-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lock = (version: string, constraint: string, hash: string) => `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/livevirt/livevirt" {
  version     = "${version}"
  constraints = "${constraint}"
  hashes = [
    "${hash}",
  ]
}
`;

describe("provider install bookkeeping", () => {
  it("uses the same mirror layout as scripts/build-provider.ts", () => {
    expect(MIRROR_DIR).toBe(MIRROR);
    expect(PACKAGE_DIR.startsWith(join(MIRROR_DIR, PROVIDER_SOURCE))).toBe(true);
  });

  it("h1 hash follows Go's dirhash.Hash1 (known vector)", () => {
    const pkg = join(dir, "pkg");
    mkdirSync(join(pkg, "sub"), { recursive: true });
    writeFileSync(join(pkg, "terraform-provider-x"), "#!/bin/sh\n");
    writeFileSync(join(pkg, "sub", "b"), "b");
    // Computed by hand: sha256 of "<sha256(file) hex>  <name>\n" lines, sorted by name.
    const line = (content: string, name: string) => `${createHash("sha256").update(content).digest("hex")}  ${name}\n`;
    const expected =
      "h1:" +
      createHash("sha256")
        .update(line("b", "sub/b") + line("#!/bin/sh\n", "terraform-provider-x"))
        .digest("base64");
    expect(packageHashH1(pkg)).toBe(expected);
  });

  it("finds versions in semver order", () => {
    for (const v of ["0.10.0", "0.9.1", "0.2.0"]) mkdirSync(join(dir, PROVIDER_SOURCE, v, "linux_amd64"), { recursive: true });
    expect(mirrorVersions(dir)).toEqual(["0.2.0", "0.9.1", "0.10.0"]);
    expect(mirrorVersions(join(dir, "nothing"))).toEqual([]);
  });

  it("says why a lock file needs rewriting", () => {
    const h1 = "h1:abc=";
    expect(lockProblem(dir, "0.1.0", h1)).toBe("no lock file");
    writeFileSync(join(dir, ".terraform.lock.hcl"), 'provider "registry.terraform.io/hashicorp/random" {\n  version = "3.0.0"\n}\n');
    expect(lockProblem(dir, "0.1.0", h1)).toBe("lock file lacks livevirt");
    writeFileSync(join(dir, ".terraform.lock.hcl"), lock("0.0.9", "0.1.0", h1));
    expect(lockProblem(dir, "0.1.0", h1)).toMatch(/pins livevirt 0\.0\.9, the mirror has 0\.1\.0/);
    writeFileSync(join(dir, ".terraform.lock.hcl"), lock("0.1.0", "0.1.0", "h1:old="));
    expect(lockProblem(dir, "0.1.0", h1)).toMatch(/hash differs.*rebuilt/);
    writeFileSync(join(dir, ".terraform.lock.hcl"), lock("0.1.0", "~> 0.1", h1));
    expect(lockProblem(dir, "0.1.0", h1, "0.1.0")).toMatch(/constraint differs/);
    expect(lockProblem(dir, "0.1.0", h1, "~> 0.1")).toBeNull();
    expect(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")).toContain(h1);
  });
});
