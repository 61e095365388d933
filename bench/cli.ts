/**
 * npm run bench [-- args]        all benchmarks (plan cost, then moves on the lab)
 * npm run bench:plan [-- --rounds 3 --n 10,50,200]
 * npm run bench:moves [-- --rounds 3]
 * npm run bench:recreate [-- --rounds 6 --rate 20 --bw 16]   (3: recreate vs move, takes the lab lock per round)
 * npm run bench:preflight [-- --rounds 5]                     (4b: preflight cost, takes the lab lock per round)
 * npm run bench:startup [-- --rounds 15 --compare <launcher>]  (provider spawn → handshake; no lab)
 * npm run bench:tls [-- --rounds 5 --rates 0,20 --bw 0]       (5: encrypted vs clear moves, takes the lab lock per rate)
 * npm run bench:apply [-- --rounds 6 --cdktf-rounds 2 --label current]  (apply and deploy overhead of a move; run it under flock -x)
 * Reports go to docs/bench/. Benchmarks print figures; nothing asserts on time.
 */
import { APPLY_FLAGS, runApplyCost } from "./apply-cost.js";
import { FlagError, flagsFor, type FlagSpec } from "./flags.js";
import { MOVES_FLAGS, runMoves } from "./moves.js";
import { PLAN_FLAGS, runPlanCost } from "./plan-cost.js";
import { PREFLIGHT_FLAGS, runPreflightCost } from "./preflight-cost.js";
import { runProviderStartup, STARTUP_FLAGS } from "./provider-startup.js";
import { RECREATE_FLAGS, runRecreate } from "./recreate.js";
import { runTlsCost, TLS_FLAGS } from "./tls-cost.js";

const BENCHES: Record<string, { flags: FlagSpec; run: (args: string[]) => Promise<unknown> }> = {
  plan: { flags: PLAN_FLAGS, run: runPlanCost },
  moves: { flags: MOVES_FLAGS, run: runMoves },
  recreate: { flags: RECREATE_FLAGS, run: runRecreate },
  preflight: { flags: PREFLIGHT_FLAGS, run: runPreflightCost },
  startup: { flags: STARTUP_FLAGS, run: runProviderStartup },
  tls: { flags: TLS_FLAGS, run: runTlsCost },
  apply: { flags: APPLY_FLAGS, run: runApplyCost },
};

async function main(): Promise<void> {
  const [what = "all", ...args] = process.argv.slice(2);
  const one = BENCHES[what];
  if (one) {
    await one.run(args); // strict: an unknown flag fails naming it
  } else if (what === "all") {
    // Each benchmark gets the flags it declares; a flag no benchmark declares fails up front.
    const all = Object.assign({}, ...Object.values(BENCHES).map((b) => b.flags)) as FlagSpec;
    const own = Object.values(BENCHES).map((b) => flagsFor(b.flags, args, all, "npm run bench"));
    for (const [i, b] of Object.values(BENCHES).entries()) await b.run(own[i]!);
  } else {
    throw new Error(`unknown benchmark ${what}: ${Object.keys(BENCHES).join(" | ")} | all`);
  }
}
main().catch((e) => {
  console.error(e instanceof FlagError ? e.message : e);
  process.exit(1);
});
