import { LabError } from "../../src/errors.js";
import { labStatus } from "../../src/lab/lab.js";

/**
 * Integration tests need the real two-host lab. They never skip: a lab that is not up is a
 * failure with the reason, so CI cannot pass without having run them.
 */
export async function requireLab(): Promise<void> {
  const s = await labStatus();
  if (!s.up) {
    const why = s.hosts.map((h) => `${h.name}: ${h.answering ? "ok" : (h.error ?? "not running")}`).join("; ");
    throw new LabError(`the lab is not up (${why})`, { fix: "run `npm run lab:up` as root first (npm test does it for you)" });
  }
}
