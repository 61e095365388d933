/**
 * npm run moves                       the last moves recorded on this machine, one line each
 * npm run moves -- --watch            a live line per running move (from another terminal, while
 *                                     `cdktf deploy` / `terraform apply` runs); Ctrl-C to stop
 * npm run moves -- --svg FILE.jsonl   writes FILE.svg: the move's timeline (remaining memory vs time)
 *
 * Reads the progress files the provider writes (src/migration/progress-log.ts), in
 * $LIVEVIRT_PROGRESS_DIR, else $XDG_STATE_HOME/livevirt/moves, else ~/.local/state/livevirt/moves.
 * Options: --dir DIR (another place), --last N (default 10), --for S (watch at most S seconds).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { liveLine, parseProgress, progressDir, watchProgress } from "../src/migration/progress-log.js";
import { timelineSvg } from "../src/review/timeline.js";

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => join(dir, f));
}

function usage(msg: string): never {
  console.error(`${msg}\nusage: npm run moves [-- --watch [--for S] | --svg FILE.jsonl | --last N] [--dir DIR]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const known = new Set(["--watch", "--svg", "--dir", "--last", "--for"]);
  for (const a of args) if (a.startsWith("--") && !known.has(a)) usage(`unknown option ${a}`);
  const dir = flag(args, "dir") ?? progressDir();

  const svg = flag(args, "svg");
  if (args.includes("--svg")) {
    if (!svg || !existsSync(svg)) usage(`--svg needs a progress file (.jsonl); got ${svg ?? "nothing"}`);
    const out = svg!.replace(/\.jsonl$/, "") + ".svg";
    writeFileSync(out, timelineSvg(parseProgress(readFileSync(svg!, "utf8"))));
    console.log(`wrote ${out}`);
    return;
  }

  if (!args.includes("--watch")) {
    const last = Number(flag(args, "last") ?? 10);
    const all = files(dir).slice(-last);
    if (all.length === 0) console.log(`no moves recorded in ${dir}`);
    for (const f of all) console.log(liveLine(parseProgress(readFileSync(f, "utf8"))) ?? `${f}: unreadable`);
    return;
  }

  const forS = Number(flag(args, "for") ?? Infinity);
  console.log(`watching ${dir} (Ctrl-C to stop)`);
  // One line per change: readable in a terminal and in a log file alike.
  const w = watchProgress(dir, (line) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`));
  if (Number.isFinite(forS)) {
    await new Promise((r) => setTimeout(r, forS * 1000));
    w.stop();
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
