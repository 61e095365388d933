/** The VM's `cpu` setting: its rule, its domain XML, and the host-passthrough move rule on captured capabilities. */
import { describe, expect, it } from "vitest";
import { renderDomainXml } from "../../../src/libvirt/domain-xml.js";
import { parseCapabilities } from "../../../src/libvirt/parse/capabilities.js";
import { parseDomainXml } from "../../../src/libvirt/parse/dumpxml.js";
import { vmProblems } from "../../../src/model/index.js";
import { passthroughCheck } from "../../../src/preflight/fit.js";
import { declaredCpu } from "../../../src/placement/lifecycle.js";
import type { HostFacts } from "../../../src/preflight/host-facts.js";
import { known, unknown } from "../../../src/preflight/known.js";
import { decide } from "../../../src/preflight/verdict.js";
import { sample, V9 } from "../libvirt/fixtures.js";

/** A captured host, or — "other" — the same capture as another CPU would report it: another model, one feature fewer. */
const caps = (f: string) =>
  f === "other"
    ? parseCapabilities(
        sample(V9, "virsh-capabilities-a.xml")
          .replace(/<model>[^<]*<\/model>/, "<model>EPYC-Rome</model>")
          .replace("<feature name='ssse3'/>", ""),
      )
    : parseCapabilities(sample(V9, f));
const facts = (host: string, f: string | null) =>
  ({ host, capabilities: f ? known(caps(f), "fixture") : unknown("virsh capabilities failed") }) as unknown as HostFacts;

describe("cpu", () => {
  it("host-model, host-passthrough or a model name; passthrough needs KVM", () => {
    expect(vmProblems({ cpu: "host-model" })).toEqual([]);
    expect(vmProblems({ cpu: "Nehalem", domainType: "qemu" })).toEqual([]);
    expect(vmProblems({ cpu: "host-passthrough", domainType: "kvm" })).toEqual([]);
    expect(vmProblems({ cpu: "host-passthrough", domainType: "qemu" }).map((p) => p.fix)).toEqual([
      'set ‹domainType="kvm"›, or ‹cpu="host-model"› or a named model',
    ]);
    expect(vmProblems({ cpu: "my cpu" }).map((p) => p.field)).toEqual(["cpu"]);
  });

  it("a named model is written as a custom CPU without fallback; modes as modes", () => {
    const xml = renderDomainXml({ name: "x", uuid: "6695eb01-f6a4-8304-79aa-97f2502e193f", memoryMib: 64, vcpus: 1, type: "qemu", cpuModel: "Nehalem" });
    expect(xml).toMatch(/<cpu mode="custom" match="exact" check="partial">\s*<model fallback="forbid">Nehalem<\/model>/);
    expect(parseDomainXml(xml).cpu).toEqual({ mode: "custom", model: "Nehalem", check: "partial" });
    expect(renderDomainXml({ name: "x", memoryMib: 64, vcpus: 1, type: "kvm", cpuMode: "host-passthrough" })).toContain('<cpu mode="host-passthrough"/>');
  });
});

describe("cpu of an adopted domain", () => {
  it("libvirt's own default (x86 TCG: custom qemu64, check none) reads as unset; modes and chosen models as themselves", () => {
    expect(declaredCpu({ mode: "custom", model: "qemu64", check: "none" })).toBeNull();
    expect(declaredCpu(undefined)).toBeNull();
    expect(declaredCpu({ mode: "custom", model: "Nehalem", check: "partial" })).toBe("Nehalem");
    expect(declaredCpu({ mode: "host-passthrough", check: "none" })).toBe("host-passthrough");
    expect(declaredCpu({ mode: "host-model" })).toBe("host-model");
  });
});

describe("host-passthrough moves only between identical host CPUs", () => {
  it("no check for other CPU settings", () => {
    expect(passthroughCheck({ cpu: "host-model" }, facts("a", "virsh-capabilities-a.xml"), facts("b", "virsh-capabilities-b.xml"))).toBeNull();
  });

  it("identical capabilities pass", () => {
    expect(passthroughCheck({ cpu: "host-passthrough" }, facts("a", "virsh-capabilities-a.xml"), facts("b", "virsh-capabilities-a.xml"))?.status).toBe("pass");
  });

  it("the two lab hosts' captures are identical CPUs; a host with another model and a feature fewer fails, saying what differs", () => {
    expect(passthroughCheck({ cpu: "host-passthrough" }, facts("a", "virsh-capabilities-a.xml"), facts("b", "virsh-capabilities-b.xml"))?.status).toBe("pass");
    const c = passthroughCheck({ cpu: "host-passthrough" }, facts("a", "virsh-capabilities-a.xml"), facts("b", "other"))!;
    expect(c.status).toBe("fail");
    expect(c.found).toMatch(/^CPUs differ: model kvm64\S* on a, EPYC-Rome on b; b lacks ssse3/);
    expect(c.fix).toContain('‹cpu="host-model"›');
    // A move check: fails the plan under "fail" and "precopy"; "recreate" re-creates instead.
    const vm = { name: "web", memoryMib: 512, domainType: "kvm" as const, disks: [], migration: { mode: "postcopy" as const, onUnsupported: "fail" as const } };
    expect(decide([c], vm).strategy).toBe("fail");
    expect(decide([c], { ...vm, migration: { ...vm.migration, onUnsupported: "recreate" } }).strategy).toBe("recreate");
  });

  it("an unreadable host CPU is unknown, never guessed", () => {
    expect(passthroughCheck({ cpu: "host-passthrough" }, facts("a", null), facts("b", "virsh-capabilities-b.xml"))?.status).toBe("unknown");
  });
});
