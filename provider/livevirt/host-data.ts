/** data "livevirt_host": facts about a declared host, from the HostInfoDriver. */
import type { DataSourceType } from "../framework/resource.js";
import type { LivevirtRuntime } from "./runtime.js";
import { HOST_DATA_TYPE, hostDataSchema } from "./schema.js";

export function hostDataSource(rt: LivevirtRuntime): DataSourceType {
  return {
    name: HOST_DATA_TYPE,
    schema: hostDataSchema,
    async read(config, ctx) {
      const name = String(config.name);
      const host = rt.requireHost(name, "name");
      if (!host) throw new Error("provider host list is unknown while reading livevirt_host");
      const f = await rt.driver().hostInfo.info(host.name, { signal: ctx.signal, log: ctx.log });
      return {
        name,
        hostname: f.hostname,
        host_uuid: f.hostUuid,
        libvirt_version: f.libvirtVersion,
        qemu_version: f.qemuVersion,
        kernel: f.kernel,
        arch: f.arch,
        kvm: f.kvm,
        postcopy: f.postcopy,
        postcopy_reason: f.postcopyReason,
      };
    },
  };
}
