/**
 * @module test/helpers/browser
 * What the portal's browser tests share: Debian's Chromium (driven by playwright-core, no download), the
 * staff sign-in with a password and TOTP, polling from the test's side (the page's CSP forbids the string
 * evaluation `waitForFunction` uses), checked screenshots, the 375 px usability check, and the log of API
 * responses seen, checked against the server's OpenAPI document.
 */
import assert from "node:assert/strict";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { generate } from "otplib";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { REPO } from "./run-cli.ts";

export const CHROMIUM = "/usr/bin/chromium";
/** The password of every test user (strong enough for the password policy). */
export const STAFF_PASSWORD = "amber kettle orbit softly 47";
const SCREENS = join(REPO, "test-artifacts", "screens");

/** Polls a check from the test's side until it holds. */
export async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Signs a staff user in on the portal's sign-in page with the current TOTP code. */
export async function signIn(page: Page, base: string, user: string, secret: string, password = STAFF_PASSWORD): Promise<void> {
  await page.goto(base);
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill(password);
  await page.getByLabel("Authenticator code").fill(await generate({ secret }));
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A screenshot at this width: written as an artifact, and checked to be a real render (not blank). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  const file = join(SCREENS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const stats = await sharp(file).stats();
  assert.ok(statSync(file).size > 2000, `${name}: screenshot too small`);
  assert.ok(stats.channels.some((c) => c.stdev > 8), `${name}: the page rendered blank`);
}

/** Every form control has an accessible name, and nothing is wider than the screen. */
export async function usable(page: Page, width: number): Promise<void> {
  // Browser-side code is passed as text: the test program is type-checked without the DOM library.
  const unnamed = await page.evaluate<string[]>(`[...document.querySelectorAll("input, select, textarea, button")].filter((el) =>
      el.type !== "hidden" && (el.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby") && (el.textContent ?? "").trim() === ""
    ).map((e) => e.outerHTML.slice(0, 80))`);
  assert.deepEqual(unnamed, [], "controls without a name");
  const scroll = await page.evaluate<number>("document.documentElement.scrollWidth");
  assert.ok(scroll <= width + 1, `page is ${scroll} px wide on a ${width} px screen`);
}

export interface Seen { readonly method: string; readonly path: string; readonly status: number }

/** The API responses (and pickup pages) pages answered, and the server errors among them. */
export class ResponseLog {
  readonly seen: Seen[] = [];
  readonly serverErrors: string[] = [];

  watch(page: Page): void {
    page.on("response", (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith("/api/") || u.pathname.startsWith("/p/")) this.seen.push({ method: r.request().method(), path: u.pathname, status: r.status() });
      if (r.status() >= 500) void r.text().then((t) => this.serverErrors.push(`${r.request().method()} ${u.pathname}: ${t.slice(0, 300)}`), () => undefined);
    });
  }
}

/** The OpenAPI path template a concrete path matches, if any. */
export function templateOf(paths: readonly string[], path: string): string | undefined {
  return paths.find((t) => new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path));
}

/** Each response seen that the server's OpenAPI document does not describe (its path, method or status); 429s pass. */
export async function openApiProblems(base: string, seen: readonly Seen[]): Promise<string[]> {
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const templates = Object.keys(doc.paths);
  const problems: string[] = [];
  for (const s of seen) {
    const t = templateOf(templates, s.path);
    const op = t ? doc.paths[t]![s.method.toLowerCase()] : undefined;
    if (!op) problems.push(`${s.method} ${s.path}: not in the document`);
    else if (!op.responses[String(s.status)] && s.status !== 429) problems.push(`${s.method} ${t}: ${s.status} not documented`);
  }
  return [...new Set(problems)];
}
