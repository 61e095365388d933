/** `virsh net-list --all` on real output, and the bridge-mode network XML. */
import { describe, expect, it } from "vitest";
import { XMLParser } from "fast-xml-parser";
import { bridgeNetworkXml } from "../../../src/libvirt/network-xml.js";
import { parseNetworkList } from "../../../src/libvirt/parse/network-list.js";
import { sample } from "./fixtures.js";

describe("parseNetworkList", () => {
  it("reads the lab's network (libvirt 11.3)", () => {
    expect(parseNetworkList(sample("libvirt11.3", "net-list-all.txt"))).toEqual([{ name: "lab-net", active: true, autostart: true, persistent: true }]);
  });

  it("reads an inactive, not autostarted network beside it", () => {
    expect(parseNetworkList(sample("libvirt11.3", "net-list-all-inactive.txt"))).toEqual([
      { name: "lab-net", active: true, autostart: true, persistent: true },
      { name: "lv-spare", active: false, autostart: false, persistent: true },
    ]);
  });

  it("an empty list is no network, and output without the header is a parse error", () => {
    expect(parseNetworkList(" Name   State   Autostart   Persistent\n----------------------------------------\n\n")).toEqual([]);
    expect(() => parseNetworkList("error: something else")).toThrow(/no header line/);
  });
});

describe("bridgeNetworkXml", () => {
  it("builds a bridge-mode network with every string escaped by the XML library", () => {
    const xml = bridgeNetworkXml('lab<"net">', "lvbr0");
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_" }).parse(xml);
    expect(doc.network).toEqual({ name: 'lab<"net">', forward: { "@_mode": "bridge" }, bridge: { "@_name": "lvbr0" } });
    expect(xml).toContain("lab&lt;&quot;net&quot;&gt;");
  });
});
