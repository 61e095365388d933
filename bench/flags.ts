/**
 * Command-line flags of the benchmarks: `--name value` only, each benchmark declaring its own with
 * a default. Strict (node:util parseArgs): a misspelled or unknown flag is an error naming it,
 * never silently ignored.
 */
import { parseArgs } from "node:util";

/** flag name → default value */
export type FlagSpec = Record<string, string>;

export class FlagError extends Error {}

function parse(spec: FlagSpec, args: string[], what: string, withDefaults: boolean): Record<string, string | undefined> {
  try {
    const options = Object.fromEntries(
      Object.entries(spec).map(([k, d]) => [k, withDefaults ? { type: "string" as const, default: d } : { type: "string" as const }]),
    );
    return parseArgs({ args, strict: true, allowPositionals: false, options }).values as Record<string, string | undefined>;
  } catch (e) {
    const known =
      Object.keys(spec)
        .map((k) => `--${k}`)
        .join(", ") || "none";
    throw new FlagError(`${(e as Error).message.split(". ")[0]} for ${what}. Fix: use its flags: ${known}.`);
  }
}

/** Every flag of `spec` with its value from `args` or its default; anything else in `args` throws. */
export function readFlags<S extends FlagSpec>(spec: S, args: string[], what = "this benchmark"): { [K in keyof S]: string } {
  return parse(spec, args, what, true) as { [K in keyof S]: string };
}

/**
 * For `bench all`: checks `args` against the flags of all benchmarks (`all`), then returns the
 * `--name value` pairs given for one of them (`spec`), so each gets its own flags and its own defaults.
 */
export function flagsFor(spec: FlagSpec, args: string[], all: FlagSpec, what: string): string[] {
  return Object.entries(parse(all, args, what, false))
    .filter(([k, v]) => k in spec && v !== undefined)
    .flatMap(([k, v]) => [`--${k}`, v!]);
}
