/** The livevirt provider: schema, host configuration, resources and data sources. */
import { ValidationError } from "../../src/errors.js";
import type { ProviderDefinition } from "../framework/resource.js";
import { redactSecrets } from "../redact.js";
import type { DriverFactory } from "./driver.js";
import { hostDataSource } from "./host-data.js";
import { hostProblems, hostSpecs } from "./hosts.js";
import { LivevirtRuntime } from "./runtime.js";
import { providerSchema } from "./schema.js";
import { vmResource } from "./vm.js";

export function livevirtProvider(driverFactory: DriverFactory, rt = new LivevirtRuntime()): ProviderDefinition {
  return {
    schema: providerSchema,
    validate: hostProblems,
    async configure(config, ctx) {
      const problems = hostProblems(config);
      if (problems.length) throw new AggregateError(problems, "invalid provider configuration");
      const hosts = hostSpecs(config);
      if (hosts === null) {
        // Host list depends on values computed during apply; resources will say so if they need it.
        rt.configure(null, null);
        return;
      }
      if (hosts.length === 0) {
        throw new ValidationError("the livevirt provider has no hosts", {
          field: "host",
          fix: 'declare at least one host: provider "livevirt" { host { name = "a" uri = "qemu:///system" } }',
        });
      }
      ctx.log.debug("configured hosts", { hosts: hosts.map((h) => `${h.name}=${redactSecrets(h.uri)}`) });
      rt.configure(hosts, driverFactory(hosts, ctx.log));
    },
    resources: [vmResource(rt)],
    dataSources: [hostDataSource(rt)],
  };
}
