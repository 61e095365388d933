import { describe, expect, it } from "vitest";
import { QMP_PROBE_INPUT, parseQmpProbe } from "../../../src/preflight/qmp-probe.js";
import { qemuProbeArgv } from "../../../src/preflight/qemu-probe.js";
import { BPO, sampleOutput } from "./samples.js";

/** The captures mix QEMU's stderr line into stdout; split them as the real run would. */
function split(text: string): { stdout: string; stderr: string } {
  const lines = text.split("\n");
  return { stdout: lines.filter((l) => l.startsWith("{")).join("\n"), stderr: lines.filter((l) => !l.startsWith("{")).join("\n") };
}

describe("parseQmpProbe on real QEMU outputs", () => {
  it.each([
    ["qemu-incoming-postcopy-probe.txt", "", "yes", "7.2.22"],
    ["qemu-incoming-postcopy-probe.txt", BPO, "yes", "10.0.2"],
    ["qemu-incoming-postcopy-probe-root-nocaps-at-all.txt", BPO, "yes", "10.0.2"],
    ["qemu-incoming-postcopy-probe-nocap.txt", BPO, "yes", "10.0.2"],
    ["qemu-incoming-postcopy-probe-nobody.txt", BPO, "no", "10.0.2"],
    ["qemu-incoming-postcopy-probe-nobody.txt", "", "no", "7.2.22"],
    ["qemu-incoming-postcopy-probe-nocap.txt", "", "no", "7.2.22"],
  ] as const)("%s (%s) ⇒ %s", (file, dir, expected, version) => {
    const { stdout, stderr } = split(sampleOutput(file, dir));
    const r = parseQmpProbe(stdout, stderr);
    expect(r.postcopy).toBe(expected);
    expect(r.qemuVersion).toBe(version);
  });

  it("keeps QEMU's own words as the finding (10.0 says why; 7.2's reason is on stderr)", () => {
    const q10 = split(sampleOutput("qemu-incoming-postcopy-probe-nobody.txt", BPO));
    expect(parseQmpProbe(q10.stdout, q10.stderr).message).toBe("Postcopy is not supported: Userfaultfd not available: Operation not permitted");
    const q7 = split(sampleOutput("qemu-incoming-postcopy-probe-nobody.txt"));
    expect(parseQmpProbe(q7.stdout, q7.stderr).message).toMatch(
      /^Postcopy is not supported \(postcopy_ram_supported_by_host: userfaultfd not available: Operation not permitted\)$/,
    );
  });

  it("matches our answers by id, ignoring events", () => {
    const out = [
      '{"QMP": {"version": {"qemu": {"micro": 2, "minor": 0, "major": 10}}, "capabilities": []}}',
      '{"return": {}, "id": "lv-qmp"}',
      '{"timestamp": {}, "event": "SOMETHING"}',
      '{"error": {"class": "GenericError", "desc": "Postcopy is not supported: Userfaultfd not available: Operation not permitted"}, "id": "lv-postcopy"}',
      '{"return": {}, "id": "lv-quit"}',
    ].join("\n");
    expect(parseQmpProbe(out).postcopy).toBe("no");
  });

  it("no answer or another error ⇒ unknown, with the reason", () => {
    expect(parseQmpProbe("", "qemu-system-x86_64: cannot set up guest memory").message).toMatch(/no answer.*cannot set up/);
    expect(parseQmpProbe('{"QMP":{}}\n{"return":{},"id":"lv-qmp"}\n{"error":{"desc":"Parameter x invalid"},"id":"lv-postcopy"}').postcopy).toBe("unknown");
  });

  it("the input asks exactly qmp_capabilities, postcopy-ram=true, quit", () => {
    const cmds = QMP_PROBE_INPUT.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { execute: string });
    expect(cmds.map((c) => c.execute)).toEqual(["qmp_capabilities", "migrate-set-capabilities", "quit"]);
  });

  it("runs QEMU as the libvirt QEMU user via setpriv (argv), directly when root", () => {
    expect(qemuProbeArgv("/usr/bin/qemu-system-x86_64", 0, 0)[0]).toBe("/usr/bin/qemu-system-x86_64");
    expect(qemuProbeArgv("/usr/bin/qemu-system-x86_64", 64055, 64055).slice(0, 5)).toEqual([
      "setpriv",
      "--reuid=64055",
      "--regid=64055",
      "--init-groups",
      "/usr/bin/qemu-system-x86_64",
    ]);
    expect(qemuProbeArgv("/q", 5, 6, false)).toContain("--clear-groups");
  });
});
