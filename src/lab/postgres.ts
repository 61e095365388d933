/**
 * A throw-away PostgreSQL server for tests that need a real one (Terraform's `pg` state backend).
 *
 * Debian's server binaries (/usr/lib/postgresql/<major>/bin), installed when missing; a fresh
 * cluster (initdb) in a temporary directory owned by the `postgres` user, because initdb and the
 * server refuse to run as root; TCP on 127.0.0.1 at a free port with password (SCRAM) logins, plus
 * a Unix socket inside the cluster directory through which this module administers it as the
 * `postgres` superuser (`trust` on that socket: the directory is 0700 postgres, so only root and
 * postgres can reach it). Nothing of the machine's own clusters (/etc/postgresql, port 5432) is
 * used or touched, and no systemd is needed: the server runs as a child of this process.
 *
 * argv only (execa), never a shell of ours; SQL goes to psql on stdin, so passwords never appear
 * in a command line.
 */
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { LabError } from "../errors.js";
import { ensureDebianPackages } from "./packages.js";

const PG_LIB = "/usr/lib/postgresql";
/** What Debian 12's `postgresql` package brings (it depends on postgresql-15): the install probe. */
const DEBIAN_DEFAULT_INITDB = "/usr/lib/postgresql/15/bin/initdb";
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PgRole {
  readonly name: string;
  /** Generated; for PGPASSWORD. Never put it in a connection string that gets written or printed. */
  readonly password: string;
}

export interface StartOptions {
  log?: (message: string) => void;
}

/** The newest installed server's bin directory (the one with initdb, postgres, pg_isready and psql), if any. */
export function findServerBin(libDir = PG_LIB): string | undefined {
  if (!existsSync(libDir)) return undefined;
  const majors = readdirSync(libDir)
    .filter((v) => /^\d+$/.test(v) && ["initdb", "postgres", "pg_isready", "psql"].every((b) => existsSync(join(libDir, v, "bin", b))))
    .sort((x, y) => Number(x) - Number(y));
  const newest = majors.at(-1);
  return newest === undefined ? undefined : join(libDir, newest, "bin");
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all(["-u", "-g"].map((flag) => execa("id", [flag, "postgres"], { reject: false })));
  const uid = Number(u?.stdout);
  const gid = Number(g?.stdout);
  if (u?.exitCode !== 0 || g?.exitCode !== 0 || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new LabError("there is no `postgres` system user to run a PostgreSQL server as", {
      fix: "reinstall Debian's postgresql-common (it creates the user): apt-get install --reinstall postgresql-common",
    });
  }
  return { uid, gid };
}

