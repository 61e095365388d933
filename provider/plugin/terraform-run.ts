/**
 * Which Terraform command started this provider process — the one fact Terraform's plugin
 * protocol never tells a provider.
 *
 * Why it matters: `terraform destroy` (and `plan -destroy`, `apply -destroy`) first runs a
 * *normal-mode* plan to refresh the state (Terraform ≥ 1.3, context_plan.go `destroyPlan`,
 * `PreDestroyRefresh`). That plan calls PlanResourceChange with the configuration, so a VM whose
 * configuration asks for a move that the preflight refuses would fail the plan — and the destroy
 * with it — although nothing will be moved: the result of that plan is thrown away except for the
 * refreshed state. The request carries no flag saying so (measured: the same bytes as a normal
 * plan's), so the provider asks the process that started it: Terraform execs providers directly,
 * so the parent's argv (plus TF_CLI_ARGS and TF_CLI_ARGS_<command>, which Terraform reads) says
 * whether this run is a destroy.
 */
import { readFileSync } from "node:fs";

export interface TerraformRun {
  /** Terraform's subcommand ("plan", "apply", "destroy", …); null when the parent is not Terraform or unreadable. */
  command: string | null;
  /** The run builds a destroy plan: every non-destroy PlanResourceChange is the pre-destroy refresh. */
  destroy: boolean;
}

const UNKNOWN: TerraformRun = { command: null, destroy: false };

/** Global options Terraform takes before the subcommand (`-chdir=DIR`, `-help`, `-version`). */
const GLOBAL_OPTION = /^--?(chdir=.*|help|h|version|v)$/;

/** Splits TF_CLI_ARGS-style text on whitespace, honouring simple single and double quotes. */
export function splitCliArgs(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** A boolean flag as Terraform's flag package reads it: `-x`, `--x`, `-x=true|false|1|0`. */
function boolFlag(args: readonly string[], name: string): boolean {
  let value = false;
  for (const a of args) {
    if (a === "--") break;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m || m[1] !== name) continue;
    value = m[2] === undefined ? true : ["true", "1", "t", "T", "TRUE", "True"].includes(m[2]);
  }
  return value;
}

/**
 * Pure: the run described by Terraform's argv (argv[0] = the terraform binary) and environment.
 * Anything that does not look like Terraform gives `{ command: null, destroy: false }`, so an
 * unknown parent never relaxes a check.
 */
export function parseTerraformRun(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): TerraformRun {
  if (argv.length === 0 || !/(^|\/)(terraform|tofu)[^/]*$/.test(argv[0]!)) return UNKNOWN;
  const rest = argv.slice(1);
  const i = rest.findIndex((a) => !GLOBAL_OPTION.test(a));
  if (i < 0) return UNKNOWN;
  const command = rest[i]!;
  // Terraform inserts TF_CLI_ARGS after the subcommand, then TF_CLI_ARGS_<command>.
  const args = [...splitCliArgs(env.TF_CLI_ARGS), ...splitCliArgs(env[`TF_CLI_ARGS_${command}`]), ...rest.slice(i + 1)];
  const destroy = command === "destroy" || ((command === "plan" || command === "apply") && boolFlag(args, "destroy"));
  return { command, destroy };
}

/** The run of the Terraform process that started this one (Linux /proc); unknown elsewhere. */
export function currentTerraformRun(ppid: number = process.ppid, env: NodeJS.ProcessEnv = process.env): TerraformRun {
  try {
    const argv = readFileSync(`/proc/${ppid}/cmdline`, "utf8")
      .split("\0")
      .filter((a, i, all) => a !== "" || i < all.length - 1);
    return parseTerraformRun(argv, env);
  } catch {
    return UNKNOWN;
  }
}
