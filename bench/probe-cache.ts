/**
 * npx tsx bench/probe-cache.ts [--rounds 2]
 *
 * What the on-disk probe cache (src/preflight/probe-disk-cache.ts) saves on a real
 * `terraform apply` of a host change: Terraform plans in one provider process and applies in
 * another, and the apply plans again — so without the cache the throw-away probe move runs twice
 * per move. Alternates moves a→b / b→a of one idle lab guest, cache off (TTL 0) then on (a fresh
 * cache directory per move, so the plan-time probe always runs and only the apply-time re-plan
 * can reuse it). Counts the probes that really ran from the provider's INFO log. Prints figures;
 * asserts nothing. Takes the lab lock per move.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consolePathInHost, guestImages, removeGuest } from "../src/lab/guests.js";
import { guestCmdline } from "../src/lab/guest/console.js";
import { hostUri, migrationUri } from "../src/lab/lab.js";
import { labHostTarget } from "../src/lab/targets.js";
import { TerraformDir } from "../scripts/terraform-dir.js";
import { readFlags } from "./flags.js";
import { withLabLock } from "./lab-lock.js";

const NAME = "bench-probe-cache";
const rounds = Number(readFlags({ rounds: "2" }, process.argv.slice(2), "bench/probe-cache.ts").rounds);

async function config(host: "a" | "b") {
  const img = await guestImages();
  const h = (n: "a" | "b") => ({ name: n, uri: hostUri(n), migration_uri: migrationUri(n), shell: [...labHostTarget(n).shell!] });
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: { livevirt: { host: [h("a"), h("b")] } },
    resource: {
      livevirt_vm: {
        vm: {
          name: NAME,
          host,
          memory_mib: 256,
          domain_type: "qemu",
          kernel: img.kernel,
          initrd: img.initrd,
          cmdline: guestCmdline({ memMib: 16, rateMibPerS: 0, heartbeatMs: 1000 }),
          console_log: consolePathInHost(NAME),
          migration: [{}],
        },
      },
    },
  };
}

/** Probe moves that ran vs. verdicts reused, from the provider's INFO log of one command. */
function probesIn(log: string): { ran: number; reused: number } {
  const ran = new Set(log.match(/livevirt-probe-[0-9a-f]{8} moved in/g) ?? []);
  const reused = (log.match(/reused: passed \d+ s ago/g) ?? []).length;
  // A reused verdict carries the name of the probe that ran at plan time: counted once, as run.
  return { ran: ran.size, reused };
}

async function main(): Promise<void> {
  const tf = await TerraformDir.create();
  const logFile = join(tf.dir, "tf.log");
  tf.env.TF_LOG_PROVIDER = "INFO";
  tf.env.TF_LOG_PATH = logFile;
  let host: "a" | "b" = "a";
  const rows: { cache: string; move: string; ms: number; ran: number; reused: number }[] = [];
  try {
    await withLabLock("create", async () => {
      for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
      tf.writeConfig(await config(host));
      await tf.run(["init", "-input=false", "-no-color"]);
      await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
    });
    for (let r = 0; r < rounds; r++) {
      // Swapped every round: with a fixed order, "off" would always be a→b and "on" always b→a.
      for (const cache of r % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const)) {
        const to: "a" | "b" = host === "a" ? "b" : "a";
        const dir = mkdtempSync(join(tmpdir(), "livevirt-bench-cache-"));
        tf.env.LIVEVIRT_CACHE_DIR = dir;
        tf.env.LIVEVIRT_PROBE_CACHE_TTL_S = cache === "off" ? "0" : undefined;
        rmSync(logFile, { force: true });
        tf.writeConfig(await config(to));
        const ms = await withLabLock(`move ${host}→${to}`, async () => {
          const t0 = Date.now();
          await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"]);
          return Date.now() - t0;
        });
        const p = probesIn(readFileSync(logFile, "utf8"));
        rows.push({ cache, move: `${host}→${to}`, ms, ...p });
        console.log(
          `cache ${cache.padEnd(3)} ${host}→${to}: terraform apply ${(ms / 1000).toFixed(1)} s, probe moves run ${p.ran}, verdicts reused ${p.reused}`,
        );
        rmSync(dir, { recursive: true, force: true });
        host = to;
      }
    }
  } finally {
    await withLabLock("destroy", async () => {
      await tf.run(["destroy", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
      for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
    });
    tf.remove();
  }
  for (const cache of ["off", "on"]) {
    const ms = rows.filter((r) => r.cache === cache).map((r) => r.ms);
    console.log(
      `cache ${cache}: mean ${(ms.reduce((a, b) => a + b, 0) / ms.length / 1000).toFixed(1)} s over ${ms.length} moves ` +
        `(${ms.map((m) => (m / 1000).toFixed(1)).join(", ")})`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
