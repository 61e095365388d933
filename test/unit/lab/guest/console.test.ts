import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LabError } from "../../../../src/errors.js";
import { checkContinuity, guestCmdline, lastHeartbeat, parseConsole } from "../../../../src/lab/guest/console.js";

// Fixtures are real serial consoles of the lab guest under QEMU 10 TCG (captured with
// bootQemuGuest): a clean boot, the memcheck self-test, a QMP system_reset, NMIs, an NMI panic.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url), "utf8");

describe("parseConsole on a clean boot", () => {
  const r = parseConsole(fixture("boot-rate8"));

  it("sees LVREADY, one boot and every heartbeat through firmware escape codes and CRLF", () => {
    expect(r.ready).toBe(true);
    expect(r.bootIds).toEqual(["f76820cd"]);
    expect(r.readyMarks[0]).toMatchObject({ boot: "f76820cd", memMib: 64, rateMibPerS: 8, pages: 16384 });
    expect(r.heartbeats.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.errors).toEqual([]);
    expect(r.kernelProblems).toEqual([]);
    expect(r.garbled).toBe(0);
  });

  it("reads heartbeat fields as numbers", () => {
    expect(lastHeartbeat(r)).toMatchObject({
      boot: "f76820cd",
      uptimeS: 9.63,
      seq: 6,
      memMib: 64,
      rateMibPerS: 8,
      written: 12288,
      verified: 12288,
      errors: 0,
      passes: 0,
      cpuPct: 5,
    });
  });

  it("holds back an unfinished last line instead of reading a cut number", () => {
    const text = fixture("boot-rate8");
    const cut = text.lastIndexOf("written=") + "written=12".length; // real value 12288
    const p = parseConsole(text.slice(0, cut));
    expect(p.heartbeats).toHaveLength(5);
    expect(p.partial).toMatch(/^LVHB .*written=12$/);
    expect(lastHeartbeat(p)?.seq).toBe(5);
  });

  it("continuity between an early and a late heartbeat of the same boot holds", () => {
    const early = parseConsole(fixture("boot-rate8").split("seq=3")[0]!);
    const c = checkContinuity(early, r);
    expect(c.problems).toEqual([]);
    expect(c.ok).toBe(true);
  });
});

describe("parseConsole on memcheck's self-test (one flipped word)", () => {
  const r = parseConsole(fixture("selftest-corrupt"));

  it("reports the bad page and memcheck counts exactly one", () => {
    expect(r.errors).toEqual([{ page: 0, word: 3, want: "ee2a496457385588", got: "ee2a496457385589", words: 1, line: 4 }]);
    expect(lastHeartbeat(r)?.errors).toBe(1);
  });

  it("fails continuity, naming the error", () => {
    const c = checkContinuity(r.heartbeats[0]!, r);
    expect(c.ok).toBe(false);
    expect(c.problems.join("\n")).toMatch(/memory error page=0 word=3/);
    expect(c.problems.join("\n")).toMatch(/counted 1 bad page/);
  });
});

describe("parseConsole on a reboot (QMP system_reset)", () => {
  const text = fixture("reboot");
  const r = parseConsole(text);

  it("sees both boots, including an LVINIT glued to firmware output on one line", () => {
    expect(r.bootIds).toEqual(["84280648", "109752c9"]);
    expect(r.readyMarks).toHaveLength(2);
    expect(r.heartbeats).toHaveLength(6);
  });

  it("fails continuity across the reboot even though seq and uptime look plausible", () => {
    const before = parseConsole(
      text
        .slice(0, text.indexOf("seq=3") + 200)
        .split("\n")
        .slice(0, -1)
        .join("\n") + "\n",
    );
    expect(before.bootIds).toEqual(["84280648"]);
    const afterOnly = parseConsole(text.slice(text.lastIndexOf("SeaBIOS")));
    const c = checkContinuity(before, afterOnly);
    expect(c.ok).toBe(false);
    expect(c.problems).toContain("guest rebooted: boot id 84280648 → 109752c9");
    expect(checkContinuity(before, r).problems.join("\n")).toMatch(/after: guest rebooted/);
  });
});

