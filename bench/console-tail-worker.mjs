/**
 * The reading half of ConsoleTail (console-tail.ts), in a worker thread: it stamps each console line
 * when it is read, so a main thread busy with virsh calls, parsing or the move itself cannot delay
 * the stamps. Times are absolute (performance.timeOrigin + performance.now(), ms): each thread has
 * its own origin. Plain JavaScript on purpose: Node 20 workers do not inherit tsx's loader hooks.
 * Messages: see TailWorkerMessage in console-tail.ts.
 */
import { closeSync, existsSync, openSync, readSync, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { parentPort, workerData } from "node:worker_threads";

const now = () => performance.timeOrigin + performance.now();
/** @type {{ files: { host: string; path: string }[]; pollMs: number }} */
const input = workerData;
const files = input.files.map((f) => ({ ...f, offset: existsSync(f.path) ? statSync(f.path).size : 0, partial: "" }));

function read(f) {
  if (!existsSync(f.path)) return;
  const size = statSync(f.path).size;
  // A file that shrank was removed and created again (a fresh guest): read it from the start.
  if (size < f.offset) {
    f.offset = 0;
    f.partial = "";
  }
  if (size === f.offset) return;
  const buf = Buffer.alloc(size - f.offset);
  const fd = openSync(f.path, "r");
  let n = 0;
  try {
    n = readSync(fd, buf, 0, buf.length, f.offset);
  } finally {
    closeSync(fd);
  }
  const at = now();
  f.offset += n;
  const parts = (f.partial + buf.subarray(0, n).toString("latin1")).split("\n");
  f.partial = parts.pop() ?? "";
  if (parts.length) parentPort.postMessage({ type: "lines", lines: parts.map((p) => ({ host: f.host, at, text: p.replace(/\r/g, "") })) });
}

const watchers = [];
for (const dir of new Set(files.map((f) => dirname(f.path)))) {
  const mine = files.filter((f) => dirname(f.path) === dir);
  watchers.push(
    watch(dir, (_ev, name) => {
      for (const f of mine) if (name === null || name === basename(f.path)) read(f);
    }),
  );
}
let last = now();
const timer = setInterval(() => {
  const t = now();
  parentPort.postMessage({ type: "tick", at: t, gapMs: t - last });
  last = t;
  for (const f of files) read(f);
}, input.pollMs);

parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  for (const w of watchers) w.close();
  for (const f of files) read(f);
  parentPort.postMessage({ type: "stopped" });
  parentPort.close();
});
