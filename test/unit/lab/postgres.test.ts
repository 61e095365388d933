/** Which PostgreSQL server the throw-away test server uses (pure file-system lookup). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findServerBin } from "../../../src/lab/postgres.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake /usr/lib/postgresql with the given majors, each holding the given programs. */
function fakeLib(majors: Record<string, string[]>): string {
  const lib = mkdtempSync(join(tmpdir(), "pg-lib-"));
  dirs.push(lib);
  for (const [major, programs] of Object.entries(majors)) {
    mkdirSync(join(lib, major, "bin"), { recursive: true });
    for (const p of programs) writeFileSync(join(lib, major, "bin", p), "");
  }
  return lib;
}

const SERVER = ["initdb", "postgres", "pg_isready", "psql"];

describe("findServerBin", () => {
  it("picks the newest major by number, not by string order", () => {
    const lib = fakeLib({ "9": SERVER, "15": SERVER, "13": SERVER });
    expect(findServerBin(lib)).toBe(join(lib, "15", "bin"));
  });

  it("skips a major that has only the client (postgresql-client-NN installs psql there)", () => {
    const lib = fakeLib({ "16": ["psql", "pg_isready"], "15": SERVER });
    expect(findServerBin(lib)).toBe(join(lib, "15", "bin"));
  });

  it("finds nothing without a server, or without the directory", () => {
    expect(findServerBin(fakeLib({ "15": ["psql"] }))).toBeUndefined();
    expect(findServerBin(join(tmpdir(), "no-such-postgresql-dir"))).toBeUndefined();
  });
});
