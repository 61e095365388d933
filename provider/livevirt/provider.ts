/** The livevirt provider: schema, host configuration, resources and data sources. */
import { HostList, redactSecrets, hostsProblems } from "../../src/model/index.js";
import type { ProviderDefinition } from "../framework/resource.js";
import type { DriverFactory } from "./driver.js";
import { hostDataSource } from "./host-data.js";
import { hostList, hostProblems } from "./hosts.js";
import { LivevirtRuntime } from "./runtime.js";
import { problemError } from "./spelling.js";
import { providerSchema } from "./schema.js";
import { vmResource } from "./vm.js";

export function livevirtProvider(driverFactory: DriverFactory, rt = new LivevirtRuntime()): ProviderDefinition {
  return {
    schema: providerSchema,
    validate: hostProblems,
    async configure(config, ctx) {
      const problems = hostProblems(config);
      if (problems.length) throw new AggregateError(problems, "invalid provider configuration");
      const hosts = hostList(config);
      if (hosts === null) {
        // Host list depends on values computed during apply; resources will say so if they need it.
        rt.configure(null, null);
        return;
      }
      // The model's "at least one host" rule; checked here because validation may see blocks still unknown.
      if (hosts.length === 0) throw problemError(hostsProblems(hosts)[0]!);
      ctx.log.debug("configured hosts", { hosts: hosts.map((h) => `${h.name}=${redactSecrets(h.uri)}`) });
      const list = new HostList(hosts);
      rt.configure(list, await driverFactory(list, ctx.log));
    },
    resources: [vmResource(rt)],
    dataSources: [hostDataSource(rt)],
  };
}
