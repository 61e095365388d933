/**
 * npm run bench [-- args]        all benchmarks (plan cost, then moves on the lab)
 * npm run bench:plan [-- --rounds 3 --n 10,50,200]
 * npm run bench:moves [-- --rounds 3]
 * npm run bench:recreate [-- --rounds 6 --rate 20 --bw 16]   (3: recreate vs move, takes the lab lock per round)
 * npm run bench:preflight [-- --rounds 5]                     (4b: preflight cost, takes the lab lock per round)
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
  if (what === "recreate" || what === "all") {
    const { runRecreate } = await import("./recreate.js");
    await runRecreate();
  }
  if (what === "preflight" || what === "all") {
    const { runPreflightCost } = await import("./preflight-cost.js");
    await runPreflightCost();
  }
  if (!["plan", "moves", "recreate", "preflight", "all"].includes(what)) throw new Error(`unknown benchmark ${what}: plan | moves | recreate | preflight | all`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
