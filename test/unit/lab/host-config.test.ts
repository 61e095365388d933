import { describe, expect, it } from "vitest";
import { libvirtdConf, qemuConf } from "../../../src/lab/host-config.js";
import { TOPOLOGY } from "../../../src/lab/topology.js";
import { setOf } from "../../../src/lab/packages.js";

/** Reads `key = value` lines of a libvirt config file into a map (values kept verbatim). */
function keys(conf: string): Map<string, string> {
  return new Map(
    conf
      .split("\n")
      .filter((l) => /^\w+\s*=/.test(l))
      .map((l) => {
        const [k, ...v] = l.split("=");
        return [k!.trim(), v.join("=").trim()];
      }),
  );
}

describe("lab host configuration", () => {
  it("gives each host a distinct host_uuid and listens on every address of its namespace (main link and fault links)", () => {
    const a = keys(libvirtdConf(TOPOLOGY.a, ["CN=lab-b"]));
    const b = keys(libvirtdConf(TOPOLOGY.b, ["CN=lab-a"]));
    expect(a.get("host_uuid")).not.toBe(b.get("host_uuid"));
    expect(a.get("listen_addr")).toBe('"0.0.0.0"');
    expect(b.get("listen_addr")).toBe('"0.0.0.0"');
  });

  it("listens with TLS only, admitting the named client certificates, and has no TCP listener", () => {
    const a = keys(libvirtdConf(TOPOLOGY.a, ["CN=lab-a", "CN=lab-b"]));
    expect(a.get("listen_tls")).toBe("1");
    expect(a.get("listen_tcp")).toBe("0");
    expect(a.get("tls_allowed_dn_list")).toBe('[ "CN=lab-a", "CN=lab-b" ]');
    expect(a.has("auth_tcp")).toBe(false);
  });

  it("advertises the host's address for incoming migrations, not its hostname", () => {
    const q = keys(qemuConf(TOPOLOGY.b, "root"));
    expect(q.get("migration_address")).toBe(`"${TOPOLOGY.b.address}"`);
    expect(q.get("migration_host")).toBe(`"${TOPOLOGY.b.address}"`);
  });

  it("runs QEMU as root normally and as libvirt-qemu in the no-post-copy variant", () => {
    expect(keys(qemuConf(TOPOLOGY.a, "root")).get("user")).toBe('"root"');
    expect(keys(qemuConf(TOPOLOGY.a, "unprivileged")).get("user")).toBe('"libvirt-qemu"');
  });
});

describe("package set of an installed version", () => {
  it.each([
    ["11.3.0-2~bpo12+1", "backports"],
    ["1:10.0.2+ds-2+deb13u1~bpo12+1", "backports"],
    ["9.0.0-4+deb12u2", "stock"],
    ["1:7.2+dfsg-7+deb12u18", "stock"],
    [undefined, undefined],
  ])("%s → %s", (v, want) => {
    expect(setOf(v)).toBe(want);
  });
});
