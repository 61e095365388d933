/**
 * The review page in a real headless browser: Debian's `chromium` package driven by
 * playwright-core (which ships no browser; we point it at /usr/bin/chromium). Renders the example
 * report — the real captured plan, with rv-db's verdict for a destination without post-copy —
 * asserts what a reviewer sees, and keeps docs/review-example.{md,html,png} up to date.
 * Installs nothing: without the browser it fails, naming the package (`apt-get install chromium`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLACEMENT_SVG, review } from "../../src/review/index.js";
import { change, examplePlan, realPlan } from "../unit/review/fixtures/plans.js";

const CHROMIUM = "/usr/bin/chromium";
const DOCS = fileURLToPath(new URL("../../docs/", import.meta.url));
const EXAMPLE_HTML = join(DOCS, "review-example.html");

/** The page's computed background colour of an element (no DOM lib in our tsconfig: typed by hand). */
const background = (l: Locator) =>
  l.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);

describe("review page in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const dialogs: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), "livevirt-review-browser-"));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's browser with \`apt-get install chromium\``);
    const { markdown, html, svg } = review(examplePlan());
    writeFileSync(join(DOCS, "review-example.md"), markdown);
    // review-example.md links the picture by the name npm run review gives it.
    if (svg) writeFileSync(join(DOCS, PLACEMENT_SVG), svg);
    writeFileSync(EXAMPLE_HTML, html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (r) => requests.push(r.url()));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("shows the summary, each move's route and strategy, and the failing checks in red", async () => {
    await page.goto(pathToFileURL(EXAMPLE_HTML).href);
    await expect.poll(() => page.locator("h1").innerText()).toBe("livevirt plan review");
    expect(await page.locator(".totals").innerText()).toBe("2 VMs move · 1 created · 1 destroyed · 1 replaced · 1 unchanged");

    const web = page.locator('section.move[data-vm="rv-web"]');
    expect(await web.locator("h2 .vm").innerText()).toBe("rv-web");
    expect(await web.locator("h2 .route").innerText()).toBe("a → b");
    expect(await web.locator("h2 .strategy").innerText()).toBe("post-copy");
    expect(await web.locator(".estimate").innerText()).toContain("≈ 4 s: 256 MiB of RAM ÷ 64 MiB/s of bandwidth = 4 s");
    expect(await web.locator('tr.check[data-status="pass"]').count()).toBe(16);

    const db = page.locator('section.move[data-vm="rv-db"]');
    expect(await db.locator("h2 .route").innerText()).toBe("a → b");
    expect(await db.locator("h2 .strategy").innerText()).toBe("pre-copy");
    expect(await db.locator(".estimate").innerText()).toContain("unlimited bandwidth: bounded by the link");
    // Three post-copy checks decide (b cannot post-copy); the advisory recovery check fails on
    // both hosts too (libvirt 11.3.0 crashes on a resume) and does not decide anything.
    expect(await db.locator('tr.check[data-status="fail"].deciding-yes').count()).toBe(3);
    expect(await db.locator('tr.check[data-status="fail"].deciding-no').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-check")))).toEqual([
      "libvirt.postcopy-recovery",
      "libvirt.postcopy-recovery",
    ]);
    const uffd = db.locator('tr.check[data-status="fail"][data-host="b"][data-check="kernel.userfaultfd"]');
    expect(await uffd.locator("td").first().innerText()).toBe("FAIL");
    expect(await uffd.innerText()).toContain("vm.unprivileged_userfaultfd=1");
    expect(await uffd.isVisible()).toBe(true);
    // Coloured by verdict: red for a failure, green for a pass.
    expect(await background(uffd.locator("td.status"))).toBe("rgb(255, 129, 130)");
    const aPass = web.locator('tr.check[data-status="pass"] td.status').first();
    expect(await background(aPass)).toBe("rgb(218, 251, 225)");
    // Passing checks are folded away: hidden until the reviewer opens their summary line.
    expect(await aPass.isVisible()).toBe(false);
    const fold = web.locator("details.passing > summary");
    expect(await fold.innerText()).toBe("all 16 checks pass"); // rv-web: nothing to look at
    await fold.click();
    expect(await aPass.isVisible()).toBe(true);
    await fold.click(); // closed again for the screenshot

    expect(await page.locator("section.created li .vm").allInnerTexts()).toEqual(["rv-new"]);
    expect(await page.locator("section.destroyed li .vm").allInnerTexts()).toEqual(["rv-old"]);
    expect(await page.locator("section.replaced li").innerText()).toContain("rv-resize on host b, because memory_mib changed");
    expect(await page.locator(".unchanged").innerText()).toBe("Unchanged: 1 VM.");

    // The placement: a row per host, and the picture drawn (hosts before and after, the moved VMs named with their destination).
    const placement = page.locator("section.placement");
    expect(await placement.locator("tbody tr td:first-child").allInnerTexts()).toEqual(["a", "b"]);
    const pic = placement.locator("svg");
    expect(await pic.isVisible()).toBe(true);
    expect((await pic.boundingBox())!.width).toBeGreaterThan(300);
    expect(await pic.locator("rect.host").count()).toBe(4);
    expect(await pic.locator("text").allTextContents()).toContain("rv-web · 256 MiB → b");

    await page.screenshot({ path: join(DOCS, "review-example.png"), fullPage: true });
    // Self-contained: the page loaded itself and nothing else.
    expect(requests).toEqual([pathToFileURL(EXAMPLE_HTML).href]);
  });

  it("shows hostile strings from the plan as text and runs nothing", async () => {
    const p = realPlan();
    const c = change(p, "livevirt_vm.rv_web");
    c.after!.name = `<script>alert("name")</script>`;
    c.after!.preflight = String(c.after!.preflight).replace("libvirt supports post-copy", `<img src=x onerror=alert("title")> & "q"`);
    const file = join(tmp, "hostile.html");
    writeFileSync(file, review(p).html);
    await page.goto(pathToFileURL(file).href);
    expect(await page.locator("script, img").count()).toBe(0);
    expect(await page.locator("section.move h2 .vm").allInnerTexts()).toContain(`<script>alert("name")</script>`);
    const row = page.locator(`section.move[data-vm='<script>alert("name")</script>'] tr.check[data-host="a"][data-check="libvirt.version"]`);
    // A passing check: folded away until its summary line is opened.
    await page.locator(`section.move[data-vm='<script>alert("name")</script>'] details.passing > summary`).click();
    expect(await row.innerText()).toContain(`<img src=x onerror=alert("title")> & "q"`);
    expect(dialogs).toEqual([]);
  });
});
