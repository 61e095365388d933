/**
 * npm run bench [-- args]        all benchmarks (plan cost, then moves on the lab)
 * npm run bench:plan [-- --rounds 3 --n 10,50,200]
 * npm run bench:moves [-- --rounds 3]
 * Reports go to docs/bench/. Benchmarks print figures; nothing asserts on time.
 */
import { runPlanCost } from "./plan-cost.js";

const what = process.argv[2] ?? "all";
async function main(): Promise<void> {
  if (what === "plan" || what === "all") await runPlanCost();
  if (what === "moves" || what === "all") {
    const { runMoves } = await import("./moves.js");
    await runMoves();
  }
  if (!["plan", "moves", "all"].includes(what)) throw new Error(`unknown benchmark ${what}: plan | moves | all`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
