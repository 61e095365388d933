/**
 * Benchmark 4, refresh part — `terraform plan` of N running VMs on the lab's two hosts WITH refresh
 * against the same plan `-refresh=false`, for this tree's provider and (A/B, same VMs, same run)
 * the provider built from another git ref (`--refresh-compare REF`, e.g. the commit before the shared listing).
 *
 * The VMs are the cheapest honest running domains: 16 MiB, no disk, no kernel (SeaBIOS finds
 * nothing to boot and idles), created by `terraform apply` through this tree's provider, half on
 * each host; every one is removed in `finally`. Each plan runs with `-detailed-exitcode` and must
 * find no change (both providers refresh all N VMs to what the state says). The virsh processes a
 * plan starts are counted by a counting `virsh` put first on Terraform's PATH (it appends one line
 * per process and execs the real virsh): the same count for any provider code.
 * Holds the lab lock exclusively for the whole measurement (N guests would disturb other tests).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, copyFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { TerraformDir } from "../scripts/terraform-dir.js";
import { ROOT } from "../scripts/build-provider.js";
import { withLabLock } from "./lab-lock.js";
import { fmtNum, median, medRange } from "./stats.js";
import { mdTable, printTable } from "./report.js";

export const PREFIX = "rfr-bench-";

export interface RefreshCostRow {
  /** "this tree" or the compared ref with its commit. */
  provider: string;
  refresh: number[];
  noRefresh: number[];
  /** virsh processes per plan. */
  virshRefresh: number[];
  virshNoRefresh: number[];
}

export interface RefreshCostResult {
  n: number;
  rounds: number;
  createS: number;
  rows: RefreshCostRow[];
}

export function refreshConfig(n: number, labHosts: { name: string; uri: string; migration_uri: string; shell: string[] }[]): unknown {
  return {
    terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
    provider: { livevirt: { host: labHosts } },
    resource: {
      livevirt_vm: {
        vm: { count: n, name: `${PREFIX}\${count.index}`, host: '${count.index % 2 == 0 ? "a" : "b"}', memory_mib: 16, domain_type: "qemu" },
      },
    },
  };
}

/** The provider of git ref `ref`, built in a throw-away copy of that tree (this tree's node_modules); its CLI config. */
async function buildProviderAt(ref: string): Promise<{ cliConfig: string; label: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "livevirt-ref-"));
  const commit = (await execa("git", ["-C", ROOT, "rev-parse", "--short", ref])).stdout.trim();
  await execa("sh", ["-c", 'git -C "$1" archive "$2" | tar -x -C "$3"', "sh", ROOT, commit, dir]);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  await execa("npx", ["tsx", "scripts/build-provider.ts"], { cwd: dir });
  return { cliConfig: join(dir, ".mirror", "terraformrc"), label: commit === ref ? ref : `${ref} (${commit})`, dir };
}

/** A `virsh` that counts: one line per process into $LIVEVIRT_BENCH_VIRSH_LOG, then the real virsh. */
async function countingVirsh(): Promise<string> {
  const real = (await execa("sh", ["-c", "command -v virsh"])).stdout.trim();
  const dir = mkdtempSync(join(tmpdir(), "livevirt-virsh-count-"));
  const script = `#!/bin/sh\n[ -n "$LIVEVIRT_BENCH_VIRSH_LOG" ] && echo x >> "$LIVEVIRT_BENCH_VIRSH_LOG"\nexec ${real} "$@"\n`;
  writeFileSync(join(dir, "virsh"), script, { mode: 0o755 });
  return dir;
}

async function timedPlan(tf: TerraformDir, refresh: boolean): Promise<{ s: number; virsh: number }> {
  const log = join(tf.dir, "virsh-count.log");
  rmSync(log, { force: true });
  tf.env.LIVEVIRT_BENCH_VIRSH_LOG = log;
  const t0 = performance.now();
  // No change expected: exit 0 (2 would mean the refresh saw something else than the state).
  await tf.run(["plan", "-input=false", "-no-color", "-lock=false", "-detailed-exitcode", "-out=x", ...(refresh ? [] : ["-refresh=false"])], [0]);
  const s = (performance.now() - t0) / 1000;
  delete tf.env.LIVEVIRT_BENCH_VIRSH_LOG;
  const virsh = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0;
  return { s, virsh };
}

/** Removes every rfr-bench- domain from both hosts (a safety net after `terraform destroy`). */
async function removeBenchDomains(): Promise<number> {
  const { connect } = await import("../src/lab/lab.js");
  const { removeGuest } = await import("../src/lab/guests.js");
  let removed = 0;
  for (const h of ["a", "b"] as const) {
    const left = (await connect(h).listDomains({ all: true })).filter((d) => d.name.startsWith(PREFIX));
    for (const d of left) await removeGuest(h, d.name);
    removed += left.length;
  }
  return removed;
}

