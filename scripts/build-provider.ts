/**
 * Installs the livevirt provider for Terraform without a registry: a project-local filesystem
 * mirror holding only a tiny launcher, plus a CLI config that points Terraform at the mirror.
 *
 *   npx tsx scripts/build-provider.ts [--mode=js|tsx]
 *
 * The package directory holds nothing but the launcher, whose text only changes when the
 * repository or node moves, so the h1: hash in .terraform.lock.hcl stays stable across rebuilds
 * (any change to that directory breaks `terraform plan` with "does not match").
 *   --mode=js  (default) compiles provider/ with tsc into build/provider-js and runs plain node
 *              — faster start-up for each of the 3–5 provider processes per Terraform command.
 *   --mode=tsx runs provider/main.ts through tsx's loader: no rebuild needed after edits.
 * Idempotent: files are rewritten only when their content changes. Also refreshes
 * provider/proto/descriptor.json from the .proto files.
 */
import { createHash } from "node:crypto";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DESCRIPTOR_PATH, generateDescriptor } from "../provider/wire/descriptor-gen.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
export const VERSION = "0.1.0";
export const MIRROR = join(ROOT, ".mirror");
export const CLI_CONFIG = join(MIRROR, "terraformrc");
export const PACKAGE_DIR = join(MIRROR, "registry.terraform.io/livevirt/livevirt", VERSION, "linux_amd64");
export const LAUNCHER = join(PACKAGE_DIR, `terraform-provider-livevirt_v${VERSION}`);
const JS_ROOT = join(ROOT, "build/provider-js");
/** The launcher always runs build/provider-js/current/…: a symlink swapped atomically per build. */
const JS_CURRENT = join(JS_ROOT, "current");

export type Mode = "js" | "tsx";

function writeIfChanged(path: string, content: string, mode?: number): boolean {
  let old: string | null = null;
  try {
    old = readFileSync(path, "utf8");
  } catch {
    /* new file */
  }
  if (old !== content) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  if (mode !== undefined) chmodSync(path, mode);
  return old !== content;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Every file the compiled provider can be made of: its own sources, src/, and the compiler settings. */
function sourceStamp(): string {
  const h = createHash("sha256");
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|json|proto)$/.test(e.name)) h.update(p).update(readFileSync(p));
    }
  };
  for (const d of ["provider", "src"]) walk(join(ROOT, d));
  h.update(readFileSync(join(ROOT, "package-lock.json")));
  return h.digest("hex").slice(0, 16);
}

/**
 * Compiles into build/provider-js/<source stamp>/ and then points `current` at it with an atomic
 * rename, so a Terraform run starting a provider process meanwhile never sees a half-written tree
 * (tests and users may rebuild while another terraform runs). Unchanged sources: no compile.
 */
async function compileJs(): Promise<string> {
  const stamp = sourceStamp();
  const outDir = join(JS_ROOT, stamp);
  if (!existsSync(join(outDir, "provider/main.js"))) {
    await emitJs(outDir);
  }
  const tmpLink = join(JS_ROOT, `current.${process.pid}`);
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, JS_CURRENT);
  // Keep the previous build: a provider process started from it may still import lazily.
  const keep = new Set([stamp, "current"]);
  const olds = readdirSync(JS_ROOT)
    .filter((n) => !keep.has(n) && !n.startsWith("current.") && !n.endsWith(".tmp"))
    .map((n) => ({ n, t: statSync(join(JS_ROOT, n)).mtimeMs }))
    .sort((x, y) => y.t - x.t);
  for (const o of olds.slice(1)) rmSync(join(JS_ROOT, o.n), { recursive: true, force: true });
  return join(JS_CURRENT, "provider/main.js");
}

async function emitJs(outDir: string): Promise<void> {
  const tmpOut = `${outDir}.${process.pid}.tmp`;
  rmSync(tmpOut, { recursive: true, force: true });
  const ts = (await import("typescript")).default;
  const options: import("typescript").CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ["node"],
    rootDir: ROOT,
    outDir: tmpOut,
    sourceMap: true,
  };
  const program = ts.createProgram([join(ROOT, "provider/main.ts")], options);
  const result = program.emit();
  const diags = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
    (d) => d.category === ts.DiagnosticCategory.Error,
  );
  if (diags.length) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
    throw new Error(`provider does not compile:\n${ts.formatDiagnostics(diags, host)}`);
  }
  cpSync(DESCRIPTOR_PATH, join(tmpOut, "provider/proto/descriptor.json"));
  // Package type for ESM: the compiled tree lies outside the project's package.json scope via the symlink.
  writeFileSync(join(tmpOut, "package.json"), '{ "type": "module" }\n');
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmpOut, outDir);
}

export function launcherText(mode: Mode, entry: string): string {
  const tsxLoader = pathToFileURL(join(ROOT, "node_modules/tsx/dist/esm/index.mjs")).href;
  const args = mode === "tsx" ? `--import ${shq(tsxLoader)} ${shq(entry)}` : shq(entry);
  return [
    "#!/bin/sh",
    "# livevirt Terraform provider launcher, generated by scripts/build-provider.ts — do not edit.",
    `exec ${shq(process.execPath)} ${args} "$@"`,
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

export async function buildProvider(mode: Mode = "js"): Promise<{ launcher: string; cliConfig: string; changed: string[] }> {
  const changed: string[] = [];
  if (writeIfChanged(DESCRIPTOR_PATH, JSON.stringify(generateDescriptor(), null, 1) + "\n")) changed.push(DESCRIPTOR_PATH);
  const entry = mode === "js" ? await compileJs() : join(ROOT, "provider/main.ts");
  if (writeIfChanged(LAUNCHER, launcherText(mode, entry), 0o755)) changed.push(LAUNCHER);
  if (writeIfChanged(CLI_CONFIG, cliConfigText())) changed.push(CLI_CONFIG);
  return { launcher: LAUNCHER, cliConfig: CLI_CONFIG, changed };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const modeArg = process.argv.find((a) => a.startsWith("--mode="))?.slice("--mode=".length) ?? "js";
  if (modeArg !== "js" && modeArg !== "tsx") {
    process.stderr.write(`unknown --mode=${modeArg}; use --mode=js or --mode=tsx\n`);
    process.exit(2);
  }
  const started = Date.now();
  const res = await buildProvider(modeArg);
  process.stdout.write(
    `livevirt provider (${modeArg}) installed in ${Date.now() - started} ms\n` +
      `  launcher:   ${res.launcher}\n  CLI config: export TF_CLI_CONFIG_FILE=${res.cliConfig}\n` +
      `  changed:    ${res.changed.length ? res.changed.join(", ") : "nothing"}\n`,
  );
}
