/**
 * Once per integration run, before any file starts (vitest globalSetup of the integration project):
 * what every file would otherwise build for itself.
 *
 *  - The provider (one esbuild bundle into the project mirror, ~1 s). Each TerraformDir then
 *    finds it compiled and only re-points `current` at the same build; files running side by side
 *    never compile it at the same moment.
 *  - The lab guest (kernel + initramfs with the verifier). Files that hand its paths to Terraform
 *    or cdktf without booting it through the lab helpers (the example stack in cdktf-plan) no
 *    longer depend on an earlier file having built it.
 *
 * Neither needs the lab to be up; each file still checks that itself (lab-setup.ts).
 */
import { buildProvider } from "../../scripts/build-provider.js";
import { guestImages } from "../../src/lab/guests.js";

export default async function setup(): Promise<void> {
  const t0 = Date.now();
  await buildProvider("js");
  const t1 = Date.now();
  const guest = await guestImages();
  process.stderr.write(`integration set-up: provider ${t1 - t0} ms, lab guest ${Date.now() - t1} ms${guest.cached ? " (cached)" : ""}\n`);
}
