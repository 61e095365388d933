import { startMigration } from "../src/libvirt/migrate.js";
import { bootGuest, removeGuest, waitForHeartbeats } from "../src/lab/guests.js";
import { connect, hostUri, migrationUri } from "../src/lab/lab.js";
import { execa } from "execa";
const NAME = "exp-resume";
const extra = process.argv.slice(2);
const virsh = (h: "a"|"b", ...args: string[]) => execa("virsh", ["-c", hostUri(h), ...args], { reject: false });
for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
await bootGuest("a", { name: NAME, memoryMib: 256, testMib: 128, rateMibPerS: 40, heartbeatMs: 500 });
await waitForHeartbeats("a", NAME, 3);
console.log("booted; uri b:", migrationUri("b"));
const move = startMigration(hostUri("a"), NAME, migrationUri("b"), { live: true, p2p: true, postcopy: true, postcopyAfterPrecopy: true, persistent: true, undefineSource: true, bandwidth: 10, postcopyBandwidth: 4 } as any);
move.done.then((r) => console.log("first migrate done", r), (e) => console.log("first migrate failed:", String(e.message).split("\n")[0]));
for (let i = 0; i < 120; i++) {
  const s = await virsh("a", "domstate", "--reason", NAME);
  if (/post-copy/.test(s.stdout)) { console.log("source:", s.stdout.trim()); break; }
  await new Promise((r) => setTimeout(r, 500));
}
await new Promise((r) => setTimeout(r, 2000));
console.log("abort --postcopy:", JSON.stringify(await virsh("a", "domjobabort", "--postcopy", NAME).then(r => r.stdout + r.stderr)));
await new Promise((r) => setTimeout(r, 3000));
for (const h of ["a", "b"] as const) console.log(h, (await virsh(h, "domstate", "--reason", NAME)).stdout.trim());
const t0 = Date.now();
const args = ["migrate", "--live", "--p2p", "--persistent", "--undefinesource", "--postcopy", "--postcopy-resume", ...extra, NAME, migrationUri("b")];
console.log("resume:", args.join(" "));
const r = await execa("virsh", ["-c", hostUri("a"), ...args], { reject: false, timeout: 300000 });
console.log("resume exit", r.exitCode, r.stdout, r.stderr, (Date.now() - t0) + " ms");
for (const h of ["a", "b"] as const) console.log(h, (await virsh(h, "domstate", "--reason", NAME)).stdout.trim(), (await virsh(h, "version")).stderr.trim());
