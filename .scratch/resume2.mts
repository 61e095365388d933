import { startMigration } from "../src/libvirt/migrate.js";
import { bootGuest, removeGuest, waitForHeartbeats, readConsole, waitForNewHeartbeat } from "../src/lab/guests.js";
import { checkContinuity, lastHeartbeat } from "../src/lab/guest/console.js";
import { hostUri, migrationUri } from "../src/lab/lab.js";
import { execa } from "execa";
const NAME = "exp-resume";
const virsh = (h: "a"|"b", ...args: string[]) => execa("virsh", ["-c", hostUri(h), ...args], { reject: false });
const ss = (ns: string, ...args: string[]) => execa("ip", ["netns", "exec", ns, "ss", ...args], { reject: false });
for (const h of ["a", "b"] as const) await removeGuest(h, NAME);
await bootGuest("a", { name: NAME, memoryMib: 256, testMib: 128, rateMibPerS: 40, heartbeatMs: 500 });
await waitForHeartbeats("a", NAME, 3);
const move = startMigration(hostUri("a"), NAME, migrationUri("b"), { live: true, p2p: true, postcopy: true, postcopyAfterPrecopy: true, persistent: true, undefineSource: true, bandwidth: 10, postcopyBandwidth: 4, tls: process.env.TLS === "1" } as any);
const t00 = Date.now();
move.done.then((r) => console.log("first migrate done", r), (e) => console.log(`first migrate failed after ${Date.now()-t00} ms:`, String(e.message).split("\n")[0]));
for (let i = 0; i < 120; i++) {
  const s = await virsh("a", "domstate", "--reason", NAME);
  if (/post-copy/.test(s.stdout)) { console.log("source:", s.stdout.trim()); break; }
  await new Promise((r) => setTimeout(r, 500));
}
await new Promise((r) => setTimeout(r, Number(process.env.WAIT_MS ?? 2000)));
console.log((await ss("lv-a", "-tnpi", "dst", "10.231.0.2")).stdout);
const k = await ss("lv-a", "-K", "-tn", "dst", "10.231.0.2", "dport", ">=", "49152", "dport", "<=", "49215");
console.log("ss -K:", k.exitCode, k.stdout, k.stderr);
const tk = Date.now();
for (let i = 0; i < 60; i++) {
  const a = (await virsh("a", "domstate", "--reason", NAME)).stdout.trim(), b = (await virsh("b", "domstate", "--reason", NAME)).stdout.trim();
  if (/failed/.test(a) && /failed/.test(b)) { console.log(`both failed after ${Date.now() - tk} ms: a ${a}; b ${b}`); break; }
  if (i % 4 === 0) console.log(`t+${Date.now()-tk}: a ${a}; b ${b}`);
  await new Promise((r) => setTimeout(r, 500));
}
const t0 = Date.now();
const args = ["migrate", ...(process.env.TLS === "1" ? ["--tls"] : []), ...(process.env.RESUME_EXTRA ?? "").split(" ").filter(Boolean), "--live", "--p2p", "--persistent", "--undefinesource", "--postcopy", "--postcopy-resume", NAME, migrationUri("b")];
console.log("resume:", args.join(" "));
const watch = setInterval(async () => { const j = await virsh("a", "domjobinfo", NAME); console.log(`t+${Date.now()-t0} a:`, j.stdout.split("\n").filter(l => /type|processed|remaining|Operation/i.test(l)).map(l => l.replace(/\s+/g, " ")).join(" | ")); }, 5000);
const r = await execa("virsh", ["-c", hostUri("a"), ...args], { reject: false, timeout: 120000 });
clearInterval(watch);
console.log("resume exit", r.exitCode, r.stdout, r.stderr, (Date.now() - t0) + " ms");
for (const h of ["a", "b"] as const) console.log(h, (await virsh(h, "domstate", "--reason", NAME)).stdout.trim());
const lastOnA = lastHeartbeat(readConsole("a", NAME));
const after = await waitForNewHeartbeat("b", NAME, lastOnA!);
console.log("after", after, checkContinuity(readConsole("a", NAME), readConsole("b", NAME)).problems);
