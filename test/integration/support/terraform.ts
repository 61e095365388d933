/** Moved to scripts/terraform-dir.ts (shared with bench/); kept so the integration tests import it from their support folder. */
export * from "../../../scripts/terraform-dir.js";
