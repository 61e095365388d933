/** Every integration file is scheduled deliberately: in exactly one of the groups npm test runs. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CONCURRENT, EXCLUSIVE, STOCK } from "../../scripts/test-groups.js";

const DIR = join(import.meta.dirname, "../integration");
const onDisk = readdirSync(DIR)
  .filter((f) => f.endsWith(".test.ts"))
  .sort();
const exclusive = [...Object.keys(EXCLUSIVE), ...Object.keys(STOCK)];

describe("integration groups (scripts/test-groups.ts)", () => {
  it("place every integration file in exactly one group, and list no file that does not exist", () => {
    const placements = [...CONCURRENT, ...exclusive];
    expect([...placements].sort()).toEqual(onDisk);
    expect(new Set(placements).size).toBe(placements.length);
  });

  it("give every exclusive file its reason", () => {
    for (const f of exclusive) expect((EXCLUSIVE[f] ?? STOCK[f])!.length, f).toBeGreaterThan(20);
  });

  it("keep every file that cuts the link, restarts a daemon or switches a host's variant out of the concurrent group", () => {
    // setLink(up) cuts the main link; setLink(up, link) only a fault link of the file's own (below).
    const labWide = /\bsetLink\([^,)]*\)|\bresetMigrationStreams\(|\brestartDaemon\(|\blabUp\(|\blabDown\(|noPostcopy/;
    const offenders = CONCURRENT.filter((f) => labWide.test(readFileSync(join(DIR, f), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("give each concurrent file that cuts a fault link a link no other file uses", () => {
    const users = new Map<string, string[]>();
    for (const f of CONCURRENT) {
      const text = readFileSync(join(DIR, f), "utf8");
      if (!/\bsetLink\([^,)]*,/.test(text)) continue;
      const link = /const LINK: FaultLink = "(\w+)"/.exec(text)?.[1];
      expect(link, `${f} cuts a fault link: name it as const LINK: FaultLink = "…"`).toBeDefined();
      users.set(link!, [...(users.get(link!) ?? []), f]);
    }
    expect(users.size).toBeGreaterThan(0);
    for (const [link, files] of users) expect(files, `fault link ${link}`).toHaveLength(1);
  });
});
