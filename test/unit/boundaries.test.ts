/**
 * The import rules of DESIGN.md ("Parts and allowed imports"), checked on the source text so a
 * stray import fails the unit tests. Every import form counts: `import … from`, `export … from`,
 * side-effect `import "…"` and dynamic `import("…")`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** What `file` imports: repo-relative paths for relative specifiers, the bare specifier otherwise. */
export function importsOf(file: string, text = readFileSync(join(ROOT, file), "utf8")): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(IMPORT)].map((m) => {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    return spec.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, ".ts") : spec;
  });
}

interface Rule {
  /** Files the rule is about (repo-relative path prefixes). */
  files: string[];
  /** …except these. */
  except?: string[];
  /** An import is forbidden when it starts with one of these (repo-relative path or package name)… */
  forbid: (imported: string) => boolean;
}

const under =
  (...prefixes: string[]) =>
  (p: string) =>
    prefixes.some((x) => p === x || p.startsWith(x.endsWith("/") ? x : `${x}/`) || p === `${x}.ts`);

/** The rules, one per line of DESIGN.md's table. */
export const RULES: Record<string, Rule> = {
  "constructs (modules/) never import the provider or the libvirt layer — from src/ only the model": {
    files: ["modules/"],
    forbid: (p) => under("provider")(p) || (p.startsWith("src/") && !under("src/model")(p)),
  },
  "the domain (src/) never imports the provider, the constructs or the stacks": {
    files: ["src/"],
    forbid: under("provider", "modules", "stacks"),
  },
  "transport (src/libvirt) never imports decisions: only itself, the model and src/errors.ts": {
    files: ["src/libvirt/"],
    forbid: (p) => p.startsWith("src/") && !under("src/libvirt", "src/model")(p) && p !== "src/errors.ts",
  },
  "the model (src/model) imports nothing with I/O: only itself and src/errors.ts, no package, no node: builtin": {
    files: ["src/model/"],
    forbid: (p) => !(under("src/model")(p) || p === "src/errors.ts"),
  },
  "product code never imports the lab or test code": {
    files: ["src/", "provider/", "modules/"],
    except: ["src/lab/"],
    forbid: under("src/lab", "test"),
  },
  "tools (stacks, scripts, bench) may use the lab, never test code": {
    files: ["stacks/", "scripts/", "bench/"],
    forbid: under("test"),
  },
};

/** Every forbidden import in the tree, as "file: import" lines. */
export function violations(rule: Rule, files = allFiles()): string[] {
  const mine = files.filter((f) => rule.files.some((d) => f.startsWith(d)) && !(rule.except ?? []).some((d) => f.startsWith(d)));
  return mine.flatMap((f) =>
    importsOf(f)
      .filter(rule.forbid)
      .map((i) => `${f}: ${i}`),
  );
}

const allFiles = () => ["src", "provider", "modules", "stacks", "scripts", "bench"].flatMap(tsFiles);

describe("layer boundaries", () => {
  it.each(Object.entries(RULES))("%s", (_name, rule) => {
    expect(violations(rule)).toEqual([]);
  });

  it("only src/libvirt runs virsh", () => {
    const offenders = allFiles()
      .filter((f) => !f.startsWith("src/libvirt/"))
      .filter((f) => /execa\(\s*["']virsh["']|spawn\(\s*["']virsh["']/.test(readFileSync(join(ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("the checker sees every import form, and a forbidden one fails its rule", () => {
    const text = [
      'import { a } from "../provider/x.js";',
      'export { b } from "../src/libvirt/virsh.js";',
      'import "../src/lab/lab.js";',
      'const m = await import("../test/unit/x.js");',
      '// import { c } from "../provider/commented-out.js";',
    ].join("\n");
    expect(importsOf("modules/probe.ts", text)).toEqual(["provider/x.ts", "src/libvirt/virsh.ts", "src/lab/lab.ts", "test/unit/x.ts"]);
    const files = ["modules/probe.ts"];
    const found = (rule: Rule) => files.filter((f) => rule.files.some((d) => f.startsWith(d))).flatMap((f) => importsOf(f, text).filter(rule.forbid));
    expect(found(RULES["constructs (modules/) never import the provider or the libvirt layer — from src/ only the model"]!)).toEqual([
      "provider/x.ts",
      "src/libvirt/virsh.ts",
      "src/lab/lab.ts",
    ]);
    expect(found(RULES["product code never imports the lab or test code"]!)).toEqual(["src/lab/lab.ts", "test/unit/x.ts"]);
    expect(found(RULES["the model (src/model) imports nothing with I/O: only itself and src/errors.ts, no package, no node: builtin"]!)).toEqual([]);
    expect(RULES["the model (src/model) imports nothing with I/O: only itself and src/errors.ts, no package, no node: builtin"]!.forbid("node:fs")).toBe(true);
  });

  it("reads real imports (the rules are not vacuous)", () => {
    const all = allFiles().flatMap((f) => importsOf(f));
    expect(all.length).toBeGreaterThan(500);
    expect(importsOf("src/placement/move.ts")).toContain("src/model/index.ts");
    expect(importsOf("provider/main.ts")).toContain("provider/livevirt/libvirt-driver.ts"); // a dynamic import
  });
});