/** A port nobody listens on right now (the kernel's pick); the server binds it a moment later. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A single-quoted SQL literal. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new LabError(`invalid PostgreSQL ${what} name ${JSON.stringify(name)}`, { fix: "use lower-case letters, digits and _" });
  return name;
}

export class PostgresServer {
  readonly host = "127.0.0.1";
  private child: ResultPromise | undefined;

  private constructor(
    readonly port: number,
    /** Temporary directory holding the cluster (data/), its socket and its log. */
    readonly dir: string,
    private readonly bin: string,
    private readonly ids: { uid: number; gid: number },
  ) {}

  get dataDir(): string {
    return join(this.dir, "data");
  }
  get logFile(): string {
    return join(this.dir, "server.log");
  }

  /** initdb + server start in a new temporary directory. Call stop() when done (it removes everything). */
  static async start(opts: StartOptions = {}): Promise<PostgresServer> {
    const log = opts.log ?? (() => {});
    if (!findServerBin()) await ensureDebianPackages(["postgresql"], DEBIAN_DEFAULT_INITDB, log);
    const bin = findServerBin();
    if (!bin) {
      throw new LabError(`no PostgreSQL server under ${PG_LIB}/*/bin after installing Debian's postgresql`, {
        fix: "apt-get install postgresql",
      });
    }
    const ids = await postgresIds();
    const dir = mkdtempSync(join(tmpdir(), "livevirt-pg-"));
    chownSync(dir, ids.uid, ids.gid);
    const server = new PostgresServer(await freePort(), dir, bin, ids);
    try {
      await server.initdb();
      await server.run();
    } catch (e) {
      await server.stop();
      throw e;
    }
    log(`PostgreSQL ${bin.split("/").at(-2)} on ${server.host}:${server.port} (cluster in ${dir})`);
    return server;
  }

  private async asPostgres(cmd: string, args: readonly string[], input?: string) {
    // A clean environment (no PG* of the caller's); HOME and cwd in the cluster dir: psql looks
    // there (history, .psqlrc), and root's are not readable to postgres.
    return execa(join(this.bin, cmd), args, {
      uid: this.ids.uid,
      gid: this.ids.gid,
      cwd: this.dir,
      env: { LC_ALL: "C", HOME: this.dir },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
      ...(input === undefined ? { stdin: "ignore" as const } : { input }),
    });
  }

  private async initdb(): Promise<void> {
    // The password file is not needed: the superuser logs in over the socket only (trust), and
    // every TCP login (roles made by createRole) needs its SCRAM password.
    const r = await this.asPostgres("initdb", [
      "-D",
      this.dataDir,
      "-U",
      "postgres",
      "--encoding=UTF8",
      "--locale=C",
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--no-instructions",
    ]);
    if (r.exitCode !== 0) throw new LabError(`initdb failed in ${this.dataDir}:\n${String(r.stderr).slice(-2000)}`);
    // In the cluster's own auto.conf rather than on the server's command line: read at every
    // start, and the socket path needs no quoting beyond SQL's.
    const conf = [
      `listen_addresses = '${this.host}'`,
      `port = ${this.port}`,
      `unix_socket_directories = ${literal(this.dir)}`,
      // Small and quick: a test server, never a production one.
      "fsync = off",
      "shared_buffers = '16MB'",
      "max_connections = 40",
    ];
    writeFileSync(join(this.dataDir, "postgresql.auto.conf"), `${conf.join("\n")}\n`);
    chownSync(join(this.dataDir, "postgresql.auto.conf"), this.ids.uid, this.ids.gid);
  }

  /**
   * The server runs as *our* child, not daemonized by pg_ctl: PID 1 on this machine kind does not
   * reap orphans (a stopped daemon would linger as a zombie), pg_ctl would start it through its
   * own shell, and execa ends a child we forgot when this process exits.
   */
  private async run(): Promise<void> {
    const child = execa(join(this.bin, "postgres"), ["-D", this.dataDir], {
      uid: this.ids.uid,
      gid: this.ids.gid,
      cwd: this.dir,
      env: { LC_ALL: "C" },
      extendEnv: false,
      reject: false,
      stdin: "ignore",
      stdout: { file: this.logFile },
      stderr: { file: this.logFile },
    });
    this.child = child;
    let exited = false;
    void child.then(() => (exited = true));
    // What `pg_ctl start -w` does: ask until the server accepts connections, or it has died.
    const deadline = Date.now() + 60_000;
    while (!exited && Date.now() < deadline) {
      const r = await this.asPostgres("pg_isready", ["-q", "-h", this.dir, "-p", String(this.port), "-t", "2"]);
      if (r.exitCode === 0) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    const serverLog = existsSync(this.logFile) ? readFileSync(this.logFile, "utf8").slice(-2000) : "(no server log)";
    throw new LabError(`PostgreSQL did not start (${exited ? "it exited" : "not ready after 60 s"}); server log:\n${serverLog}`, {
      fix: `if the log says port ${this.port} is in use, another process took it between choosing and binding; run again`,
    });
  }

  /** Runs SQL as the superuser over the Unix socket; rows as JSON objects (one query per call). */
  async query<T = Record<string, unknown>>(sql: string, database = "postgres"): Promise<T[]> {
    const wrapped = `SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql.replace(/;\s*$/, "")}) q`;
    const out = await this.psql(wrapped, database, ["-A", "-t"]);
    return JSON.parse(out) as T[];
  }

  /** Runs SQL statements as the superuser over the Unix socket, stopping at the first error. */
  async exec(sql: string, database = "postgres"): Promise<void> {
    await this.psql(sql, database, ["-q"]);
  }

  private async psql(sql: string, database: string, extra: readonly string[]): Promise<string> {
    const r = await this.asPostgres(
      "psql",
      ["-X", "-h", this.dir, "-p", String(this.port), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", ...extra, "-f", "-"],
      sql,
    );
    if (r.exitCode !== 0) throw new LabError(`psql on ${database} failed: ${String(r.stderr).trim()}`);
    return String(r.stdout).trim();
  }

  /** A login role with a fresh random password. */
  async createRole(name: string): Promise<PgRole> {
    const password = randomBytes(18).toString("base64url");
    await this.exec(`CREATE ROLE ${identifier(name, "role")} LOGIN PASSWORD ${literal(password)};`);
    return { name, password };
  }

  async createDatabase(name: string, owner?: string): Promise<void> {
    const o = owner === undefined ? "" : ` OWNER ${identifier(owner, "role")}`;
    await this.exec(`CREATE DATABASE ${identifier(name, "database")}${o};`);
  }

  /**
   * A libpq/lib/pq URL for `role` on `database` over TCP, *without* a password (give that in
   * PGPASSWORD): this string is safe to print, log and write into configuration.
   */
  connStr(database: string, role: string, params: Record<string, string> = {}): string {
    const q = new URLSearchParams({ sslmode: "disable", ...params });
    return `postgres://${encodeURIComponent(role)}@${this.host}:${this.port}/${encodeURIComponent(database)}?${q}`;
  }

  /** Stops the server (SIGINT = "fast" shutdown: open sessions are ended) and removes its directory. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      child.kill("SIGINT");
      await child;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
