/**
 * Hospital single sign-on end to end: a real OpenID provider (panva's oidc-provider, an OpenID-certified
 * implementation, with its development login pages) on a loopback port, `rayvault start` configured as
 * its client, and Debian's Chromium through playwright-core. A clinician signs in through the provider
 * and lands in the portal; a user whose role needs a second factor is asked for the authenticator code
 * after the provider (the provider asserts none); an identity with no local user is refused with a plain
 * sentence; a forged callback (no flow cookie) is refused. Every step is in the audit log.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Provider from "oidc-provider";
import { generate } from "otplib";
import { chromium, type Browser, type Page } from "playwright-core";
import { runCliAsync, tempDir } from "../helpers/run-cli.ts";
import { freePort, startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const PASS = "amber kettle orbit softly 47";
const CLIENT_SECRET = "a-long-client-secret-for-the-test-provider-0123456789";

describe("hospital sign-in (OpenID Connect)", { skip: existsSync(CHROMIUM) ? false : "Debian chromium is not installed" }, () => {
  let idp: Server;
  let server: RunningRayvault;
  let browser: Browser;
  let base = "";
  let radSecret = "";
  const env: Record<string, string> = { RAYVAULT_HOME: join(tempDir("sso"), "home") };

  before(async () => {
    const idpPort = await freePort();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const issuer = `http://127.0.0.1:${idpPort}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: "rayvault", client_secret: CLIENT_SECRET, redirect_uris: [`${base}/api/sso/callback`], grant_types: ["authorization_code"], response_types: ["code"], application_type: "native" }],
      findAccount: (_ctx, id) => Promise.resolve({ accountId: id, claims: () => Promise.resolve({ sub: `idp-${id}`, preferred_username: id }) }),
      claims: { openid: ["sub"], profile: ["preferred_username"] },
      pkce: { required: () => true },
      cookies: { keys: ["sso-test-cookie-key"] },
    });
    idp = provider.listen(idpPort);
    const ok = async (args: string[], stdin = ""): Promise<string> => {
      const r = await runCliAsync(args, env, stdin);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
      return r.out;
    };
    await ok(["user", "add", "drsso", "--role", "clinician"], `${PASS}\n`);
    radSecret = /secret=([A-Z2-7]+)/.exec(await ok(["user", "add", "radsso", "--role", "radiologist", "--require-mfa"], `${PASS}\n`))![1]!;
    server = await startRayvault({ ...env, RAYVAULT_PORT: String(port), RAYVAULT_PUBLIC_URL: base, RAYVAULT_OIDC_ISSUER: issuer, RAYVAULT_OIDC_CLIENT_ID: "rayvault", RAYVAULT_OIDC_CLIENT_SECRET: CLIENT_SECRET });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    idp?.close();
  });

  /** From the portal's sign-in page through the provider's login and consent pages, back to the portal. */
  async function viaProvider(user: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base);
    await page.getByRole("link", { name: "Hospital sign-in (SSO)" }).click();
    await page.locator('input[name="login"]').fill(user);
    await page.locator('input[name="password"]').fill("any password: the development provider accepts it");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    return page;
  }

  it("signs a clinician in through the hospital's provider, straight into the portal", async () => {
    const page = await viaProvider("drsso");
    await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor({ timeout: 5000 }).catch(async (e: unknown) => {
      throw new Error(`landed on ${page.url()}: ${(await page.locator("body").textContent())?.slice(0, 400)}`, { cause: e });
    });
    await page.getByText("Signed in as").waitFor();
    const cookie = (await page.context().cookies(base)).find((c) => c.name === "rv_session")!;
    assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite], [true, true, "Strict"]);
    await page.context().close();
  });

  it("asks for the authenticator code after the provider when the role needs a second factor", async () => {
    const page = await viaProvider("radsso");
    await page.getByText("Your role also needs the code from your authenticator app.").waitFor();
    assert.equal((await page.context().cookies(base)).some((c) => c.name === "rv_session"), false, "no session before the code");
    await page.getByLabel("Authenticator code").fill(await generate({ secret: radSecret }));
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    await page.context().close();
  });

  it("refuses an identity with no local user, and a callback that did not start here", async () => {
    const page = await viaProvider("stranger");
    await page.getByRole("alert").filter({ hasText: "Your hospital account is not set up in Rayvault" }).waitFor();
    assert.equal((await page.context().cookies(base)).some((c) => c.name === "rv_session"), false);
    const forged = await fetch(`${base}/api/sso/callback?code=abc&state=xyz`, { redirect: "manual" });
    assert.equal(forged.status, 302);
    assert.equal(forged.headers.get("location"), "/?sso=expired");
    assert.equal(forged.headers.getSetCookie().some((c) => c.startsWith("rv_session=") && !c.startsWith("rv_session=;")), false);
    await page.context().close();
  });

  it("audits each hospital sign-in by reference", async () => {
    await server.stop();
    const r = await runCliAsync(["audit", "export", "--format", "csv"], env);
    assert.equal(r.status, 0, r.out);
    for (const action of ["login.sso", "login.sso.second-factor", "login.sso.fail"]) assert.match(r.out, new RegExp(`,${action.replace(/\./g, "\\.")},`));
    assert.doesNotMatch(r.out, /stranger/, "the unknown identity is recorded by a hash of its subject, not its name");
  });
});