describe("kernel trouble", () => {
  it("notes NMI messages interleaved with heartbeats without losing heartbeats", () => {
    const r = parseConsole(fixture("nmi-interleaved"));
    expect(r.heartbeats.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(r.kernelProblems.map((k) => k.kind)).toEqual(["nmi", "nmi", "nmi"]);
    expect(checkContinuity(r.heartbeats[0]!, lastHeartbeat(r)!).ok).toBe(true); // heartbeats alone
    expect(checkContinuity(r.heartbeats[0]!, r).ok).toBe(false); // the report sees the NMIs
  });

  it("detects a kernel panic", () => {
    const r = parseConsole(fixture("nmi-panic"));
    const panic = r.kernelProblems.find((k) => k.kind === "panic");
    expect(panic?.text).toMatch(/Kernel panic - not syncing: NMI: Not continuing/);
  });

  it("detects oops/BUG lines (text as Linux prints them)", () => {
    const text = [
      "[   12.1] list_del corruption. prev->next should be ffff8880, but was dead000000000100",
      "[   12.2] kernel BUG at lib/list_debug.c:62!",
      "[   12.3] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
      "[   13.0] BUG: unable to handle page fault for address: ffffc900",
      "[   13.1] Oops: 0000 [#2] PREEMPT SMP NOPTI",
      "[   14.0] WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:5000 foo+0x1/0x2",
      "[   22.0] rcu: INFO: rcu_preempt self-detected stall on CPU",
      "",
    ].join("\n");
    expect(parseConsole(text).kernelProblems.map((k) => k.kind)).toEqual(["bug", "bug", "oops", "oops", "warning", "stall"]);
  });
});

describe("garbled and hostile lines", () => {
  const hb = "LVHB boot=0badf00d up=10.00 seq=4 mem=64 rate=8 written=100 verified=100 errors=0 passes=0";

  it("finds a heartbeat after a kernel message that lacked its newline", () => {
    const r = parseConsole(`[    5.1] random: crng init done${hb}\r\n`);
    expect(r.heartbeats).toHaveLength(1);
  });

  it("counts a heartbeat split by printk as garbled, not as data", () => {
    const r = parseConsole(`LVHB boot=0badf00d up=10.00 seq=4 mem=64 ra[    5.1] x\r\nte=8 written=100\r\n`);
    expect(r.heartbeats).toEqual([]);
    expect(r.garbled).toBe(1);
  });

  it("keeps a garbled LVERR as an error (never lets a bad page pass)", () => {
    const r = parseConsole("LVERR page=12 wo[  3.3] x\n");
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.page).toBe(-1);
  });

  it("flags counters that went back within one boot (lost guest memory)", () => {
    const a = parseConsole(`${hb}\n`).heartbeats[0]!;
    const b = { ...a, seq: 5, uptimeS: 11, written: 90 };
    expect(checkContinuity(a, b).problems).toEqual(["written went back: 100 → 90"]);
    expect(checkContinuity(a, a).problems).toEqual(["uptime did not advance: 10 s → 10 s", "no new heartbeat: seq 4 → 4"]);
  });

  it("reports no heartbeat at all", () => {
    const empty = parseConsole("");
    expect(checkContinuity(empty, empty).problems).toEqual(["before: no heartbeat", "after: no heartbeat"]);
  });
});

describe("guestCmdline", () => {
  it("has defaults and the lv.* parameters memcheck reads", () => {
    expect(guestCmdline()).toBe("console=ttyS0 quiet panic=-1 lv.mem=64 lv.rate=0 lv.hb=1000");
    expect(guestCmdline({ memMib: 128, rateMibPerS: 60, heartbeatMs: 500, selftestCorrupt: true })).toBe(
      "console=ttyS0 quiet panic=-1 lv.mem=128 lv.rate=60 lv.hb=500 lv.selftest_corrupt=1",
    );
  });

  it("rejects values memcheck would misread", () => {
    expect(() => guestCmdline({ memMib: 0 })).toThrow(LabError);
    expect(() => guestCmdline({ rateMibPerS: 1.5 })).toThrow(/rateMibPerS/);
    expect(() => guestCmdline({ heartbeatMs: 10 })).toThrow(LabError);
  });
});

describe("latestBoot: a console appended to across domain lives", () => {
  it("keeps only the text from the last boot's LVINIT line", async () => {
    const { latestBoot } = await import("../../../../src/lab/guests.js");
    const text = "SeaBIOS\nLVINIT boot=aaaa\nLVHB boot=aaaaaaaa up=1.00\nSeaBIOS\nnoise LVINIT boot=bbbb\nLVHB boot=bbbbbbbb up=1.00\n";
    expect(latestBoot(text)).toBe("noise LVINIT boot=bbbb\nLVHB boot=bbbbbbbb up=1.00\n");
    expect(latestBoot("no init yet\n")).toBe("no init yet\n");
  });
});
