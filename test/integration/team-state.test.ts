/**
 * Issue 6 — team state. Two team members, each with their own working copy of the same cdktf app
 * (two idle lab guests), share one Terraform `pg` backend on a real PostgreSQL started here, and
 * both type `npx cdktf deploy --auto-approve` at the same moment:
 *
 *   - exactly one deploys; the other is refused by Terraform's state lock ("Error acquiring the
 *     state lock"), exits non-zero and changes nothing;
 *   - afterwards the state in PostgreSQL is whole (one `default` state naming both VMs), both
 *     working copies read the same state, libvirt on the hosts agrees with it, and no advisory
 *     lock (the pg backend's state lock) is left behind;
 *   - the loser's rerun converges with no changes; the connection password is never printed
 *     nor written into either working copy.
 *
 * Determinism: which member wins is up to the race, but *that* the loser meets the lock must not
 * depend on how fast each side runs (synth alone takes 5–15 s here and varies). So as soon as one
 * member's Terraform holds the lock (seen in pg_locks, named by the application_name each member
 * puts in their connection string), the test pauses that Terraform process (SIGSTOP) until the
 * other member's deploy has exited, then resumes it — a long apply, as a real multi-minute move
 * would be. Only the Terraform process is paused: its provider and virsh children keep serving
 * libvirt (a paused virsh would miss libvirtd's keepalive and be disconnected).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProvider } from "../../scripts/build-provider.js";
import { removeGuest } from "../../src/lab/guests.js";
import { connect } from "../../src/lab/lab.js";
import { HOST_NAMES, type HostName } from "../../src/lab/paths.js";
import { PostgresServer, type PgRole } from "../../src/lab/postgres.js";
import { requireLab } from "./lab-setup.js";
import { descendants } from "./support/process-tree.js";

const ROOT = join(import.meta.dirname, "../..");
const STACK = "team-state";
const DATABASE = "tfstate";
const VMS: ReadonlyArray<{ name: string; host: HostName }> = [
  { name: "team-a", host: "a" },
  { name: "team-b", host: "b" },
];
const MEMBERS = ["alice", "bob"] as const;
type Member = (typeof MEMBERS)[number];

/** The advisory locks granted right now and who holds them (pg backend = Terraform's state lock). */
const ADVISORY_LOCKS =
  "SELECT a.application_name AS member, a.pid, l.classid, l.objid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid " +
  "WHERE l.locktype = 'advisory' AND l.granted";

let pg: PostgresServer | undefined;
let role: PgRole;
const copies = {} as Record<Member, string>;
const figures: string[] = [];
/** Everything any command of the members printed: checked for the password at the end. */
const printed: string[] = [];
/** Processes to resume and end in afterAll should a test time out while a Terraform is paused. */
const pausedPids: number[] = [];
const started: Array<ReturnType<typeof execa>> = [];

/** A team member's app: the livevirt constructs, a pg backend from the environment, two idle lab guests. */
function appSource(): string {
  const vms = VMS.map((v) => `  ["${v.name}", "${v.host}"],`).join("\n");
  return `import { TerraformStack } from "cdktf";
import { LivevirtApp, LivevirtHosts, PgStateBackend, VmPlacement } from "${ROOT}/modules/index.js";
import { LAB_GUEST, LAB_HOSTS } from "${ROOT}/stacks/lab.js";
import { guestCmdline } from "${ROOT}/src/lab/guest/console.js";

const app = new LivevirtApp();
const stack = new TerraformStack(app, "${STACK}");
new PgStateBackend(stack); // connection: PG_CONN_STR + PGPASSWORD
const hosts = new LivevirtHosts(stack, "hosts", { hosts: LAB_HOSTS });
for (const [name, host] of [
${vms}
]) {
  new VmPlacement(stack, name, {
    host, memoryMib: 160, vcpus: 1, domainType: "qemu", hosts,
    boot: { ...LAB_GUEST, cmdline: guestCmdline({ memMib: 16, rateMibPerS: 0 }) },
    consoleLog: \`/var/log/libvirt/qemu/\${name}.console\`,
  });
}
app.synth();
`;
}

