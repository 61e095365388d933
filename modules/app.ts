/**
 * LivevirtApp: cdktf's App plus the offline provider set-up of every synthesized stack dir
 * (see provider-install.ts). Use it instead of `new App()` so that `npx cdktf synth|diff|deploy`
 * work offline as typed, with the project-local provider build.
 *
 * Why hook synth: cdktf-cli runs the app (which writes cdktf.out/stacks/<name>/cdk.tf.json) and
 * only then inspects the stack dir's lock file and runs `terraform init` there. The app's own
 * synth is the last point we control before that, and it runs for every CLI command that
 * synthesizes. (`cdktf deploy --skip-synth` reuses the dir prepared by the last synth.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, TerraformStack, type AppConfig } from "cdktf";
import { MIRROR_DIR, prepareStackDir, PROVIDER_SOURCE } from "./provider-install.js";

export interface LivevirtAppConfig extends AppConfig {
  /**
   * Prepare each stack dir for offline Terraform after synth (implied-mirror symlink + lock file).
   * @default true, unless LIVEVIRT_SKIP_PROVIDER_SETUP=1
   */
  readonly providerSetup?: boolean;
  /** The filesystem mirror scripts/build-provider.ts writes. @default <project>/.mirror */
  readonly mirrorDir?: string;
}

export class LivevirtApp extends App {
  private readonly providerSetup: boolean;
  private readonly mirrorDir: string;

  constructor(config: LivevirtAppConfig = {}) {
    super(config);
    this.providerSetup = config.providerSetup ?? process.env.LIVEVIRT_SKIP_PROVIDER_SETUP !== "1";
    this.mirrorDir = config.mirrorDir ?? MIRROR_DIR;
  }

  override synth(): void {
    try {
      super.synth(); // validation errors throw here, before anything is prepared
    } catch (e) {
      const problems = validationProblems(e);
      if (!problems) throw e;
      const text = `livevirt: the stack is not valid (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n  ${problems.join("\n  ")}\n`;
      // Under the cdktf CLI (it sets CDKTF_OUTDIR) an uncaught error would bury these lines in a
      // stack trace of cdktf internals plus advice to skip validation; print them alone and fail.
      if (process.env.CDKTF_OUTDIR !== undefined) {
        process.stderr.write(text);
        process.exit(1);
      }
      throw new Error(text.trimEnd());
    }
    if (!this.providerSetup) return;
    for (const stack of this.node.findAll().filter(TerraformStack.isStack)) {
      const m = this.manifest.forStack(stack);
      const dir = join(this.outdir, m.workingDirectory);
      if (!usesLivevirt(join(this.outdir, m.synthesizedStackPath))) continue;
      const r = prepareStackDir(dir, this.mirrorDir);
      // stdout, not stderr: the cdktf CLI prints every line of an app's stderr as "[ERROR]", and
      // its stdout as plain text. A written lock file is news (users commit it), not an error.
      if (r.locked) process.stdout.write(`livevirt: ${stack.node.id}: wrote ${join(m.workingDirectory, ".terraform.lock.hcl")} (${r.locked}) in ${r.ms} ms\n`);
    }
  }
}

/** The lines of cdktf's "Validation failed" error, without its "[path] " prefix on ours (they name the path). */
function validationProblems(e: unknown): string[] | null {
  const message = e instanceof Error ? e.message : "";
  if (!message.startsWith("Validation failed with the following errors:")) return null;
  return message
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith("["))
    .map((l) => l.replace(/^\[[^\]]*\] (?=livevirt: )/, ""));
}

function usesLivevirt(synthesized: string): boolean {
  try {
    const tf = JSON.parse(readFileSync(synthesized, "utf8")) as { terraform?: { required_providers?: Record<string, { source?: string }> } };
    return Object.values(tf.terraform?.required_providers ?? {}).some((p) => {
      const source = p.source?.toLowerCase();
      return source === PROVIDER_SOURCE || `registry.terraform.io/${source}` === PROVIDER_SOURCE;
    });
  } catch {
    return false; // HCL output (cdktf synth --hcl): nothing to inspect; the CLI's own path applies
  }
}
