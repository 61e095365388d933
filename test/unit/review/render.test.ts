/** Markdown and HTML renderings: assertions on content, no snapshots. */
import { describe, expect, it } from "vitest";
import { review } from "../../../src/review/index.js";
import type { CheckResult } from "../../../src/preflight/types.js";
import { change, examplePlan, planWithVerdict, realPlan, report, verdictText } from "./fixtures/plans.js";

const verdictLines = (plan: ReturnType<typeof realPlan>, address: string) => String(change(plan, address).after!.preflight).split("\n");

describe("Markdown", () => {
  const plan = examplePlan();
  const { markdown } = review(plan);

  it("summarizes the plan and each move: from → to and strategy", () => {
    expect(markdown).toContain("**2 VMs move · 1 created · 1 destroyed · 1 replaced · 1 unchanged**");
    expect(markdown).toContain("### rv-web: a → b, post-copy");
    expect(markdown).toContain("### rv-db: a → b, pre-copy");
    expect(markdown).toContain("| rv-web | a → b | post-copy |");
  });

  it("shows every check line of both verdicts as the plan has it, and a table row per check", () => {
    for (const address of ["livevirt_vm.rv_web", "livevirt_vm.rv_db"]) {
      for (const line of verdictLines(plan, address)) expect(markdown).toContain(line);
    }
    expect(markdown).toContain("| ❌ FAIL | b | `kernel.userfaultfd` | userfaultfd usable by QEMU as libvirt runs it |");
    expect(markdown).toContain("| ✅ pass (advisory) | a | `libvirt.postcopy-recovery` |");
    // The fix is in the row (Markdown-escaped: vm.unprivileged\_userfaultfd renders as written).
    expect(markdown).toMatch(/\| on host b: set vm\.unprivileged\\_userfaultfd=1 \(sysctl -w/);
  });

  it("folds passing checks away under a details line; what does not pass stands in the table before it", () => {
    const db = markdown.slice(
      markdown.indexOf("### rv-db"),
      markdown.indexOf("### rv-web") > markdown.indexOf("### rv-db") ? markdown.indexOf("### rv-web") : undefined,
    );
    const fold = db.indexOf("passing checks</summary>");
    expect(fold).toBeGreaterThan(0);
    expect(db.indexOf("| ❌ FAIL | b | `kernel.userfaultfd`")).toBeLessThan(fold);
    expect(db.indexOf("| ✅ pass")).toBeGreaterThan(fold);
    // rv-web passes every deciding check: its table holds only what does not pass.
    const web = markdown.slice(markdown.indexOf("### rv-web"));
    const before = web.slice(0, web.indexOf("</summary>"));
    expect(before).not.toContain("| ✅ pass |");
  });

  it("gives the estimate with its formula, or says the link bounds it", () => {
    expect(markdown).toContain("≈ 4 s: 256 MiB of RAM ÷ 64 MiB/s of bandwidth = 4 s.");
    expect(markdown).toContain("unlimited bandwidth: bounded by the link");
  });

  it("lists created, destroyed and replaced VMs and the unchanged count", () => {
    expect(markdown).toMatch(/### Created\n\n- rv-new on host a/);
    expect(markdown).toMatch(/### Destroyed\n\n- rv-old on host b/);
    expect(markdown).toMatch(/- rv-resize on host b, because memory\\_mib changed/);
    expect(markdown).toContain("Unchanged: 1 VM.");
  });

  it("says 'verdict known after apply' when the preflight is unknown", () => {
    const p = realPlan();
    const c = change(p, "livevirt_vm.rv_web");
    delete c.after!.preflight;
    c.after_unknown.preflight = true;
    expect(review(p).markdown).toContain("**Preflight: verdict known after apply.**");
  });

  it("renders hostile VM names as text", () => {
    const p = realPlan();
    change(p, "livevirt_vm.rv_web").after!.name = "<script>alert(1)</script> | *x*";
    const md = review(p).markdown;
    expect(md).not.toContain("<script>");
    expect(md).toContain("&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*");
  });
});

describe("HTML", () => {
  const { html } = review(examplePlan());

  it("is self-contained: inline CSS, no scripts, nothing to fetch, and a CSP that forbids fetching", () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|\shref=|url\(|@import/i);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`);
  });

  it("has a section per move with a row per check, coloured by verdict class", () => {
    const db = html.slice(html.indexOf('data-vm="rv-db"'), html.indexOf("</section>", html.indexOf('data-vm="rv-db"')));
    expect(db).toContain('<span class="route">a → b</span>');
    expect(db.match(/<tr class="check status-fail deciding-yes"/g)).toHaveLength(3);
    expect(db).toContain('data-status="fail" data-host="b" data-check="kernel.userfaultfd"');
    expect(html.match(/<tr class="check /g)).toHaveLength(32);
  });

  it("folds the passing checks into a closed details element after the ones that do not pass", () => {
    const db = html.slice(html.indexOf('data-vm="rv-db"'), html.indexOf("</section>", html.indexOf('data-vm="rv-db"')));
    const fold = db.indexOf('<details class="passing">');
    expect(fold).toBeGreaterThan(0);
    expect(db.slice(0, fold)).not.toContain('data-status="pass"');
    expect(db.slice(fold)).not.toContain('data-status="fail"');
    expect(db.slice(fold)).toMatch(/<summary>\d+ passing checks<\/summary>/);
    expect(db.slice(fold)).toContain('data-status="pass"');
  });

  it("escapes every string from the plan", () => {
    const p = realPlan();
    const c = change(p, "livevirt_vm.rv_web");
    c.after!.name = `<script>alert("x")</script>`;
    c.after!.preflight = String(c.after!.preflight).replace("libvirt supports post-copy", `<img src=x onerror=alert(1)> & "quoted"`);
    const out = review(p).html;
    expect(out).not.toMatch(/<script|<img/);
    expect(out).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(out).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;");
  });
});

describe("Move order: the provider's per-host queues, with the plan's own host limits", () => {
  it("two moves out of a at the default limit: one after the other; no total when one has no bandwidth cap", () => {
    const { markdown, html } = review(examplePlan());
    expect(markdown).toContain("### Move order");
    expect(markdown).toContain(
      "2 moves: 2 out of a (1 at a time); at most 1 at once; no total estimate: a move has neither bandwidth\\_mib nor an earlier move between its hosts to " +
        "measure the link from",
    );
    expect(markdown).toContain("| 2 | rv-web | a → b | — | ≈ 4 s | rv-db |");
    expect(html).toContain('<section class="order"><h2>Move order</h2>');
  });

  it("max_outbound_moves = 2 in the plan's provider block: both at once; the total is the longer (a floor: one is pre-copy)", () => {
    const plan = examplePlan();
    (change(plan, "livevirt_vm.rv_db").after!.migration as Record<string, unknown>).bandwidth_mib = 32;
    const config = plan.configuration as { provider_config: { livevirt: { expressions: { host: Record<string, unknown>[] } } } };
    config.provider_config.livevirt.expressions.host[0]!.max_outbound_moves = { constant_value: 2 };
    const { markdown } = review(plan);
    expect(markdown).toContain("2 moves: 2 out of a (2 at once); at most 2 at once; estimated at least 6 s in all.");
    expect(markdown).toContain("| 1 | rv-db | a → b | at once | ≥ 6 s | — |");
    expect(markdown).toContain("| 2 | rv-web | a → b | at once | ≈ 4 s | — |");
  });
});

describe("fit.storage in the review (a VM whose disk is a pool volume copied with the move)", () => {
  // What src/preflight/fit.ts storageCheck says for a copied volume (unit-tested there).
  const storage = (status: "pass" | "unknown"): CheckResult => ({
    id: "fit.storage",
    host: "b",
    title: "the VM's storage pools on the destination",
    status,
    found: status === "pass" ? "vms/db.qcow2 created in b's pool by the copy (qcow2, 64 MiB)" : "reading the storage pools of host b failed: timeout",
    required: "pool vms defined and active; room for vms/db.qcow2 (created by the copy)",
    requiredFor: "move",
  });
  const reviewed = (status: "pass" | "unknown") =>
    review(
      planWithVerdict("livevirt_vm.rv_db", verdictText(report({ probe: "pass", extra: [storage(status)], onUnsupported: "precopy" })), { copy_storage: true }),
    );

  it("a passing check is one of the passing rows, in both renderings", () => {
    const { markdown, html } = reviewed("pass");
    expect(markdown).toMatch(/\| ✅ pass \| b \| `fit\.storage` \| the VM's storage pools on the destination \|/);
    expect(markdown).toContain("[pass] b fit.storage — the VM's storage pools on the destination");
    expect(html).toContain("fit.storage");
  });

  it("one that could not be read stands open with what it requires", () => {
    const { markdown } = reviewed("unknown");
    expect(markdown).toMatch(/\| ❔ unknown \| b \| `fit\.storage` \|.*pool vms defined and active; room for vms\/db\.qcow2/);
  });
});

describe("fit.shared-storage in the review (a shared disk on a local filesystem)", () => {
  it("the failing check stands open in the table with its fix, and the move is shown refused", () => {
    const check: CheckResult = {
      id: "fit.shared-storage",
      host: "a",
      title: "disks moved without copying are on shared storage",
      status: "fail",
      found:
        'on a local filesystem of host a, which libvirt refuses to move without copying ("Migration without shared storage is unsafe"): /srv/db.img (ext4)',
      required: "each disk with shared = true on a filesystem libvirt counts as shared",
      requiredFor: "move",
      fix: "put the image on shared storage mounted at the same path on both hosts",
    };
    const { markdown, html } = review(
      planWithVerdict("livevirt_vm.rv_db", verdictText(report({ probe: "pass", extra: [check], onUnsupported: "precopy" })), {}),
    );
    expect(markdown).toMatch(
      /\| ❌ FAIL \| a \| `fit\.shared-storage` \| disks moved without copying are on shared storage \|.*put the image on shared storage/,
    );
    expect(markdown).toContain("cannot move: the plan fails and nothing is touched");
    expect(html).toContain("fit.shared-storage");
  });
});
