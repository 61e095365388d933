/** The constructs livevirt users write stacks with. */
export { LivevirtApp, type LivevirtAppConfig } from "./app.js";
export { LivevirtHosts, livevirtHostsSchema, type Host, type LivevirtHostsProps } from "./hosts.js";
export { VmPlacement, vmPlacementSchema, VM_DEFAULTS, type BootProps, type DiskProps, type VmPlacementProps } from "./vm-placement.js";
export { PgStateBackend, connStrProblem, type PgStateBackendProps } from "./state-backend.js";
export { VmFleet, type FleetVmProps, type VmFleetProps } from "./fleet.js";
