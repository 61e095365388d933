/** The example stack synthesizes to the Terraform JSON we expect, and its lab strings match the lab's. */
import { Testing } from "cdktf";
import { testApp } from "./testing-app.js";
import { afterEach, describe, expect, it } from "vitest";
import { ExampleStack } from "../../../stacks/example.js";
import { LAB_GUEST, LAB_HOSTS } from "../../../stacks/lab.js";
import { migrationUri } from "../../../src/lab/lab.js";
import { GUEST_DIR } from "../../../src/lab/paths.js";
import { labHostTarget } from "../../../src/lab/targets.js";
import { guestCmdline } from "../../../src/lab/guest/console.js";

interface Synth {
  provider: { livevirt: Array<{ host: Array<Record<string, string>> }> };
  resource: { livevirt_vm: Record<string, Record<string, unknown>> };
  output: Record<string, { value: string }>;
  terraform: { required_providers: { livevirt: { source: string; version: string } } };
}

const synth = (opts = {}) => JSON.parse(Testing.synth(new ExampleStack(testApp(), undefined, opts), true)) as Synth;

describe("example stack", () => {
  const saved = process.env.LIVEVIRT_DEMO_WEB_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.LIVEVIRT_DEMO_WEB_HOST;
    else process.env.LIVEVIRT_DEMO_WEB_HOST = saved;
  });

  it("configures the provider with the lab's two hosts", () => {
    const json = synth();
    expect(json.terraform.required_providers.livevirt.source).toBe("livevirt/livevirt");
    expect(json.provider.livevirt).toEqual([
      {
        host: [
          { name: "a", uri: "qemu+ssh://root@10.231.1.1/system", migration_uri: migrationUri("a") },
          { name: "b", uri: "qemu+ssh://root@10.231.1.2/system", migration_uri: migrationUri("b") },
        ],
      },
    ]);
  });

  it("places web on a and db on b as tiny TCG lab guests, addressed livevirt_vm.<name>", () => {
    delete process.env.LIVEVIRT_DEMO_WEB_HOST;
    const vms = synth().resource.livevirt_vm;
    expect(Object.keys(vms).sort()).toEqual(["db", "web"]);
    expect(vms.web).toMatchObject({
      name: "web",
      host: "a",
      memory_mib: 256,
      vcpus: 1,
      domain_type: "qemu",
      kernel: `${GUEST_DIR}/vmlinuz`,
      initrd: `${GUEST_DIR}/initrd.img`,
      // web is busy: it dirties 32 MiB/s against a 16 MiB/s move, which only post-copy finishes.
      // …and serves TCP on the lab's guest network, the address the demo's stream connects to.
      cmdline: `${guestCmdline({ memMib: 96, rateMibPerS: 32 })} lv.ip=10.231.2.10/24 lv.echo=7000`,
      console_log: "/var/log/libvirt/qemu/web.console",
      network_interface: [{ network: "lab-net" }],
      migration: { mode: "postcopy", timeout_s: 300, bandwidth_mib: 16 },
    });
    expect(vms.db).toMatchObject({
      name: "db",
      host: "b",
      cmdline: guestCmdline({ memMib: 64, rateMibPerS: 0 }),
      console_log: "/var/log/libvirt/qemu/db.console",
    });
  });

  it("LIVEVIRT_DEMO_WEB_HOST moves web without editing the file", () => {
    process.env.LIVEVIRT_DEMO_WEB_HOST = "b";
    const json = synth();
    expect(json.resource.livevirt_vm.web!.host).toBe("b");
    expect(json.output["web-host"]!.value).toBe("${livevirt_vm.web.host}");
  });

  it("an unknown LIVEVIRT_DEMO_WEB_HOST fails synth naming the env-set value", () => {
    process.env.LIVEVIRT_DEMO_WEB_HOST = "c";
    expect(() => synth()).toThrowError(/livevirt: livevirt-example\/web: host = "c" is invalid: .*Fix: use one of the declared hosts: "a", "b"/);
  });

  it("lab defaults reach the hosts as real ones: SSH on the management network, TLS between daemons", () => {
    expect(LAB_HOSTS).toEqual([
      { name: "a", uri: "qemu+ssh://root@10.231.1.1/system", migrationUri: "qemu+tls://10.231.0.1/system" },
      { name: "b", uri: "qemu+ssh://root@10.231.1.2/system", migrationUri: "qemu+tls://10.231.0.2/system" },
    ]);
    // The peer-to-peer URI is the lab's own (tests that move by hand use the same).
    expect(LAB_HOSTS.map((h) => h.migrationUri)).toEqual([labHostTarget("a").migrationUri, labHostTarget("b").migrationUri]);
    expect(LAB_GUEST).toEqual({ kernel: `${GUEST_DIR}/vmlinuz`, initrd: `${GUEST_DIR}/initrd.img` });
  });
});