/** What a member's shell has: the user's environment minus test knobs, plus their backend settings. */
function memberEnv(member: Member): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(TF_|LIVEVIRT_|CDKTF_|PG)/.test(k) || k === "CI") continue;
    env[k] = v;
  }
  return {
    ...env,
    CHECKPOINT_DISABLE: "1",
    DISABLE_VERSION_CHECK: "true",
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: "true",
    // application_name lets the test (and a DBA) see whose Terraform holds the lock.
    PG_CONN_STR: pg!.connStr(DATABASE, role.name, { application_name: member }),
    PGPASSWORD: role.password,
  };
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes (ESC [ … m) are what it removes
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

function cdktf(member: Member, args: string[]): ResultPromise<{ all: true; reject: false; extendEnv: false }> {
  const p = execa("npx", ["cdktf", ...args], { cwd: copies[member], env: memberEnv(member), extendEnv: false, reject: false, all: true });
  void p.then((r) => printed.push(String(r.all ?? "")));
  started.push(p);
  return p;
}

async function run(member: Member, label: string, file: string, args: string[], cwd: string) {
  const started = Date.now();
  const r = await execa(file, args, { cwd, env: memberEnv(member), extendEnv: false, reject: false, all: true });
  const ms = Date.now() - started;
  figures.push(`${member}: ${label}: ${ms} ms (exit ${r.exitCode})`);
  printed.push(String(r.all ?? ""));
  return { exitCode: r.exitCode, out: strip(String(r.all ?? "")), ms };
}

/** Sends a signal to a process that may have exited meanwhile. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

const stackDir = (m: Member) => join(copies[m], "cdktf.out/stacks", STACK);

interface LockRow {
  member: string;
  pid: number;
}

interface StateFile {
  serial: number;
  lineage: string;
  resources: Array<{ type: string; name: string; instances: Array<{ attributes: Record<string, unknown> }> }>;
}

async function statesInDb(): Promise<Array<{ name: string; data: string }>> {
  return pg!.query<{ name: string; data: string }>("SELECT name, data FROM terraform_remote_state.states ORDER BY name", DATABASE);
}

/** Every regular file under dir (symlinks not followed: node_modules and the mirror are shared). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => statSync(f).size < 50_000_000);
}

beforeAll(async () => {
  await requireLab();
  for (const v of VMS) for (const h of HOST_NAMES) await removeGuest(h, v.name); // an earlier failed run's leftovers
  await buildProvider("js"); // the mirror the members' LivevirtApp locks and Terraform installs from
  const t = Date.now();
  pg = await PostgresServer.start({ log: (m) => process.stdout.write(`[team-state] ${m}\n`) });
  figures.push(`PostgreSQL initdb + start: ${Date.now() - t} ms`);
  // One role owns the database: the pg backend creates its schema, table and a sequence in
  // `public` on first use, and PostgreSQL 15 lets only the database owner create in `public`.
  role = await pg.createRole("terraform");
  await pg.createDatabase(DATABASE, role.name);
  for (const m of MEMBERS) {
    copies[m] = mkdtempSync(join(tmpdir(), `livevirt-team-${m}-`));
    writeFileSync(join(copies[m], "package.json"), `${JSON.stringify({ name: `infra-${m}`, private: true, type: "module" }, null, 2)}\n`);
    const cdktf = {
      language: "typescript",
      app: "npx tsx main.ts",
      projectId: "livevirt-team-state",
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: {},
    };
    writeFileSync(join(copies[m], "cdktf.json"), `${JSON.stringify(cdktf, null, 2)}\n`);
    writeFileSync(join(copies[m], "main.ts"), appSource());
    symlinkSync(join(ROOT, "node_modules"), join(copies[m], "node_modules"), "dir");
  }
  // The team's backend is in use already: its first `terraform init` created the pg backend's
  // schema, table and sequence. Two *first* inits at the same moment can collide in PostgreSQL's
  // catalog (CREATE … IF NOT EXISTS is not safe against a concurrent create: 11 of 30 paired inits
  // failed with "duplicate key value violates unique constraint", measured; docs/team-state.md).
  const seed = mkdtempSync(join(tmpdir(), "livevirt-team-seed-"));
  try {
    writeFileSync(join(seed, "main.tf.json"), JSON.stringify({ terraform: { backend: { pg: {} } } }));
    const init = await run("alice", "terraform init (the backend's first use)", "terraform", ["init", "-input=false", "-no-color"], seed);
    if (init.exitCode !== 0) throw new Error(`terraform init of the pg backend failed:\n${init.out}`);
  } finally {
    rmSync(seed, { recursive: true, force: true });
  }
}, 120_000);

afterAll(async () => {
  process.stdout.write(`[team-state] figures:\n  ${figures.join("\n  ")}\n`);
  for (const pid of pausedPids) signal(pid, "SIGCONT");
  for (const p of started) if (p.exitCode === null) p.kill("SIGTERM");
  await Promise.allSettled(started);
  try {
    for (const v of VMS) for (const h of HOST_NAMES) await removeGuest(h, v.name);
  } finally {
    await pg?.stop();
    for (const m of MEMBERS) if (copies[m]) rmSync(copies[m], { recursive: true, force: true });
  }
}, 120_000);

describe("two team members deploy at the same moment against one pg backend", () => {
  const results = {} as Record<Member, { exitCode: number | undefined; out: string; ms: number }>;
  let winner: Member;
  let loser: Member;

  it("one deploys; the other is refused by the state lock and exits non-zero", async () => {
    const started = Date.now();
    const deploys = Object.fromEntries(MEMBERS.map((m) => [m, cdktf(m, ["deploy", "--auto-approve"])])) as Record<Member, ReturnType<typeof cdktf>>;
    const exited = new Set<Member>();
    for (const m of MEMBERS) void deploys[m].then(() => exited.add(m));

    // Whoever takes the state lock first is the winner; poll pg_locks until one member holds it.
    let holder: Member | undefined;
    while (holder === undefined && exited.size < MEMBERS.length) {
      const members = new Set((await pg!.query<LockRow>(ADVISORY_LOCKS, DATABASE)).map((r) => r.member));
      // Two holders at once is the loser's failed attempt (it takes and drops the creation lock): look again.
      if (members.size === 1) holder = [...members][0] as Member;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (holder === undefined) {
      const outs = await Promise.all(
        MEMBERS.map(async (m) => `${m} (exit ${(await deploys[m]).exitCode}):\n${strip(String((await deploys[m]).all)).slice(-3000)}`),
      );
      throw new Error(`neither member was ever seen holding the state lock:\n${outs.join("\n")}`);
    }
    winner = holder;
    loser = MEMBERS.find((m) => m !== winner)!;
    figures.push(`lock taken by ${winner} after ${Date.now() - started} ms`);

    const paused = descendants(deploys[winner].pid!).filter((p) => p.comm === "terraform");
    expect(paused.length, `${winner}'s Terraform process`).toBeGreaterThan(0);
    for (const p of paused) {
      pausedPids.push(p.pid);
      process.kill(p.pid, "SIGSTOP");
    }
    try {
      const still = await pg!.query<LockRow>(ADVISORY_LOCKS, DATABASE);
      expect(
        still.map((r) => r.member),
        "the winner still holds the lock while paused",
      ).toContain(winner);
      const l = await deploys[loser];
      results[loser] = { exitCode: l.exitCode, out: strip(String(l.all)), ms: Date.now() - started };
    } finally {
      for (const p of paused) signal(p.pid, "SIGCONT");
    }
    const w = await deploys[winner];
    results[winner] = { exitCode: w.exitCode, out: strip(String(w.all)), ms: Date.now() - started };
    figures.push(
      `${winner} (winner) deploy: ${results[winner].ms} ms, exit ${w.exitCode}`,
      `${loser} (loser) deploy: ${results[loser].ms} ms, exit ${results[loser].exitCode}`,
    );

    expect(results[winner].exitCode, results[winner].out.slice(-3000)).toBe(0);
    expect(results[winner].out).toContain("Apply complete! Resources: 2 added, 0 changed, 0 destroyed.");

    figures.push(`${loser}'s refusal: ${/Error message: ([^\n│]*)/.exec(results[loser].out)?.[1]?.trim() ?? "(no Error message line)"}`);
    expect(results[loser].exitCode).not.toBe(0);
    expect(results[loser].out).toContain("Error acquiring the state lock");
    // The pg backend's own reason: the row's lock, or the creation lock while the state row is new.
    expect(results[loser].out).toMatch(/Workspace is already locked: default|[Aa]lready locked for workspace creation: default/);
    expect(results[loser].out).not.toMatch(/Apply complete|Creating\.\.\./);
  }, 240_000);

  it("the state in PostgreSQL is whole, both members read it, libvirt agrees, and no lock is left", async () => {
    expect(await pg!.query<LockRow>(ADVISORY_LOCKS, DATABASE)).toEqual([]);
    const sessions = await pg!.query<{ application_name: string }>("SELECT application_name FROM pg_stat_activity WHERE datname = 'tfstate'");
    expect(sessions.map((s) => s.application_name).filter((n) => (MEMBERS as readonly string[]).includes(n))).toEqual([]);

    const rows = await statesInDb();
    expect(rows.map((r) => r.name)).toEqual(["default"]);
    const state = JSON.parse(rows[0]!.data) as StateFile;
    const vms = state.resources.filter((r) => r.type === "livevirt_vm");
    expect(vms.map((r) => r.name).sort()).toEqual(VMS.map((v) => v.name).sort());
    figures.push(`state in pg: serial ${state.serial}, ${rows[0]!.data.length} bytes`);

    for (const v of VMS) {
      const attrs = vms.find((r) => r.name === v.name)!.instances[0]!.attributes;
      expect(attrs).toMatchObject({ name: v.name, host: v.host, state: "running" });
      const c = connect(v.host);
      expect((await c.domainState(v.name)).state).toBe("running");
      expect(await c.domainUuid(v.name)).toBe(attrs.id);
      const other = connect(HOST_NAMES.find((h) => h !== v.host)!);
      expect((await other.listDomains({ all: true })).map((d) => d.name)).not.toContain(v.name);
    }

    // Each member's Terraform (initialised by their own deploy) lists the same resources.
    for (const m of MEMBERS) {
      const list = await run(m, "terraform state list", "terraform", ["state", "list"], stackDir(m));
      expect(list.exitCode, list.out).toBe(0);
      expect(list.out.trim().split("\n").sort()).toEqual(VMS.map((v) => `livevirt_vm.${v.name}`).sort());
    }
    expect(await pg!.query<LockRow>(ADVISORY_LOCKS, DATABASE)).toEqual([]);
  }, 120_000);

  it("the loser's rerun converges with no changes, and keeps the VMs they are", async () => {
    const before = await Promise.all(VMS.map((v) => connect(v.host).domainUuid(v.name)));
    const serial = (JSON.parse((await statesInDb())[0]!.data) as StateFile).serial;
    const started = Date.now();
    const r = await cdktf(loser, ["deploy", "--auto-approve"]);
    const out = strip(String(r.all));
    figures.push(`${loser} rerun deploy: ${Date.now() - started} ms, exit ${r.exitCode}`);
    expect(r.exitCode, out.slice(-3000)).toBe(0);
    expect(out).toContain("No changes. Your infrastructure matches the configuration.");
    expect(await Promise.all(VMS.map((v) => connect(v.host).domainUuid(v.name)))).toEqual(before);
    for (const v of VMS) expect((await connect(v.host).domainState(v.name)).state).toBe("running");
    // No changes: the state row was not rewritten with a new serial.
    expect((JSON.parse((await statesInDb())[0]!.data) as StateFile).serial).toBe(serial);
    expect(await pg!.query<LockRow>(ADVISORY_LOCKS, DATABASE)).toEqual([]);
  }, 180_000);

  it("the password was never printed nor written into either working copy", () => {
    expect(printed.length).toBeGreaterThanOrEqual(6);
    expect(printed.filter((text) => text.includes(role.password))).toEqual([]);
    for (const m of MEMBERS) {
      const leaks = filesUnder(copies[m]).filter((f) => readFileSync(f).includes(role.password));
      expect(leaks, `${m}'s files holding the password`).toEqual([]);
    }
    // The backend block itself carries no connection string: Terraform read PG_CONN_STR.
    const tf = JSON.parse(readFileSync(join(stackDir(winner), "cdk.tf.json"), "utf8")) as { terraform: { backend: unknown } };
    expect(tf.terraform.backend).toEqual({ pg: {} });
  });

  it("cdktf destroy from the winner's copy removes both VMs and empties the shared state", async () => {
    const r = await run(winner, "npx cdktf destroy", "npx", ["cdktf", "destroy", "--auto-approve"], copies[winner]);
    expect(r.exitCode, r.out.slice(-3000)).toBe(0);
    for (const h of HOST_NAMES) {
      const names = (await connect(h).listDomains({ all: true })).map((d) => d.name);
      for (const v of VMS) expect(names).not.toContain(v.name);
    }
    const state = JSON.parse((await statesInDb())[0]!.data) as StateFile;
    expect(state.resources.filter((x) => x.type === "livevirt_vm")).toEqual([]);
    expect(await pg!.query<LockRow>(ADVISORY_LOCKS, DATABASE)).toEqual([]);
  }, 180_000);
});
