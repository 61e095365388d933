/** VmFleet: hosts picked at synth, stable through a placement file; draining a host is one line. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { afterEach, describe, expect, it } from "vitest";
import { LivevirtHosts, VmFleet, type Host } from "../../../modules/index.js";
import { testApp } from "./testing-app.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const placementFile = () => {
  const d = mkdtempSync(join(tmpdir(), "livevirt-fleet-"));
  dirs.push(d);
  return join(d, "placement.json");
};

const hostsOf = (state: Partial<Record<string, Host["state"]>> = {}): Host[] =>
  ["a", "b", "c"].map((name) => ({ name, uri: `qemu+ssh://root@kvm-${name}/system`, ...(state[name] ? { state: state[name] } : {}) }));
const VMS = { web1: { memoryMib: 512 }, web2: { memoryMib: 512 }, pg1: { memoryMib: 1024, group: "pg" }, pg2: { memoryMib: 1024, group: "pg" } };

function synth(hosts: Host[], opts: { file?: string; vms?: typeof VMS | Record<string, object> } = {}) {
  const stack = new TerraformStack(testApp(), "s");
  const h = new LivevirtHosts(stack, "hosts", { hosts });
  const fleet = new VmFleet(stack, "fleet", { hosts: h, vms: opts.vms ?? VMS, ...(opts.file ? { placementFile: opts.file } : {}) });
  const errors = stack.node
    .findAll()
    .flatMap((n) => n.node.validate())
    .filter((m) => m.startsWith("livevirt:"));
  const json = errors.length ? null : (JSON.parse(Testing.synth(stack)) as { resource: { livevirt_vm: Record<string, { host: string }> } });
  return { fleet, errors, hostOf: (vm: string) => json?.resource.livevirt_vm[vm]?.host };
}

describe("VmFleet", () => {
  it("places the VMs (replicas of one group apart) and writes the placement file", () => {
    const file = placementFile();
    const s = synth(hostsOf(), { file });
    expect(s.errors).toEqual([]);
    expect(s.hostOf("pg1")).not.toBe(s.hostOf("pg2"));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ pg1: s.hostOf("pg1"), pg2: s.hostOf("pg2"), web1: s.hostOf("web1"), web2: s.hostOf("web2") });
  });

  it("draining a host is one line: only its VMs change host, the others keep theirs", () => {
    const file = placementFile();
    const first = synth(hostsOf(), { file }).fleet.result.hosts;
    const onA = Object.keys(first).filter((vm) => first[vm] === "a");
    expect(onA.length).toBeGreaterThan(0);
    const s = synth(hostsOf({ a: "draining" }), { file });
    expect(s.errors).toEqual([]);
    expect(s.fleet.result.moves.map((m) => m.vm).sort()).toEqual(onA.sort());
    for (const vm of Object.keys(first)) expect(s.hostOf(vm)).toBe(onA.includes(vm) ? s.fleet.result.hosts[vm] : first[vm]);
    expect(Object.values(s.fleet.result.hosts)).not.toContain("a");
    // And back: marking a active again moves nothing (the file holds where they are now).
    expect(synth(hostsOf(), { file }).fleet.result.moves).toEqual([]);
  });

  it("a rule that cannot hold fails synth with the construct path, the field, the value and the fix", () => {
    const s = synth(hostsOf({ b: "cordoned", c: "draining" }), { vms: { pg1: { group: "pg" }, pg2: { group: "pg" } } });
    expect(s.errors).toEqual([
      'livevirt: s/fleet: vms.pg2.group = "pg" is invalid: no host can take VM pg2: a already runs a VM of group "pg"; b is cordoned; c is draining. ' +
        'Fix: declare another active host, mark a cordoned or draining host active, raise a capacity, or take pg2 out of group "pg".',
    ]);
  });

  it("a pin to an undeclared host fails synth; a file that is not a placement is refused with the fix", () => {
    expect(synth(hostsOf(), { vms: { x: { pin: "zz" } } }).errors[0]).toMatch(
      /^livevirt: s\/fleet: vms\.x\.pin = "zz" is invalid: is not a declared host\. Fix: pin x to an active host \("a", "b", "c"\)/,
    );
    const file = placementFile();
    writeFileSync(file, "[1, 2]");
    expect(() => synth(hostsOf(), { file })).toThrow(/is not a placement file .*fix: delete it to start over/);
  });
});
