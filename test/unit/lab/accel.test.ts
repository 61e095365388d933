import { describe, expect, it } from "vitest";
import { detectAccel } from "../../../src/lab/accel.js";

const fs =
  (...present: string[]) =>
  (p: string) =>
    present.includes(p);

describe("detectAccel", () => {
  it.each([
    { name: "no /dev/kvm", files: [], env: {}, want: "tcg" },
    { name: "PVM nested KVM (this machine kind)", files: ["/dev/kvm", "/sys/module/kvm_pvm"], env: {}, want: "tcg" },
    { name: "hardware KVM (Intel)", files: ["/dev/kvm", "/sys/module/kvm_intel"], env: {}, want: "kvm" },
    { name: "hardware KVM (AMD)", files: ["/dev/kvm", "/sys/module/kvm_amd"], env: {}, want: "kvm" },
    { name: "/dev/kvm without a vendor module", files: ["/dev/kvm"], env: {}, want: "tcg" },
    { name: "forced tcg on real KVM", files: ["/dev/kvm", "/sys/module/kvm_intel"], env: { LIVEVIRT_LAB_ACCEL: "tcg" }, want: "tcg" },
    { name: "forced kvm on PVM", files: ["/dev/kvm", "/sys/module/kvm_pvm"], env: { LIVEVIRT_LAB_ACCEL: "kvm" }, want: "kvm" },
  ])("$name → $want", ({ files, env, want }) => {
    const v = detectAccel(env, fs(...files));
    expect(v.accel).toBe(want);
    expect(v.reason.length).toBeGreaterThan(5);
  });

  it("names PVM as the reason on a PVM machine", () => {
    expect(detectAccel({}, fs("/dev/kvm", "/sys/module/kvm_pvm")).reason).toMatch(/PVM/);
  });
});