export async function runRefreshCost(opts: { n: number; rounds: number; compare: string }): Promise<RefreshCostResult> {
  const base = opts.compare ? await buildProviderAt(opts.compare) : null;
  const shim = await countingVirsh();
  try {
    return await withLabLock(`refresh of ${opts.n} VMs`, async () => {
      const { labStatus, hostUri, migrationUri } = await import("../src/lab/lab.js");
      const { labHostTarget } = await import("../src/lab/targets.js");
      const s = await labStatus();
      if (!s.up) throw new Error("the lab is not up: the refresh benchmark needs it. Fix: bring it up (npm run lab:up), then run the benchmark again");
      const labHosts = (["a", "b"] as const).map((h) => ({ name: h, uri: hostUri(h), migration_uri: migrationUri(h), shell: [...labHostTarget(h).shell!] }));
      const config = refreshConfig(opts.n, labHosts);
      const cur = await TerraformDir.create();
      const other = base ? new TerraformDir() : null;
      if (other && base) other.env.TF_CLI_CONFIG_FILE = base.cliConfig;
      const dirs = [{ label: "this tree", tf: cur }, ...(other && base ? [{ label: base.label, tf: other }] : [])];
      for (const d of dirs) d.tf.env.PATH = `${shim}:${process.env.PATH ?? ""}`;
      try {
        const stale = await removeBenchDomains();
        if (stale) console.log(`  removed ${stale} ${PREFIX}* domains of an earlier run`);
        for (const d of dirs) {
          d.tf.writeConfig(config);
          await d.tf.run(["init", "-input=false", "-no-color"]);
        }
        const t0 = performance.now();
        await cur.run(["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=10"]);
        const createS = (performance.now() - t0) / 1000;
        console.log(`  ${opts.n} VMs created and running in ${fmtNum(createS, 0)} s`);
        if (other) copyFileSync(join(cur.dir, "terraform.tfstate"), join(other.dir, "terraform.tfstate"));
        const rows: RefreshCostRow[] = dirs.map((d) => ({ provider: d.label, refresh: [], noRefresh: [], virshRefresh: [], virshNoRefresh: [] }));
        // one untimed warm-up of each
        for (const d of dirs) await timedPlan(d.tf, true);
        for (let r = 0; r < opts.rounds; r++) {
          const order = r % 2 === 0 ? dirs.map((_, i) => i) : dirs.map((_, i) => i).reverse();
          for (const i of order) {
            for (const refresh of r % 2 === 0 ? [true, false] : [false, true]) {
              const m = await timedPlan(dirs[i]!.tf, refresh);
              const row = rows[i]!;
              (refresh ? row.refresh : row.noRefresh).push(m.s);
              (refresh ? row.virshRefresh : row.virshNoRefresh).push(m.virsh);
              const what = refresh ? "with refresh" : "-refresh=false";
              console.log(`  round ${r + 1}/${opts.rounds} ${row.provider}: plan ${what} ${fmtNum(m.s)} s, ${m.virsh} virsh`);
            }
          }
        }
        return { n: opts.n, rounds: opts.rounds, createS, rows };
      } finally {
        await cur.run(["destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=10"], [0, 1]).catch((e: unknown) => console.error(e));
        const left = await removeBenchDomains();
        if (left) console.log(`  removed ${left} ${PREFIX}* domains terraform destroy left`);
        cur.remove();
        other?.remove();
      }
    });
  } finally {
    rmSync(shim, { recursive: true, force: true });
    if (base) rmSync(base.dir, { recursive: true, force: true });
  }
}

/** The report section (Markdown) and its terminal table. */
export function refreshSection(res: RefreshCostResult): string {
  const header = ["provider", "plan with refresh, s median (min–max)", "plan -refresh=false, s", "refresh costs, s (medians)", "virsh processes per refresh"];
  const table = res.rows.map((r) => [
    r.provider,
    medRange(r.refresh),
    medRange(r.noRefresh),
    fmtNum(median(r.refresh) - median(r.noRefresh)),
    `${median(r.virshRefresh)} (-refresh=false: ${median(r.virshNoRefresh)})`,
  ]);
  printTable(header, table);
  const ab =
    res.rows.length > 1
      ? "Both providers plan the same VMs from the same state, alternated per round (order flipped every round) after one untimed warm-up each; "
      : "";
  return `## Refresh of ${res.n} running VMs on the lab's 2 hosts

\`terraform plan -detailed-exitcode\` of ${res.n} running \`livevirt_vm\` (16 MiB, no disk, no kernel: TCG guests
that only idle; half on host a, half on host b, created by \`terraform apply\` in ${fmtNum(res.createS, 0)} s) **with
refresh** against the same plan \`-refresh=false\`; each plan must find no change. ${ab}${res.rounds} timed rounds.
virsh processes counted by a counting \`virsh\` first on Terraform's PATH (one line per process, then the
real virsh): every process any provider code starts. The lab hosts are local
sockets (\`qemu+unix\`): over \`qemu+ssh\` each virsh process is also an SSH connection.

${mdTable(header, table)}

${reading(res)}

Raw timings (s) and virsh counts:

${mdTable(
  ["provider", "with refresh", "-refresh=false", "virsh with refresh"],
  res.rows.map((r) => [r.provider, r.refresh.map((x) => x.toFixed(2)).join(", "), r.noRefresh.map((x) => x.toFixed(2)).join(", "), r.virshRefresh.join(", ")]),
)}
`;
}

function reading(res: RefreshCostResult): string {
  const cost = (r: RefreshCostRow) =>
    `${fmtNum(median(r.refresh) - median(r.noRefresh))} s over its -refresh=false plan and ${median(r.virshRefresh)} virsh processes ` +
    `(${fmtNum(median(r.virshRefresh) / res.n, 2)} per VM)`;
  const [mine, ...others] = res.rows;
  if (!mine) return "";
  return (
    `Reading: the refresh of ${res.n} VMs costs ${mine.provider} ${cost(mine)}` +
    others.map((o) => `; ${o.provider} ${cost(o)}`).join("") +
    ". The -refresh=false plans run the same code in every directory: their spread is the machine, which also runs the " +
    `${res.n} TCG guests on its ${cpus().length} cores — compare each row's own difference, not plans across rows.`
  );
}
