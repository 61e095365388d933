import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors.js";
import { buildMigrateArgs, migrationAddressOptions, requiredMigrateFlags, type MigrateOptions } from "../../../src/libvirt/migrate-args.js";
import { parseMigrateHelp } from "../../../src/libvirt/parse/migrate-help.js";
import { sample, V11, V9 } from "./fixtures.js";

const DEST = "qemu+tcp://10.213.7.2/system";

function rejected(o: MigrateOptions): ValidationError {
  try {
    buildMigrateArgs("probe", DEST, o);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

describe("buildMigrateArgs", () => {
  it("defaults to a live migration, domain and destination as option values", () => {
    expect(buildMigrateArgs("probe", DEST)).toEqual(["migrate", "--live", "--domain", "probe", "--desturi", DEST]);
  });

  it("builds the lab's post-copy move (as in the captured command)", () => {
    expect(buildMigrateArgs("probe", DEST, { postcopy: true, postcopyAfterPrecopy: true, bandwidth: 25, verbose: true })).toEqual([
      "migrate",
      "--live",
      "--verbose",
      "--postcopy",
      "--postcopy-after-precopy",
      "--bandwidth",
      "25",
      "--domain",
      "probe",
      "--desturi",
      DEST,
    ]);
  });

  it("maps every option", () => {
    const a = buildMigrateArgs("web-1", DEST, {
      p2p: true,
      persistent: true,
      undefineSource: true,
      copyStorageAll: true,
      postcopy: true,
      postcopyResume: true,
      postcopyBandwidth: 100,
      bandwidth: 50,
      timeout: { seconds: 30, action: "postcopy" },
      migrateUri: "tcp://10.213.7.2",
      listenAddress: "10.213.7.2",
    });
    expect(a).toEqual([
      "migrate",
      "--live",
      "--p2p",
      "--persistent",
      "--undefinesource",
      "--copy-storage-all",
      "--postcopy",
      "--postcopy-resume",
      "--bandwidth",
      "50",
      "--postcopy-bandwidth",
      "100",
      "--timeout",
      "30",
      "--timeout-postcopy",
      "--migrateuri",
      "tcp://10.213.7.2",
      "--listen-address",
      "10.213.7.2",
      "--domain",
      "web-1",
      "--desturi",
      DEST,
    ]);
    expect(buildMigrateArgs("x", DEST, { live: false })).not.toContain("--live");
    expect(buildMigrateArgs("x", DEST, { timeout: { seconds: 5, action: "suspend" } })).toContain("--timeout-suspend");
  });

  it("keeps a name that looks like a flag as a value", () => {
    const a = buildMigrateArgs("--tunnelled", DEST);
    expect(a.slice(-4)).toEqual(["--domain", "--tunnelled", "--desturi", DEST]);
  });

  it("every flag it emits exists in both captured virsh versions", () => {
    const all = requiredMigrateFlags({
      p2p: true,
      persistent: true,
      undefineSource: true,
      copyStorageAll: true,
      verbose: true,
      postcopy: true,
      postcopyAfterPrecopy: true,
      postcopyResume: true,
      bandwidth: 1,
      postcopyBandwidth: 1,
      timeout: { seconds: 1, action: "postcopy" },
      migrateUri: "tcp://h",
    });
    for (const v of [V9, V11]) {
      const help = parseMigrateHelp(sample(v, "virsh-migrate-help.txt"));
      expect(all.filter((f) => !help.options.has(f))).toEqual([]);
    }
    expect(requiredMigrateFlags({ tunnelled: true, p2p: true })).toEqual(["live", "p2p", "tunnelled"]);
  });
});

describe("rejected combinations", () => {
  it("post-copy + tunnelled names the option and the fix", () => {
    const e = rejected({ postcopy: true, tunnelled: true, p2p: true });
    expect(e.message).toMatch(/post-copy is not supported with tunnelled/);
    expect(e.detail.field).toBe("tunnelled");
    expect(e.detail.fix).toMatch(/drop tunnelled/);
  });

  it.each<[string, MigrateOptions, string]>([
    ["post-copy offline", { postcopy: true, live: false }, "live"],
    ["after-precopy without postcopy", { postcopyAfterPrecopy: true }, "postcopyAfterPrecopy"],
    ["resume without postcopy", { postcopyResume: true }, "postcopyResume"],
    ["postcopy bandwidth without postcopy", { postcopyBandwidth: 10 }, "postcopyBandwidth"],
    ["timeout→postcopy without postcopy", { timeout: { seconds: 10, action: "postcopy" } }, "timeout.action"],
    ["tunnelled without p2p", { tunnelled: true }, "tunnelled"],
    ["tunnelled with migrateUri", { tunnelled: true, p2p: true, migrateUri: "tcp://h" }, "migrateUri"],
    ["undefinesource without persistent", { undefineSource: true }, "undefineSource"],
    ["zero bandwidth", { bandwidth: 0 }, "bandwidth"],
    ["fractional bandwidth", { bandwidth: 2.5 }, "bandwidth"],
    ["zero timeout", { timeout: { seconds: 0, action: "suspend" } }, "timeout.seconds"],
    ["migrateUri with a space", { migrateUri: "tcp://h --p2p" }, "migrateUri"],
  ])("%s", (_what, o, field) => {
    const e = rejected(o);
    expect(e.detail.field).toBe(field);
    expect(e.detail.fix).toBeTruthy();
  });

  it("empty domain or destination", () => {
    expect(() => buildMigrateArgs("", DEST)).toThrow(ValidationError);
    expect(() => buildMigrateArgs("x", "")).toThrow(ValidationError);
  });
});

describe("a destination's declared migration address", () => {
  it("sends the data there and makes the destination listen there; nothing without one", () => {
    expect(migrationAddressOptions("10.77.0.2")).toEqual({ migrateUri: "tcp://10.77.0.2", listenAddress: "10.77.0.2" });
    expect(migrationAddressOptions(undefined)).toEqual({});
  });
});
