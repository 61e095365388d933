/**
 * Installs the livevirt provider for Terraform without a registry: a project-local filesystem
 * mirror holding the provider package, plus a CLI config that points Terraform at the mirror.
 *
 *   npx tsx scripts/build-provider.ts [--mode js|tsx]
 *
 * --mode js (default): the package is the same bytes in every checkout, so the h1: hash in a
 *   committed .terraform.lock.hcl matches in every clone and after every rebuild of the same source:
 *     terraform-provider-livevirt_v<version>  a 3-line sh launcher: exec node on the file beside it
 *     livevirt-provider.mjs                  provider/main.ts and everything it imports, bundled by
 *                                            esbuild into one self-contained ES module (no paths of
 *                                            this machine in it, no node_modules needed at run time)
 *   One file also means a provider process never reads a half-rebuilt tree: it is replaced by an
 *   atomic rename, and a running process has already read all of it.
 * --mode tsx: a launcher running provider/main.ts through tsx's loader (no rebuild after edits);
 *   it names this checkout's absolute paths, so its hash is this checkout's alone.
 * Idempotent: files are rewritten only when their content changes. Also refreshes
 * provider/proto/descriptor.json from the .proto files (where the devDependencies are installed).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { checkCookie, HandshakeRefused, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../provider/plugin/handshake.js";
import { DESCRIPTOR_PATH, generateDescriptor } from "../provider/wire/descriptor-gen.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
export const VERSION = "0.1.0";
export const MIRROR = join(ROOT, ".mirror");
export const CLI_CONFIG = join(MIRROR, "terraformrc");
export const PACKAGE_DIR = join(MIRROR, "registry.terraform.io/livevirt/livevirt", VERSION, "linux_amd64");
export const LAUNCHER = join(PACKAGE_DIR, `terraform-provider-livevirt_v${VERSION}`);
export const BUNDLE_NAME = "livevirt-provider.mjs";
export const BUNDLE = join(PACKAGE_DIR, BUNDLE_NAME);

export type Mode = "js" | "tsx";

function writeIfChanged(path: string, content: string | Uint8Array, mode?: number): boolean {
  let old: Buffer | null = null;
  try {
    old = readFileSync(path);
  } catch {
    /* new file */
  }
  const changed = old === null || !old.equals(Buffer.from(content));
  if (changed) {
    // Written beside the mirror, then renamed in: never a half-written file in the package dir.
    mkdirSync(dirname(path), { recursive: true });
    mkdirSync(MIRROR, { recursive: true });
    const tmp = join(MIRROR, `.${process.pid}.tmp`);
    writeFileSync(tmp, content);
    if (mode !== undefined) chmodSync(tmp, mode);
    renameSync(tmp, path);
  } else if (mode !== undefined) {
    chmodSync(path, mode);
  }
  return changed;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * provider/main.ts bundled into one ES module. Deterministic: esbuild names sources relative to
 * the project root in its comments, and nothing else of this machine goes in. CommonJS
 * dependencies (grpc-js) call require() for Node built-ins, hence the createRequire banner.
 * The dynamic imports in main.ts stay lazy (esbuild runs a module's top level on first import),
 * so a refusal without the cookie still runs no gRPC code.
 */
export async function bundleProvider(): Promise<Uint8Array> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ["provider/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    outfile: BUNDLE_NAME,
    logLevel: "silent",
    // grpc-js requires proto-loader only to describe its channelz/admin services, which livevirt
    // never registers; bundling it would add protobufjs (~330 KB) to every start-up parse.
    external: ["@grpc/proto-loader"],
    banner: {
      js: [
        "// livevirt Terraform provider, bundled from provider/main.ts by scripts/build-provider.ts — do not edit.",
        'import { createRequire as __livevirtCreateRequire } from "node:module";',
        "const require = __livevirtCreateRequire(import.meta.url);",
      ].join("\n"),
    },
  });
  const out = result.outputFiles.find((f) => f.path.endsWith(BUNDLE_NAME));
  if (!out) throw new Error("esbuild produced no provider bundle");
  return out.contents;
}

