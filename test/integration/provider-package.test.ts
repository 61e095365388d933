/**
 * The provider package is the same bytes in every checkout: built in two copies of this working
 * tree in two unrelated folders, the package dirs hash alike (Terraform's h1:), that hash is the one
 * `terraform providers lock -fs-mirror` writes, the bundle names neither folder, and it serves a
 * handshake from outside any project (no node_modules beside it). Needs Terraform, not the lab.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageHashH1, PLATFORM, PROVIDER_SOURCE } from "../../modules/provider-install.js";
import { MAGIC_COOKIE_VALUE } from "../../provider/plugin/handshake.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const PACKAGE_REL = `.mirror/${PROVIDER_SOURCE}/0.1.0/${PLATFORM}`;
const tmp = mkdtempSync(join(tmpdir(), "livevirt-repro-"));
const clones = [join(tmp, "a/livevirt"), join(tmp, "elsewhere/deeper/checkout")];

/** The working tree as git sees it (tracked and untracked, not ignored) plus node_modules hard-linked. */
async function copyCheckout(to: string): Promise<void> {
  const { stdout } = await execa("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT });
  for (const f of stdout.split("\0").filter(Boolean)) {
    try {
      mkdirSync(dirname(join(to, f)), { recursive: true });
      cpSync(join(ROOT, f), join(to, f));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // deleted in the working tree
    }
  }
  const linked = await execa("cp", ["-al", join(ROOT, "node_modules"), join(to, "node_modules")], { reject: false });
  if (linked.exitCode !== 0) await execa("cp", ["-a", join(ROOT, "node_modules"), join(to, "node_modules")]);
}

beforeAll(async () => {
  for (const c of clones) {
    await copyCheckout(c);
    await execa(join(c, "node_modules/.bin/tsx"), ["scripts/build-provider.ts"], { cwd: c });
  }
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("provider package", () => {
  it("hashes alike in two checkouts in different folders", () => {
    const [a, b] = clones.map((c) => packageHashH1(join(c, PACKAGE_REL)));
    expect(a).toMatch(/^h1:/);
    expect(b).toBe(a);
  });

  it("names no folder of the checkout it was built in", () => {
    for (const c of clones) {
      for (const f of ["livevirt-provider.mjs", "terraform-provider-livevirt_v0.1.0"]) {
        const text = readFileSync(join(c, PACKAGE_REL, f), "utf8");
        expect(text.includes(c), `${f} names ${c}`).toBe(false);
        expect(text.includes(tmp), `${f} names ${tmp}`).toBe(false);
      }
    }
  });

  it("is locked by `terraform providers lock -fs-mirror` with that same h1: hash", async () => {
    const work = join(tmp, "lock");
    mkdirSync(work, { recursive: true });
    writeFileSync(
      join(work, "main.tf.json"),
      JSON.stringify({ terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } } }),
    );
    const mirror = join(clones[1]!, ".mirror");
    const r = await execa("terraform", ["providers", "lock", `-fs-mirror=${mirror}`, `-platform=${PLATFORM}`], {
      cwd: work,
      env: { CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: join(work, "none.tfrc") },
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const lock = readFileSync(join(work, ".terraform.lock.hcl"), "utf8");
    const hashes = [...lock.matchAll(/"(h1:[^"]+)"/g)].map((m) => m[1]);
    expect(hashes).toEqual([packageHashH1(join(clones[0]!, PACKAGE_REL))]);
  });

  it("serves a handshake when copied away from any project (self-contained bundle)", async () => {
    const alone = join(tmp, "alone");
    cpSync(join(clones[0]!, PACKAGE_REL), alone, { recursive: true });
    const p = spawn(join(alone, "terraform-provider-livevirt_v0.1.0"), [], {
      cwd: alone,
      env: {
        PATH: process.env.PATH,
        TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
        PLUGIN_PROTOCOL_VERSIONS: "6",
        TF_DISABLE_PLUGIN_TLS: "1",
        PLUGIN_UNIX_SOCKET_DIR: alone,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    p.stderr.on("data", (d) => (err += d));
    const line = await new Promise<string>((resolve, reject) => {
      p.stdout.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      p.on("exit", (code) => reject(new Error(`exited ${code} before the handshake: ${err}`)));
    });
    p.kill("SIGKILL");
    expect(line).toMatch(new RegExp(`^1\\|6\\|unix\\|${alone}/plugin[0-9a-f]+\\|grpc$`));
  });
});
