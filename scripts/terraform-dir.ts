/**
 * A throw-away Terraform working directory with the project's provider: shared by the integration tests and the benchmarks
 * (bench/ must not import test code).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { buildProvider, CLI_CONFIG } from "./build-provider.js";

/** A throw-away Terraform working directory using the livevirt provider from the project mirror. */
/** LIVEVIRT_TEST_TIMING=1: one stderr line per Terraform command with its wall time (where integration time goes). */
const TIMING = process.env.LIVEVIRT_TEST_TIMING === "1";

export class TerraformDir {
  readonly dir = mkdtempSync(join(tmpdir(), "livevirt-tf-"));
  readonly env: Record<string, string | undefined> = {
    ...process.env,
    TF_CLI_CONFIG_FILE: CLI_CONFIG,
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_LOG: undefined,
    TF_LOG_PROVIDER: undefined,
  };

  static async create(): Promise<TerraformDir> {
    await buildProvider("js");
    return new TerraformDir();
  }

  writeConfig(config: unknown): void {
    writeFileSync(join(this.dir, "main.tf.json"), JSON.stringify(config, null, 2));
  }

  /** Runs terraform; throws with its output unless the exit code is one of `ok`. */
  async run(args: string[], ok: number[] = [0]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const t0 = Date.now();
    const r = await execa("terraform", args, { cwd: this.dir, env: this.env, extendEnv: false, reject: false });
    const exitCode = r.exitCode ?? -1;
    if (TIMING) process.stderr.write(`[timing] terraform ${args[0]}: ${Date.now() - t0} ms (exit ${exitCode})\n`);
    if (!ok.includes(exitCode)) {
      throw new Error(`terraform ${args.join(" ")} exited ${exitCode}:\n${r.stdout}\n${r.stderr}`);
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode };
  }

  /** Plans to a file and returns `terraform show -json` of it. */
  async planJson(extra: string[] = []): Promise<PlanJson> {
    await this.run(["plan", "-input=false", "-no-color", "-out=plan.bin", ...extra]);
    const shown = await this.run(["show", "-json", "plan.bin"]);
    return JSON.parse(shown.stdout) as PlanJson;
  }

  async stateJson(): Promise<StateJson> {
    return JSON.parse((await this.run(["show", "-json"])).stdout) as StateJson;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PlanJson {
  resource_changes?: {
    address: string;
    change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
  }[];
}

export interface StateJson {
  values?: { root_module?: { resources?: { address: string; values: Record<string, unknown> }[] } };
}

export function actionsOf(plan: PlanJson, address: string): string[] | undefined {
  return plan.resource_changes?.find((r) => r.address === address)?.change.actions;
}

export function resourceValues(state: StateJson, address: string): Record<string, unknown> | undefined {
  return state.values?.root_module?.resources?.find((r) => r.address === address)?.values;
}

/** The planned values of one resource (`after`), or undefined when the plan does not touch it. */
export function plannedAfter(plan: PlanJson, address: string): Record<string, unknown> | undefined {
  return plan.resource_changes?.find((r) => r.address === address)?.change.after ?? undefined;
}
