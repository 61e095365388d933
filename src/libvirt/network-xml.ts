/**
 * libvirt network definitions, built with fast-xml-parser's XMLBuilder (every string escaped by
 * the library). Only the shape livevirt and its lab use: a network in bridge mode on top of an
 * existing host bridge (no NAT, no DHCP: the bridge's own segment carries the traffic).
 */
import { XMLBuilder } from "fast-xml-parser";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, indentBy: "  ", suppressEmptyNode: true });

export function bridgeNetworkXml(name: string, bridge: string): string {
  return builder.build({ network: { name, forward: { "@_mode": "bridge" }, bridge: { "@_name": bridge } } }) as string;
}