/** What the provider says when started without Terraform's cookie (provider/plugin/handshake.ts). */
function refusalText(): string {
  try {
    checkCookie({});
  } catch (e) {
    if (e instanceof HandshakeRefused) return e.message;
    throw e;
  }
  throw new Error("checkCookie accepted an empty environment");
}

export function launcherText(mode: Mode): string {
  const head = ["#!/bin/sh", "# livevirt Terraform provider launcher, generated by scripts/build-provider.ts — do not edit."];
  if (mode === "tsx") {
    const loader = pathToFileURL(join(ROOT, "node_modules/tsx/dist/esm/index.mjs")).href;
    return [...head, `exec ${shq(process.execPath)} --import ${shq(loader)} ${shq(join(ROOT, "provider/main.ts"))} "$@"`, ""].join("\n");
  }
  return [
    ...head,
    "# Without Terraform's cookie, refuse here: node would first parse the whole bundle (main.ts checks again).",
    `[ "$${MAGIC_COOKIE_KEY}" = ${shq(MAGIC_COOKIE_VALUE)} ] || { printf '%s\\n' ${shq(refusalText())} >&2; exit 1; }`,
    `exec node "$(dirname "$0")/${BUNDLE_NAME}" "$@"`,
    "",
  ].join("\n");
}

export function cliConfigText(): string {
  return `# Generated by scripts/build-provider.ts. Use with TF_CLI_CONFIG_FILE=${CLI_CONFIG}
provider_installation {
  filesystem_mirror {
    path    = "${MIRROR}"
    include = ["registry.terraform.io/livevirt/*"]
  }
  direct {
    exclude = ["registry.terraform.io/livevirt/*"]
  }
}
`;
}

/**
 * descriptor.json generated from the .proto files, or null in a production install
 * (`npm ci --omit=dev`): protobufjs is a devDependency, and the committed descriptor.json is used
 * as it is (a unit test keeps it in step with the .proto files).
 */
function freshDescriptor(): string | null {
  try {
    return JSON.stringify(generateDescriptor(), null, 1) + "\n";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" && String(e).includes("protobufjs")) return null;
    throw e;
  }
}

export async function buildProvider(mode: Mode = "js"): Promise<{ launcher: string; cliConfig: string; changed: string[] }> {
  const changed: string[] = [];
  const descriptor = freshDescriptor();
  if (descriptor !== null && writeIfChanged(DESCRIPTOR_PATH, descriptor)) changed.push(DESCRIPTOR_PATH);
  if (mode === "js") {
    if (writeIfChanged(BUNDLE, await bundleProvider())) changed.push(BUNDLE);
  } else {
    rmSync(BUNDLE, { force: true }); // tsx mode: the launcher alone
  }
  if (writeIfChanged(LAUNCHER, launcherText(mode), 0o755)) changed.push(LAUNCHER);
  if (writeIfChanged(CLI_CONFIG, cliConfigText())) changed.push(CLI_CONFIG);
  return { launcher: LAUNCHER, cliConfig: CLI_CONFIG, changed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ strict: true, options: { mode: { type: "string", default: "js" } } });
  if (values.mode !== "js" && values.mode !== "tsx") {
    process.stderr.write(`unknown --mode ${values.mode}; use --mode js or --mode tsx\n`);
    process.exit(2);
  }
  const started = Date.now();
  const res = await buildProvider(values.mode);
  process.stdout.write(
    `livevirt provider (${values.mode}) installed in ${Date.now() - started} ms\n` +
      `  launcher:   ${res.launcher}\n  CLI config: export TF_CLI_CONFIG_FILE=${res.cliConfig}\n` +
      `  changed:    ${res.changed.length ? res.changed.join(", ") : "nothing"}\n`,
  );
}
