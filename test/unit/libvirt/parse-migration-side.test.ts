import { describe, expect, it } from "vitest";
import { parseDomJobInfo } from "../../../src/libvirt/parse/domjobinfo.js";
import { libvirtMessages } from "../../../src/libvirt/parse/virsh-error.js";
import { isIncomingMigrationStatsRefusal, migrationSideOfJob } from "../../../src/libvirt/parse/migration-side.js";
import { sample, V11, V9 } from "./fixtures.js";

describe("which end of a migration a host is (domjobinfo)", () => {
  it("the source of a running pre-copy shows an outgoing job (11.3, raw stats)", () => {
    const j = parseDomJobInfo(sample(V11, "domjobinfo-src-precopy-raw.txt"));
    expect(j).toMatchObject({ type: "Unbounded", operation: "Outgoing migration", iteration: 1 });
    expect(migrationSideOfJob(j)).toBe("outgoing");
  });

  it("the source after the post-copy switch still shows the outgoing job, with page requests", () => {
    const j = parseDomJobInfo(sample(V11, "domjobinfo-src-postcopy-raw.txt"));
    expect(j).toMatchObject({ type: "Unbounded", operation: "Outgoing migration", iteration: 3, postcopyRequests: 1038 });
    expect(migrationSideOfJob(j)).toBe("outgoing");
  });

  it("the human form of a running job (9.0) says outgoing too", () => {
    expect(migrationSideOfJob(parseDomJobInfo(sample(V9, "domjobinfo-precopy-running.txt")))).toBe("outgoing");
  });

  it("no job is no side", () => {
    expect(migrationSideOfJob(parseDomJobInfo(sample(V11, "virsh-domjobinfo-none.txt")))).toBe("none");
  });

  it("recognises the destination's refusal, in pre-copy and after the switch", () => {
    for (const f of ["domjobinfo-dst-during-precopy-error.txt", "domjobinfo-dst-during-postcopy-error.txt"]) {
      const msgs = libvirtMessages(sample(V11, f));
      expect(msgs).toHaveLength(1);
      expect(isIncomingMigrationStatsRefusal(msgs[0]!)).toBe(true);
    }
  });

  it("does not take other failures for the refusal", () => {
    expect(isIncomingMigrationStatsRefusal("failed to get domain 'x-pck'")).toBe(false);
    expect(isIncomingMigrationStatsRefusal("Operation not supported: this function is not supported by the connection driver")).toBe(false);
  });
});
