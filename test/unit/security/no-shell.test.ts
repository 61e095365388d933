/**
 * "No shell anywhere (argv only)": a source scan of src/, provider/, modules/, scripts/ and stacks/
 * for the ways a program ends up in /bin/sh — `shell: true` (or a shell path) in spawn/execa
 * options, child_process `exec`/`execSync` (always a shell), execa's string-splitting
 * `execaCommand`, spawning sh/bash directly, and "sh -c"/"bash -c" strings. It fails listing
 * every offender as file:line.
 *
 * Allowed, with reasons:
 *  - scripts/build-provider.ts `launcherText`: the provider launcher Terraform executes is a
 *    short `#!/bin/sh` file that refuses a missing plugin cookie and `exec`s node on the bundle
 *    beside it (constant text; quoted parts shell-quoted by `shq`, no user input). Terraform needs an executable file in the mirror; a script is the
 *    smallest one, and it runs no command line built from data.
 *  - ssh itself: for a host `shell` prefix of ssh, the remote sshd hands the joined command to the
 *    remote user's shell; that is ssh's protocol, not ours, and src/hosts/shell.ts quotes
 *    every argument for it (tested in test/unit/hosts/shell.test.ts: hostile arguments
 *    arrive intact through a shell-joining ssh).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const DIRS = ["src", "provider", "modules", "scripts", "stacks"];

/** file (relative) + exact trimmed line text that may match, and why. */
const ALLOWED: { file: string; line: string; why: string }[] = [
  { file: "scripts/build-provider.ts", line: '"#!/bin/sh",', why: "the provider launcher file Terraform execs (see header)" },
];

const RULES: { name: string; re: RegExp }[] = [
  { name: "shell option", re: /\bshell\s*:\s*(true|["'`])/ },
  { name: "spawns a shell", re: /\b(?:execa|execaSync|spawn|spawnSync|execFile|execFileSync|execaNode)\s*\(\s*["'`](?:\/(?:usr\/)?bin\/)?(?:ba|da|z|k)?sh["'`]/ },
  { name: "string command (execaCommand)", re: /\bexecaCommand(?:Sync)?\s*\(/ },
  { name: "'sh -c' command", re: /(?:^|["'`\s/])(?:ba|da|z)?sh["'`]?\s*,?\s*["'`]?-c\b/ },
  { name: "shebang / shell path", re: /["'`]#!\s*\/(?:usr\/)?bin\/(?:env\s+)?(?:ba|da|z)?sh\b/ },
];

/** child_process exec/execSync through any import form. */
function childProcessExec(text: string): number[] {
  const lines: number[] = [];
  const named = /import\s*\{([^}]*)\}\s*from\s*["'](?:node:)?child_process["']/g;
  const ns = /import\s+(?:\*\s+as\s+)?(\w+)\s+from\s*["'](?:node:)?child_process["']/g;
  const req = /(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*["'](?:node:)?child_process["']\s*\)/g;
  const bad: RegExp[] = [];
  for (const m of text.matchAll(named)) {
    for (const spec of m[1]!.split(",").map((s) => s.trim()).filter(Boolean)) {
      const [orig, alias] = spec.split(/\s+as\s+/).map((s) => s.trim());
      if (orig === "exec" || orig === "execSync") bad.push(new RegExp(`\\b${alias ?? orig}\\s*\\(`));
      if (orig === "exec" || orig === "execSync") lines.push(text.slice(0, m.index).split("\n").length);
    }
  }
  for (const m of [...text.matchAll(ns), ...text.matchAll(req)]) bad.push(new RegExp(`\\b${m[1]}\\.exec(?:Sync)?\\s*\\(`));
  text.split("\n").forEach((l, i) => {
    if (bad.some((re) => re.test(l))) lines.push(i + 1);
  });
  return [...new Set(lines)];
}

function scan(file: string, text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("/*")) return; // comments describe, they do not run
    for (const r of RULES) {
      if (!r.re.test(line)) continue;
      if (ALLOWED.some((a) => a.file === file && a.line === t)) continue;
      out.push(`${file}:${i + 1}: ${r.name}: ${t}`);
    }
  });
  for (const n of childProcessExec(text)) out.push(`${file}:${n}: child_process exec/execSync (runs /bin/sh -c): ${text.split("\n")[n - 1]!.trim()}`);
  return out;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name) && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

describe("no shell anywhere (argv only)", () => {
  it("the scanner catches every form it claims to", () => {
    const bad = [
      'execa("virsh", args, { shell: true })',
      "spawn(cmd, { shell: '/bin/bash' })",
      'await execa("sh", ["-c", cmd])',
      "spawnSync('/bin/bash', ['-c', x])",
      "execaCommand(`virsh -c ${uri} list`)",
      'const argv = ["bash", "-c", script];',
      'const s = "#!/bin/sh\\nexec x";',
    ];
    for (const line of bad) expect(scan("x.ts", line), line).not.toEqual([]);
    expect(scan("x.ts", 'import { exec } from "node:child_process";\nexec(`rm ${x}`);')).not.toEqual([]);
    expect(scan("x.ts", 'import { execSync as run } from "child_process";\nrun("ls");')).not.toEqual([]);
    expect(scan("x.ts", 'import * as cp from "node:child_process";\ncp.execSync("ls");')).not.toEqual([]);
    // …and leaves argv calls and RegExp#exec alone.
    const good = ['execa("virsh", ["-c", uri, "list"])', 'const argv = ["virsh", "-c", uri];', 'execa(VIRSH_BIN, ["-c", uri, ...args])', 'spawn("nsenter", [...inHost(host), "/usr/sbin/libvirtd"], { detached: true })', "const m = LINE.exec(line);", "// never sh -c"];
    for (const line of good) expect(scan("x.ts", line), line).toEqual([]);
    expect(scan("x.ts", 'import { spawn } from "node:child_process";\nconst m = RE.exec(s);')).toEqual([]);
  });

  it(`finds no offender in ${DIRS.join("/, ")}/`, () => {
    const files = DIRS.flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((f) => scan(relative(ROOT, f), readFileSync(f, "utf8")));
    expect(offenders, `shell use found:\n${offenders.join("\n")}`).toEqual([]);
  });

  it("the allow-list is not stale (each allowed line still exists)", () => {
    for (const a of ALLOWED) {
      const lines = readFileSync(join(ROOT, a.file), "utf8").split("\n").map((l) => l.trim());
      expect(lines, `${a.file}: ${a.line} (${a.why})`).toContain(a.line);
    }
  });
});
