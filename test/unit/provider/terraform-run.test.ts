/** Which Terraform run started the provider: the parser of the parent's argv and TF_CLI_ARGS. */
import { describe, expect, it } from "vitest";
import { currentTerraformRun, parseTerraformRun, splitCliArgs } from "../../../provider/plugin/terraform-run.js";

const run = (argv: string[], env: Record<string, string> = {}) => parseTerraformRun(argv, env);

describe("parseTerraformRun", () => {
  it.each([
    [["terraform", "destroy", "-auto-approve"], "destroy", true],
    [["/usr/local/bin/terraform", "-chdir=cdktf.out/stacks/x", "destroy"], "destroy", true],
    [["terraform", "plan", "-destroy", "-out", "plan"], "plan", true],
    [["terraform", "apply", "-destroy=true"], "apply", true],
    [["terraform", "apply", "--destroy"], "apply", true],
    [["terraform", "apply", "-destroy=false"], "apply", false],
    [["terraform", "plan", "-input=false", "-out", "plan"], "plan", false],
    [["terraform", "apply", "-auto-approve", "plan"], "apply", false],
    [["terraform", "plan", "-refresh-only"], "plan", false],
    [["tofu", "destroy"], "destroy", true],
  ])("%j → %s, destroy %s", (argv, command, destroy) => {
    expect(run(argv)).toEqual({ command, destroy });
  });

  it("reads -destroy from TF_CLI_ARGS and TF_CLI_ARGS_<command>, as Terraform does", () => {
    expect(run(["terraform", "plan"], { TF_CLI_ARGS: "-destroy" })).toEqual({ command: "plan", destroy: true });
    expect(run(["terraform", "plan"], { TF_CLI_ARGS_plan: "-input=false -destroy" })).toEqual({ command: "plan", destroy: true });
    // TF_CLI_ARGS_apply does not apply to plan.
    expect(run(["terraform", "plan"], { TF_CLI_ARGS_apply: "-destroy" })).toEqual({ command: "plan", destroy: false });
  });

  it("a flag after -- is an argument, not a flag", () => {
    expect(run(["terraform", "plan", "--", "-destroy"]).destroy).toBe(false);
  });

  it("a parent that is not Terraform never counts as a destroy", () => {
    expect(run(["node", "vitest", "destroy"])).toEqual({ command: null, destroy: false });
    expect(run([])).toEqual({ command: null, destroy: false });
    expect(run(["terraform", "-chdir=x"])).toEqual({ command: null, destroy: false });
  });

  it("splits TF_CLI_ARGS with quotes", () => {
    expect(splitCliArgs(`-var 'a=b c' -destroy "-x=y z"`)).toEqual(["-var", "a=b c", "-destroy", "-x=y z"]);
    expect(splitCliArgs(undefined)).toEqual([]);
  });

  it("reads the real parent of this process (vitest's worker is not Terraform)", () => {
    expect(currentTerraformRun()).toEqual({ command: null, destroy: false });
    expect(currentTerraformRun(999_999_999)).toEqual({ command: null, destroy: false });
  });
});
