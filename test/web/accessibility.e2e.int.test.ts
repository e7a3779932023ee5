/**
 * Accessibility of the portal's pages, checked by axe-core (Deque's rules engine: WCAG 2.1 A and AA —
 * labels, names, contrast, landmarks, headings, ARIA) in Debian's Chromium, at desktop and phone width,
 * and the sign-in done with the keyboard alone. Pages: sign-in, setup, the patient's request page, a
 * recipient's dead link, and every staff page of a signed-in user (on an empty vault).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generate } from "otplib";
import { chromium, type Browser, type Page } from "playwright-core";
import { runCliAsync, tempDir } from "../helpers/run-cli.ts";
import { CHROMIUM, STAFF_PASSWORD } from "../helpers/browser.ts";
import { setupLinkOf, startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";

const PASS = STAFF_PASSWORD;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WIDTHS = [1280, 375] as const;

interface Violation { readonly id: string; readonly impact: string | null; readonly help: string; readonly nodes: Array<{ readonly target: string[] }> }

/** axe-core's violations on the page as it is now (the engine is evaluated through the DevTools protocol, so the page's CSP does not block it). */
async function violations(page: Page): Promise<string[]> {
  const found = await page.evaluate<Violation[]>(`${AXE}
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }, resultTypes: ["violations"] }).then((r) => r.violations)`);
  return found.map((v) => `${v.id} (${v.impact ?? "?"}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}

describe("accessibility (axe-core, WCAG 2.1 AA)", { skip: existsSync(CHROMIUM) ? false : "Debian chromium is not installed" }, () => {
  let server: RunningRayvault;
  let browser: Browser;
  let secret = "";
  let setupLink = "";
  const env: Record<string, string> = { RAYVAULT_HOME: join(tempDir("a11y"), "home") };

  before(async () => {
    // The first start prints the setup link; users added afterwards do not revoke it until it is used.
    server = await startRayvault(env);
    setupLink = await setupLinkOf(server);
    await server.stop();
    const r = await runCliAsync(["user", "add", "desk", "--role", "technologist", "--role", "front-desk", "--role", "radiologist", "--require-mfa"], env, `${PASS}\n`);
    assert.equal(r.status, 0, r.out);
    secret = /secret=([A-Z2-7]+)/.exec(r.out)![1]!;
    server = await startRayvault(env);
    setupLink = setupLink.replace(/^http:\/\/127\.0\.0\.1:\d+/, server.http);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("signs in with the keyboard alone: labelled fields in order, Enter submits, focus lands on the page heading", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.http);
    await page.getByLabel("User name").waitFor();
    await page.keyboard.press("Tab");
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      order.push(await page.evaluate<string>("document.activeElement?.labels?.[0]?.textContent ?? document.activeElement?.tagName ?? ''"));
      await page.keyboard.type(i === 0 ? "desk" : i === 1 ? PASS : await generate({ secret }));
      if (i < 2) await page.keyboard.press("Tab");
    }
    assert.deepEqual(order, ["User name", "Password", "Authenticator code"]);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate<string>("document.activeElement?.tagName ?? ''"), "H1", "focus moves to the new page's heading");
    await page.context().close();
  });

  for (const width of WIDTHS) {
    it(`has no WCAG 2.1 AA violation on the public pages at ${width} px`, async () => {
      const page = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
      const pages: Array<[string, string, string]> = [
        ["sign-in", server.http, "Sign in"],
        ["setup", setupLink, "Create the first administrator"],
        ["patient request", `${server.http}/request`, "Request a copy of your images"],
        ["dead link", `${server.http}/p/${"A".repeat(43)}`, "This link cannot be used"],
      ];
      const problems: string[] = [];
      for (const [name, url, heading] of pages) {
        await page.goto(url);
        await page.getByRole("heading", { name: heading }).waitFor();
        problems.push(...(await violations(page)).map((v) => `${name}: ${v}`));
      }
      assert.deepEqual(problems, []);
      // The check can fail: a field without a label and grey-on-grey text are found.
      await page.evaluate(`(() => { const i = document.createElement("input"); document.querySelector("main").append(i);
        const p = document.createElement("p"); p.textContent = "faint"; p.style.color = "#bbb"; p.style.background = "#ccc"; document.querySelector("main").append(p); })()`);
      const planted = await violations(page);
      assert.ok(planted.some((v) => v.startsWith("label")) && planted.some((v) => v.startsWith("color-contrast")), planted.join("; "));
    });

    it(`has no WCAG 2.1 AA violation on the staff pages at ${width} px`, async () => {
      const page = await (await browser.newContext({ viewport: { width, height: 800 } })).newPage();
      await page.goto(server.http);
      await page.getByLabel("User name").fill("desk");
      await page.getByLabel("Password").fill(PASS);
      await page.getByLabel("Authenticator code").fill(await generate({ secret }));
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
      const problems: string[] = [];
      for (const [hash, heading] of [["#/studies", "Studies"], ["#/capture", "Photo capture"], ["#/directory", "Directory"], ["#/requests", "Access requests"], ["#/accounting", "Accounting of disclosures"], ["#/authorizations", "Authorizations"], ["#/agreements", "Agreements"]] as const) {
        await page.goto(`${server.http}/${hash}`);
        await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
        await page.waitForTimeout(300);
        problems.push(...(await violations(page)).map((v) => `${hash}: ${v}`));
      }
      await page.getByRole("button", { name: "Emergency access" }).click();
      await page.getByLabel("Reason for emergency access").waitFor();
      problems.push(...(await violations(page)).map((v) => `emergency panel: ${v}`));
      assert.deepEqual(problems, []);
    });
  }
});
