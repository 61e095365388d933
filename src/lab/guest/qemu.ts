/**
 * Boots the lab guest with a bare qemu-system-x86_64 (no libvirt): for the guest's own tests,
 * fixture capture and timing. TCG only — this machine's /dev/kvm is PVM, where stock kernels crawl.
 * The serial console goes to a file (what libvirt's <serial type='file'> does too), and a QMP
 * socket gives control (quit, system_reset, inject-nmi) without a shell.
 */
import { createConnection, type Socket } from "node:net";
import { readFile, rm } from "node:fs/promises";
import { execa, type ResultPromise } from "execa";
import { LabError } from "../../errors.js";
import { parseConsole, type ConsoleReport } from "./console.js";

export interface QemuGuestOptions {
  kernel: string;
  initrd: string;
  /** Kernel command line, normally from guestCmdline(). */
  cmdline: string;
  /** Guest RAM in MiB. */
  ramMib: number;
  /** File the serial console is written to (truncated at start). */
  consolePath: string;
  /** Unix socket path for QMP. */
  qmpPath: string;
  /** Exit instead of rebooting (panic=-1 then ends QEMU). Default true. */
  noReboot?: boolean;
}

export interface QemuGuest {
  readonly pid: number;
  readonly startedAt: number;
  /** Whole console text so far. */
  console(): Promise<string>;
  /** Poll the parsed console until pred holds; throws LabError (with the console tail) on timeout or exit. */
  waitFor(pred: (r: ConsoleReport) => boolean, timeoutMs: number, what: string): Promise<ConsoleReport>;
  /** One QMP command; resolves with its "return" value. */
  qmp(execute: string, args?: Record<string, unknown>): Promise<unknown>;
  /** SIGKILL QEMU and wait for it; safe to call twice. */
  kill(): Promise<void>;
}

export async function bootQemuGuest(o: QemuGuestOptions): Promise<QemuGuest> {
  const args = [
    "-accel",
    "tcg",
    "-m",
    String(o.ramMib),
    "-nographic",
    "-nodefaults",
    "-nic",
    "none",
    "-serial",
    `file:${o.consolePath}`,
    "-monitor",
    "none",
    "-qmp",
    `unix:${o.qmpPath},server=on,wait=off`,
    "-kernel",
    o.kernel,
    "-initrd",
    o.initrd,
    "-append",
    o.cmdline,
  ];
  if (o.noReboot ?? true) args.push("-no-reboot");
  // A console left from an earlier run would be parsed as this boot until QEMU truncates it.
  await Promise.all([rm(o.consolePath, { force: true }), rm(o.qmpPath, { force: true })]);
  const startedAt = Date.now();
  const proc: ResultPromise = execa("qemu-system-x86_64", args, { reject: false, stdin: "ignore" });
  let exited = false;
  void proc.then(() => (exited = true));
  if (proc.pid === undefined) throw new LabError("qemu-system-x86_64 did not start");
  const pid = proc.pid;

  const console_ = async () => readFile(o.consolePath, "utf8").catch(() => "");

  let sock: Socket | undefined;
  let buf = "";
  const waiting: Array<(msg: Record<string, unknown>) => void> = [];
  const connectQmp = async (): Promise<Socket> => {
    if (sock) return sock;
    for (let i = 0; ; i++) {
      try {
        const s = await new Promise<Socket>((res, rej) => {
          const c = createConnection(o.qmpPath, () => res(c));
          c.once("error", rej);
        });
        s.setEncoding("utf8");
        s.on("data", (d: string) => {
          buf += d;
          for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
            const msg = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
            buf = buf.slice(nl + 1);
            if ("return" in msg || "error" in msg || "QMP" in msg) waiting.shift()?.(msg); // events ignored
          }
        });
        const greeting = new Promise<Record<string, unknown>>((res) => waiting.push(res));
        await greeting;
        sock = s;
        await send("qmp_capabilities");
        return s;
      } catch (e) {
        if (i > 100 || exited) throw new LabError("cannot connect to QEMU's QMP socket", { value: o.qmpPath }, { cause: e });
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const send = async (execute: string, a?: Record<string, unknown>): Promise<unknown> => {
    const s = sock!;
    const reply = new Promise<Record<string, unknown>>((res) => waiting.push(res));
    s.write(JSON.stringify(a ? { execute, arguments: a } : { execute }) + "\n");
    const msg = await reply;
    if ("error" in msg) throw new LabError(`QMP ${execute} failed: ${JSON.stringify(msg.error)}`);
    return msg.return;
  };

  return {
    pid,
    startedAt,
    console: console_,
    async waitFor(pred, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = await console_();
        const r = parseConsole(text);
        if (pred(r)) return r;
        if (exited || Date.now() > deadline) {
          throw new LabError(`lab guest: ${what} ${exited ? "— QEMU exited" : `not seen within ${timeoutMs} ms`}`, {
            value: text.slice(-1500),
          });
        }
        await new Promise((res) => setTimeout(res, 100));
      }
    },
    async qmp(execute, a) {
      await connectQmp();
      return send(execute, a);
    },
    async kill() {
      sock?.destroy();
      if (!exited) proc.kill("SIGKILL");
      await proc;
    },
  };
}
