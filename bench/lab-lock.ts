/**
 * The shared lab lock, held per chunk of a benchmark (not for the whole run), so other people's
 * lab tests can run between our rounds.
 *
 * Node has no flock(2), so the lock is held by a child `flock LOCK cat`: flock(1) takes the lock and
 * then runs `cat`, which echoes what we write to it. The echo is the proof the lock is held;
 * closing cat's stdin ends cat, and flock releases. If this process dies, the pipe closes and the
 * lock goes with it: a crashed benchmark never leaves the lab locked.
 *
 * Run the benchmark *without* an outer `flock` on the same file: a second flock on it from a child
 * would wait for ever. When the caller already holds the lock, set LIVEVIRT_LAB_LOCK_HELD=1.
 */
import { execa } from "execa";

export const LAB_LOCK = "/tmp/livevirt-lab.lock";

export async function withLabLock<T>(what: string, fn: () => Promise<T>, lockFile = LAB_LOCK): Promise<T> {
  if (process.env.LIVEVIRT_LAB_LOCK_HELD === "1") return fn();
  const holder = execa("flock", [lockFile, "cat"], { stdin: "pipe", stdout: "pipe", stderr: "inherit", reject: false, buffer: false });
  const waiting = setTimeout(() => console.log(`  (waiting for the lab lock ${lockFile} for ${what})`), 1000);
  try {
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      holder.stdout!.on("data", (d: Buffer) => {
        seen += d.toString();
        if (seen.includes("held")) resolve();
      });
      holder.once("exit", (code) => reject(new Error(`flock ${lockFile} exited (${code}) before taking the lock`)));
      holder.stdin!.write("held\n");
    });
  } finally {
    clearTimeout(waiting);
  }
  try {
    return await fn();
  } finally {
    holder.stdin!.end();
    await holder;
  }
}

/**
 * withLabLock, plus the lab checked (and brought up, as `npm run lab:up` would) once the lock is
 * held: a check before taking the lock would race with other people's tests that stop a host.
 */
export async function withLab<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return withLabLock(what, async () => {
    const { labStatus, labUp } = await import("../src/lab/lab.js");
    const s = await labStatus();
    if (!s.up || s.hosts.some((h) => h.pid === undefined || !h.answering)) {
      console.log(`  lab not up (${s.hosts.map((h) => `${h.name}: ${h.answering ? "answering" : "down"}`).join(", ")}): bringing it up (npm run lab:up)`);
      await labUp({ log: (m) => console.log(`  [lab] ${m}`) });
    }
    return fn();
  });
}
