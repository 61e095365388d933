/**
 * Terraform itself is killed (SIGKILL to its whole process group: a CI runner cancelled, a laptop
 * lid closed on a remote shell) during a post-copy move started from a saved plan. Nothing wrote
 * the state: it still says host a. libvirt finishes the move alone (peer-to-peer). Applying the
 * same saved plan again must not try to move the VM "again" (a move to itself): the provider
 * finds it already running on the planned host, records that, and the state converges.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireLab } from "./lab-setup.js";
import {
  address,
  cleanDomain,
  configFor,
  deploy,
  expectContinuous,
  hurryPostcopy,
  postcopyRunning,
  providerLog,
  shown,
  stateOn,
  waitUntil,
  type GuestCase,
} from "./support/fault.js";
import { resourceValues, TerraformDir } from "./support/terraform.js";
import { BackgroundTerraform } from "./support/terraform-process.js";

const NAME = "f-saved-plan";

describe("a saved plan applied again after terraform was killed mid-move", () => {
  let tf: TerraformDir;
  let bg: BackgroundTerraform | undefined;
  beforeAll(async () => {
    await requireLab();
    await cleanDomain(NAME);
    tf = await TerraformDir.create();
    tf.writeConfig(await configFor([]));
    await tf.run(["init", "-input=false", "-no-color"]);
  });
  afterAll(async () => {
    bg?.killGroup();
    await cleanDomain(NAME);
    if (tf) {
      tf.writeConfig(await configFor([]));
      await tf.run(["apply", "-auto-approve", "-input=false", "-no-color"], [0, 1]);
      tf.remove();
    }
  });

  it("finds the VM already on the planned host: nothing moved twice, state b, guest continuous", async () => {
    const vm: GuestCase = {
      name: NAME,
      host: "a",
      testMib: 128,
      rate: 10,
      // Switch at once and crawl in post-copy (1 MiB/s), so the kill surely lands in post-copy.
      migration: { mode: "postcopy", switch: "first-pass", bandwidth_mib: 40, postcopy_bandwidth_mib: 1, probe: false },
    };
    const before = await deploy(tf, vm);
    tf.writeConfig(await configFor([{ ...vm, host: "b" }]));
    await tf.run(["plan", "-input=false", "-no-color", "-out=plan.bin"]);

    bg = BackgroundTerraform.start(tf, ["apply", "-input=false", "-no-color", "plan.bin"]);
    await postcopyRunning("a", NAME);
    bg.killGroup();
    const killed = await bg.result();
    expect(killed.exitCode).not.toBe(0);
    // libvirt goes on alone; full speed for the pages that are left.
    await hurryPostcopy("a", NAME);
    await waitUntil("the orphaned move to finish on b", async () =>
      (await stateOn("a", NAME)) === "absent" && shown(await stateOn("b", NAME)).startsWith("running") ? true : undefined,
    );
    // Terraform died before it could write anything: the state still says a.
    expect(resourceValues(await tf.stateJson(), address(NAME))!.host).toBe("a");

    tf.env.TF_LOG_PROVIDER = "INFO";
    tf.env.TF_LOG_PATH = join(tf.dir, "reapply.log");
    try {
      await tf.run(["apply", "-input=false", "-no-color", "plan.bin"]);
    } finally {
      tf.env.TF_LOG_PROVIDER = undefined;
      tf.env.TF_LOG_PATH = undefined;
    }
    expect(providerLog(tf, "reapply.log")).toMatch(new RegExp(`${NAME} already runs on host b: nothing to move`));
    const v = resourceValues(await tf.stateJson(), address(NAME))!;
    expect(v.host).toBe("b");
    expect(v.last_move).toBeNull();
    expect(shown(await stateOn("b", NAME))).toMatch(/^running/);
    expect(await stateOn("a", NAME)).toBe("absent");
    await expectContinuous(NAME, before, "b");
    expect((await tf.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"], [0, 2])).exitCode).toBe(0);
  }, 300_000);
});
