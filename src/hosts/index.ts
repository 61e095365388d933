/** Host access for the domain: connections and host shells of declared hosts. */
export { connect, HostRegistry, withDefaultShell } from "./registry.js";
export {
  defaultShell,
  hostArgv,
  isRemotePrefix,
  quoteForShell,
  runOnHost,
  type HostCommandOptions,
  type HostCommandOutcome,
  type HostCommandResult,
  type HostCommandUnavailable,
} from "./shell.js";
