/**
 * Provider start-up: time from spawning the launcher in the project mirror to its handshake line
 * on stdout (what Terraform waits for, 3–5 times per command), with AutoMTLS as Terraform runs it,
 * plaintext, and the refusal without the plugin cookie (exit 1). No lab, no Terraform. Variants
 * run interleaved, first round a warm-up; prints medians (min–max). Asserts nothing.
 *
 *   npm run bench:startup [-- --rounds 15 --compare /path/to/other/launcher]
 *
 * --compare: a second launcher measured in the same rounds (e.g. an older build) for an A/B.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { generateServerCert } from "../provider/plugin/cert.js";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../provider/plugin/handshake.js";
import { buildProvider, LAUNCHER } from "../scripts/build-provider.js";
import { readFlags } from "./flags.js";
import { printTable } from "./report.js";
import { medRange } from "./stats.js";

/** Flags of this benchmark and their defaults (bench/flags.ts). */
export const STARTUP_FLAGS = { rounds: "15", compare: "" };

/** ms from spawn to the first stdout line (then SIGKILL), or to exit 1 for a refusal. */
function timeToHandshake(launcher: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(launcher, [], { env, stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    let done = false;
    p.stdout.on("data", (d) => {
      out += d;
      if (done || !out.includes("\n")) return;
      done = true;
      const ms = performance.now() - t0;
      const socket = /^1\|6\|unix\|([^|]+)\|/.exec(out)?.[1];
      p.on("exit", () => {
        if (socket) rmSync(socket, { force: true });
        resolve(ms);
      });
      p.kill("SIGKILL");
    });
    p.on("exit", (code) => {
      if (done) return;
      done = true;
      if (code === 1) resolve(performance.now() - t0);
      else reject(new Error(`${launcher} exited ${code} before its handshake`));
    });
  });
}

export async function runProviderStartup(args: string[] = process.argv.slice(2)): Promise<void> {
  const flag = readFlags(STARTUP_FLAGS, args, "bench:startup");
  const rounds = Number(flag.rounds);
  await buildProvider("js");
  const launchers: Record<string, string> = { mirror: LAUNCHER, ...(flag.compare ? { compare: flag.compare } : {}) };
  const terraform = generateServerCert({ clientAuth: true }); // plays Terraform's client certificate
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, PLUGIN_PROTOCOL_VERSIONS: "5,6" };
  const envs: Record<string, NodeJS.ProcessEnv> = {
    mTLS: { ...base, [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, PLUGIN_CLIENT_CERT: terraform.certPem },
    plaintext: { ...base, [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE, TF_DISABLE_PLUGIN_TLS: "1" },
    "refusal (no cookie)": base,
  };
  const samples: Record<string, number[]> = {};
  console.log(
    `provider start-up: ${rounds} rounds (+1 warm-up), ${Object.keys(launchers).join(" vs ")}; load before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  for (let i = 0; i <= rounds; i++) {
    for (const [name, launcher] of Object.entries(launchers)) {
      for (const [variant, env] of Object.entries(envs)) {
        const ms = await timeToHandshake(launcher, env);
        if (i > 0) (samples[`${name}: ${variant}`] ??= []).push(ms);
      }
    }
  }
  printTable(
    ["launcher: variant", "ms to handshake, median (min–max)"],
    Object.entries(samples).map(([k, v]) => [k, medRange(v, 0)]),
  );
  console.log(
    `load after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runProviderStartup().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
