import { describe, expect, it } from "vitest";
import { createLogger, hclogTimestamp, levelFromEnv } from "../../../provider/plugin/log.js";

describe("hclog JSON logging", () => {
  it("writes @level/@message/@module/@timestamp with exactly 6 fractional digits", () => {
    const lines: string[] = [];
    createLogger("provider.livevirt", 0, (l) => lines.push(l))
      .child("vm")
      .info("hello", { n: 1, err: new Error("boom") });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ "@level": "info", "@message": "hello", "@module": "provider.livevirt.vm", n: 1, err: { message: "boom" } });
    expect(rec["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(hclogTimestamp(new Date("2025-01-02T03:04:05.678Z"))).toBe("2025-01-02T03:04:05.678000Z");
  });

  it("filters by TF_LOG_PROVIDER, then TF_LOG", () => {
    const lines: string[] = [];
    const log = createLogger("m", levelFromEnv({ TF_LOG: "trace", TF_LOG_PROVIDER: "warn" }), (l) => lines.push(l));
    log.info("no");
    log.warn("yes");
    expect(lines.map((l) => JSON.parse(l)["@message"])).toEqual(["yes"]);
    expect(levelFromEnv({ TF_LOG: "DEBUG" })).toBe(levelFromEnv({ TF_LOG_PROVIDER: "debug" }));
    expect(levelFromEnv({ TF_LOG: "JSON" })).toBe(0);
  });
});
