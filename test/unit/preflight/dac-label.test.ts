import { describe, expect, it } from "vitest";
import { parseDacBaseLabels } from "../../../src/libvirt/dac-label.js";
import { BPO, xmlSample } from "./samples.js";

describe("libvirt's DAC base label = the uid:gid QEMU runs as", () => {
  it("root in the lab captures", () => {
    const m = parseDacBaseLabels(xmlSample("virsh-capabilities-a.xml", BPO));
    expect(m.get("kvm")).toEqual({ uid: 0, gid: 0 });
    expect(m.get("qemu")).toEqual({ uid: 0, gid: 0 });
  });
  it("an unprivileged QEMU user", () => {
    const xml =
      "<capabilities><host><cpu><arch>x86_64</arch></cpu><secmodel><model>none</model><doi>0</doi></secmodel><secmodel><model>dac</model><doi>0</doi>" +
      "<baselabel type='kvm'>+64055:+107</baselabel></secmodel></host></capabilities>";
    expect(parseDacBaseLabels(xml).get("kvm")).toEqual({ uid: 64055, gid: 107 });
    expect(parseDacBaseLabels(xml).get("qemu")).toBeUndefined();
  });
});
