/** What other parts of livevirt import from the provider: its contract, not its machinery. */
export type * from "./livevirt/driver.js";
export { PROVIDER_NAME, VM_TYPE, HOST_DATA_TYPE, providerSchema, vmSchema, hostDataSchema } from "./livevirt/schema.js";
