/** What other parts of livevirt import from the provider: its contract, not its machinery. */
export type * from "./livevirt/types.js";
export type * from "./livevirt/driver.js";
export { PROVIDER_NAME, VM_TYPE, HOST_DATA_TYPE, providerSchema, vmSchema, hostDataSchema } from "./livevirt/schema.js";
export { HOST_NAME, uriProblem } from "./livevirt/hosts.js";
export { redactSecrets } from "./redact.js";
