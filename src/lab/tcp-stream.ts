import { execa } from "execa";
import { GUEST_NET } from "./topology.js";

/**
 * A TCP client for the lab's client namespace (run with `node -e STREAM_CLIENT host port ms [stdin]`):
 * writes a counting byte pattern every 10 ms for `ms` (or, with "stdin", until its stdin ends —
 * at most `ms`), checks every echoed byte, waits 3 s for the tail, then prints one JSON line
 * (StreamResult). Used by the guest-network tests and the demo.
 */
export interface StreamResult {
  sent: number;
  recv: number;
  /** Echoed bytes that were not the byte expected at their position (lost, reordered or altered). */
  bad: number;
  /** Longest time between two received chunks, ms. */
  maxGapMs: number;
  /** Socket error code, "closed by peer", or null. */
  err: string | null;
}

export const STREAM_CLIENT =
  `
const net = require("node:net");
const [host, port, ms, until] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
const s = net.connect(port, host);
let sent = 0, recv = 0, bad = 0, last = 0, maxGap = 0, err = null;
s.on("connect", () => { last = Date.now(); process.stdout.write("connected\\n"); });
s.on("data", (d) => { const now = Date.now(); maxGap = Math.max(maxGap, now - last); last = now; for (const b of d) { if (b !== recv % 251) bad++; recv++; } });
s.on("error", (e) => { err = e.code || e.message; });
s.on("close", () => { if (!done) err = err || "closed by peer"; });
let done = false;
const tick = setInterval(() => { const b = Buffer.alloc(512); for (let i = 0; i < b.length; i++) b[i] = (sent + i) % 251; sent += b.length; s.write(b); }, 10);
let stopping = false;
const stop = () => { if (stopping) return; stopping = true; clearInterval(tick); setTimeout(() => { done = true; ` +
  `process.stdout.write(JSON.stringify({ sent, recv, bad, maxGapMs: maxGap, err }) + "\\n"); s.destroy(); process.exit(0); }, 3000); };
setTimeout(stop, ms);
if (until === "stdin") { process.stdin.on("end", stop); process.stdin.resume(); }
`;

/** The client's output: "connected", then the JSON result line. null when it never connected or printed no result. */
export function parseStreamOutput(stdout: string): StreamResult | null {
  const lines = stdout.trim().split("\n");
  if (lines[0] !== "connected") return null;
  try {
    return JSON.parse(lines[lines.length - 1]!) as StreamResult;
  } catch {
    return null;
  }
}

/**
 * Starts STREAM_CLIENT in the lab's client namespace against a guest's echo service; it flows
 * until stop() (at most `maxMs`). stop() resolves with the client's result, or null with why.
 */
export async function startStream(
  ip: string,
  port: number,
  maxMs = 900_000,
): Promise<{ stop: () => Promise<{ result: StreamResult | null; stderr: string }> }> {
  const client = execa("ip", ["netns", "exec", GUEST_NET.clientNetns, "node", "-e", STREAM_CLIENT, ip, String(port), String(maxMs), "stdin"], {
    reject: false,
    stdin: "pipe",
  });
  await new Promise((r) => setTimeout(r, 1500)); // flowing before whatever it is meant to span
  return {
    stop: async () => {
      client.stdin?.end();
      const r = await client;
      return { result: parseStreamOutput(String(r.stdout)), stderr: String(r.stderr) };
    },
  };
}
