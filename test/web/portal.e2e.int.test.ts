/**
 * The portal end to end, in Debian's Chromium driven by playwright-core (no browser download), against
 * `rayvault start` on PostgreSQL (so the CLI can set up users and the directory beside it) with a real
 * SMTP server over STARTTLS:
 * staff signs in with a password and TOTP → uploads an X-ray from ../shared/data/dev → sees the preview
 * and the PHI report (and the burned-in text found by OCR) → the share wizard explains a refusal
 * (unverified recipient, look-alike address, no basis) and sends by portal link → the recipient, in a
 * second browser context, verifies with the code read from the SMTP server, views and downloads → the
 * privacy officer's audit view and the patient's accounting show it. Capture: Chromium's fake camera →
 * crop → upload → the object in the vault, decrypted independently, carries no metadata, and the browser
 * kept nothing. Every API response seen is checked against the OpenAPI document; screenshots of the main
 * pages at desktop and phone width are written to test-artifacts/screens and checked to be real renders.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import sharp from "sharp";
import { CHROMIUM, openApiProblems, ResponseLog, screenshot, signIn, STAFF_PASSWORD as PASS, until, usable } from "../helpers/browser.ts";
import { HAVE_SHARED_DATA, NO_SHARED_DATA_REASON, runCliAsync, runTool, SHARED_DATA, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";
import { freePort, setupLinkOf, startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";
import { makeTestPki } from "../helpers/test-pki.ts";
import { startTestSmtp, type ReceivedMail, type TestSmtp } from "../helpers/test-smtp.ts";

const havePg = await havePostgres();
const skip = !existsSync(CHROMIUM) ? "Debian chromium is not installed (apt-get install chromium)" : !havePg ? NO_POSTGRES : !HAVE_SHARED_DATA ? NO_SHARED_DATA_REASON : false;
const newSchema = scratchSchemas("rv_web");
const XRAY = join(SHARED_DATA, "dev/burned_in/jsl/6774825273_09-11-2013-XR_CHEST_AP_PORTABLE_for_Scott_Kaufman-87318_1_000000-AP-85558_1-1.dcm");
const MRN = "6774825273";
const SURNAME = "KAUFMAN";
const DECRYPT = new URL("../helpers/vault-decrypt.py", import.meta.url).pathname;

/** The image has loaded pixels (browser code typed without the DOM library). */
const loaded = (page: Page, alt: string): Promise<void> =>
  until(async () => (await page.locator(`img[alt="${alt}"]`).evaluate((el: unknown) => (el as { naturalWidth: number }).naturalWidth)) > 0, `${alt} to load`);

/** The decision box says one of these. */
async function decisionSays(page: Page, re: RegExp): Promise<void> {
  try {
    await until(async () => re.test((await page.getByTestId("decision").textContent()) ?? ""), `the decision to say ${re}`);
  } catch (e) {
    const said = await page.getByTestId("decision").textContent({ timeout: 1000 }).catch(() => "(no decision box)");
    const alert = await page.getByRole("alert").allTextContents().catch(() => []);
    throw new Error(`${(e as Error).message}; it says: ${said}; alerts: ${alert.join(" | ")}`, { cause: e });
  }
}

/** Nothing the page could leave behind on the device: storage, caches, service workers. */
async function keptOnDevice(page: Page): Promise<Record<string, number>> {
  // Browser-side code is passed as text: the test program is type-checked without the DOM library.
  return page.evaluate<Record<string, number>>(`(async () => ({
    localStorage: localStorage.length, sessionStorage: sessionStorage.length,
    caches: (await caches.keys()).length, serviceWorkers: (await navigator.serviceWorker.getRegistrations()).length,
    indexedDb: (await indexedDB.databases()).length,
  }))()`);
}

describe("the portal in a real browser", { skip }, () => {
  const pki = makeTestPki();
  const work = tempDir("web-e2e");
  let inbox: ReceivedMail[] = [];
  const responses = new ResponseLog();
  const { seen, serverErrors } = responses;
  let smtp: TestSmtp;
  let server: RunningRayvault;
  let browser: Browser;
  let base = "";
  let env: Record<string, string> = {};
  let staffSecret = "";
  let officerSecret = "";
  let staff: BrowserContext;
  let staffPage: Page;
  let studyUrl = "";
  let officer: Page;
  let patientPage: Page;
  /** The newest message to this address, waiting for it (the outbox sends it in the request). */
  const mailTo = async (to: string, after = 0): Promise<string> => {
    for (let i = 0; i < 150; i++) {
      const m = inbox.filter((x) => x.to === to).slice(after).at(-1);
      if (m) return m.text;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no mail to ${to}`);
  };

  const ok = async (args: string[], stdin = ""): Promise<string> => {
    const r = await runCliAsync(args, env, stdin);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
    return r.out;
  };
  const secretOf = (out: string): string => /secret=([A-Z2-7]+)/.exec(out)![1]!;
  const recipient = async (name: string, email: string, verify: { identity: boolean; address: boolean }): Promise<string> => {
    const id = /(rcp-[0-9a-f-]{36})/.exec(await ok(["recipient", "add", "--kind", "provider", "--name", name, "--email", email]))![1]!;
    if (verify.identity) await ok(["recipient", "verify-identity", id, "--method", "call-back"]);
    if (verify.address) await ok(["recipient", "verify-address", id, "--method", "code-reply"]);
    return id;
  };
  const watch = (page: Page): void => responses.watch(page);

  before(async () => {
    smtp = await startTestSmtp(pki);
    inbox = smtp.inbox;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      RAYVAULT_HOME: join(work, "home"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema(), RAYVAULT_PUBLIC_URL: base,
      RAYVAULT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, RAYVAULT_SMTP_CA: pki.caPath, RAYVAULT_MAIL_FROM: "Springfield Imaging <gateway@clinic.test>",
    };
    staffSecret = secretOf(await ok(["user", "add", "rad", "--role", "radiologist", "--role", "technologist", "--role", "front-desk", "--require-mfa"], `${PASS}\n`));
    officerSecret = secretOf(await ok(["user", "add", "privacy", "--role", "privacy-officer"], `${PASS}\n`));
    await recipient("Dr. Ada Reader", "reader@partner-hospital.test", { identity: true, address: true });
    await recipient("Dr. Unchecked", "unchecked@elsewhere.test", { identity: false, address: false });
    await recipient("Dr. Ada Reeder", "reader@partner-hospita1.test", { identity: true, address: false });
    server = await startRayvault({ ...env, RAYVAULT_PORT: String(port) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
    });
    staff = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: false });
    await staff.grantPermissions(["camera"], { origin: base });
    staffPage = await staff.newPage();
    watch(staffPage);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    smtp?.close();
  });

  it("signs staff in with a password and TOTP, refuses a wrong code, and sets a hardened session", async () => {
    const page = staffPage;
    await page.goto(base);
    // The app renders after the page's load event (React schedules its first render): a screenshot
    // taken at once was blank in one CI run.
    await page.getByLabel("User name").waitFor();
    await screenshot(page, "login-desktop");
    await page.getByLabel("User name").fill("rad");
    await page.getByLabel("Password").fill(PASS);
    await page.getByLabel("Authenticator code").fill("000000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Studies" }).count(), 0);
    await signIn(page, base, "rad", staffSecret);
    await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    const cookie = (await staff.cookies(base)).find((c) => c.name === "rv_session")!;
    assert.deepEqual([cookie.httpOnly, cookie.secure, cookie.sameSite], [true, true, "Strict"]);
    const res = await page.request.get(`${base}/`);
    const csp = res.headers()["content-security-policy"] ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(res.headers()["strict-transport-security"] ?? "", /max-age=\d+/);
    // A state-changing request from another site is refused even with the session cookie.
    const forged = await page.request.post(`${base}/api/logout`, { headers: { origin: "https://evil.test" } });
    assert.equal(forged.status(), 403);
  });

  it("uploads an X-ray and shows its preview and PHI report, with the burned-in text", async () => {
    const page = staffPage;
    await page.getByLabel("DICOM files or zip archives").setInputFiles(XRAY);
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("status").filter({ hasText: /imported/ }).waitFor({ timeout: 60_000 });
    await screenshot(page, "studies-desktop");
    await page.locator('a[href^="#/studies/"]').first().click();
    await page.getByRole("heading", { name: "Study", level: 1 }).waitFor();
    studyUrl = page.url();
    assert.doesNotMatch(studyUrl, new RegExp(`${MRN}|${SURNAME}`, "i"), "no PHI in the URL");
    assert.doesNotMatch(await page.title(), new RegExp(`${MRN}|${SURNAME}`, "i"), "no PHI in the title");
    const img = page.getByRole("img", { name: "Image 1" });
    await img.waitFor();
    await loaded(page, "Image 1");
    // The header window leaves this synthetic film dark; the viewer can stretch it to the image's range.
    await page.getByLabel("Window").selectOption("auto");
    await loaded(page, "Image 1");
    const report = page.getByRole("table").filter({ hasText: "PatientName" });
    await report.waitFor();
    assert.equal((await report.textContent())!.includes(SURNAME), false, "the report masks values");
    await page.getByRole("button", { name: "Look for burned-in text" }).click();
    await page.getByText(/\d+ regions? of burned-in text found/).waitFor({ timeout: 180_000 });
    assert.ok((await page.locator(".burned-in-box").count()) > 0, "regions drawn over the image");
    await screenshot(page, "study-desktop");
  });

  it("explains refusals in the share wizard: unverified recipient, look-alike address, no basis", async () => {
    const page = staffPage;
    const decisionFor = async (search: string, name: RegExp, purpose: string): Promise<string> => {
      await page.getByLabel("Search the directory").fill(search);
      await page.getByRole("radio", { name }).check();
      await page.getByLabel("Purpose", { exact: true }).selectOption(purpose);
      await page.getByLabel("Channel").selectOption("portal");
      await page.getByRole("button", { name: "Check the decision" }).click();
      const box = page.getByTestId("decision");
      await box.waitFor();
      await decisionSays(page, /Permitted|Refused|review/);
      return (await box.textContent()) ?? "";
    };
    const unverified = await decisionFor("Unchecked", /Dr\. Unchecked/, "treatment");
    assert.match(unverified, /Refused/);
    assert.match(unverified, /verif/i);
    assert.equal(await page.getByRole("button", { name: "Send" }).isDisabled(), true);
    const lookalike = await decisionFor("Reeder", /Dr\. Ada Reeder/, "treatment");
    assert.match(lookalike, /Refused/);
    assert.match(lookalike, /resembles/);
    const noBasis = await decisionFor("Ada Reader", /Dr\. Ada Reader/, "research");
    assert.doesNotMatch(noBasis, /Permitted/);
    assert.equal(await page.getByRole("button", { name: "Send" }).isDisabled(), true);
  });

  it("shares by portal link; the recipient verifies with the mailed code, views and downloads", async () => {
    const page = staffPage;
    const permitted = await (async () => {
      await page.getByLabel("Search the directory").fill("Ada Reader");
      await page.getByRole("radio", { name: /Dr\. Ada Reader/ }).check();
      await page.getByLabel("Purpose", { exact: true }).selectOption("treatment");
      await page.getByLabel("Channel").selectOption("portal");
      await page.getByRole("button", { name: "Check the decision" }).click();
      await decisionSays(page, /Permitted/);
      return (await page.getByTestId("decision").textContent()) ?? "";
    })();
    assert.match(permitted, /164\.506/);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("status").filter({ hasText: /Sent: delivery dlv-/ }).waitFor({ timeout: 60_000 });
    const note = await (async () => {
      for (let i = 0; i < 100; i++) {
        const m = inbox.find((x) => x.to === "reader@partner-hospital.test");
        if (m) return m.text;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error("no notification mailed");
    })();
    assert.equal(note.includes(SURNAME) || note.includes(MRN), false, "no PHI in the notification");
    const link = new RegExp(`${base.replace(/[.:/]/g, "\\$&")}/p/[A-Za-z0-9_-]{43}`).exec(note)![0];

    const recipientCtx = await browser.newContext({ viewport: { width: 375, height: 740 }, acceptDownloads: true });
    const r = await recipientCtx.newPage();
    watch(r);
    await r.goto(link);
    await r.getByRole("heading", { name: "Secure pickup" }).waitFor();
    await screenshot(r, "pickup-phone");
    await usable(r, 375);
    await r.getByRole("button", { name: "Send me a code" }).click();
    await r.getByText("A code was sent to your address.").waitFor();
    const code = /one-time code is (\d{8})/.exec(inbox.filter((x) => x.to === "reader@partner-hospital.test").at(-1)!.text)![1]!;
    await r.getByLabel("Code or passcode").fill(code);
    await r.getByRole("button", { name: "Check" }).click();
    await r.getByRole("heading", { name: "Shared images" }).waitFor();
    await loaded(r, "Shared image 1");
    await screenshot(r, "viewer-phone");
    const [download] = await Promise.all([r.waitForEvent("download"), r.getByRole("link", { name: "Download the package" }).click()]);
    const zip = join(work, "package.zip");
    await download.saveAs(zip);
    const listing = spawnSync("/usr/bin/python3", ["-c", "import sys,zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", zip], { encoding: "utf8" });
    assert.equal(listing.status, 0, listing.stderr);
    assert.match(listing.stdout, /^DICOMDIR$/m);
    assert.deepEqual(await keptOnDevice(r), { localStorage: 0, sessionStorage: 0, caches: 0, serviceWorkers: 0, indexedDb: 0 });
    await recipientCtx.close();
  });

  it("shows the privacy officer the audit trail and the patient's accounting (printable, CSV)", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await ctx.newPage();
    watch(page);
    await signIn(page, base, "privacy", officerSecret);
    await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    await page.getByLabel("Purpose of use").selectOption("operations");
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const audit = page.getByRole("table");
    await audit.filter({ hasText: "disclosure.download" }).waitFor();
    for (const action of ["portal.verify", "disclosure.view", "study.view-images", "login"]) assert.match((await audit.textContent())!, new RegExp(action.replace(".", "\\.")));
    assert.equal((await audit.textContent())!.includes(SURNAME), false, "the audit log holds references, not PHI");
    await screenshot(page, "audit-desktop");
    await page.getByRole("link", { name: "Accounting" }).click();
    await page.getByLabel("Patient MRN").fill(MRN);
    await page.getByLabel("Include disclosures exempt from the accounting").check();
    await page.getByRole("button", { name: "Show" }).click();
    const row = page.getByRole("row").filter({ hasText: "Dr. Ada Reader" });
    await row.waitFor();
    assert.match((await row.textContent())!, /treatment/);
    assert.doesNotMatch(page.url(), new RegExp(MRN), "the MRN is not in the URL");
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    const csvPath = join(work, "accounting.csv");
    await csv.saveAs(csvPath);
    assert.match(readFileSync(csvPath, "utf8"), /^Date,Recipient,Description,Purpose,Rule,Accountable\r\n.*Dr\. Ada Reader/s);
    await screenshot(page, "accounting-desktop");
    await ctx.close();
  });

  it("captures a photo from the camera, crops it, and stores it without metadata; the device keeps nothing", async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    await ctx.grantPermissions(["camera"], { origin: base });
    const page = await ctx.newPage();
    watch(page);
    await signIn(page, base, "rad", staffSecret);
    await page.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    await screenshot(page, "studies-phone");
    await usable(page, 375);
    await page.getByRole("link", { name: "Capture" }).click();
    await page.getByRole("heading", { name: "Photo capture" }).waitFor();
    await page.getByLabel("Patient MRN").fill(MRN);
    await page.getByRole("button", { name: "Start camera" }).click();
    await until(async () => (await page.locator("video").evaluate((el: unknown) => (el as { videoWidth: number }).videoWidth)) > 0, "the camera to show a picture");
    await page.getByRole("button", { name: "Take photo" }).click();
    await page.getByLabel("Crop left").fill("10");
    await page.getByLabel("Crop bottom").fill("20");
    await screenshot(page, "capture-phone");
    await usable(page, 375);
    const blobsBefore = new Set(blobFiles(env["RAYVAULT_HOME"]!));
    await page.getByRole("button", { name: "Upload to the vault" }).click();
    await page.getByRole("status").filter({ hasText: /Stored in the vault/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate<number>(`document.querySelector("video")?.srcObject?.getTracks().filter((t) => t.readyState === "live").length ?? 0`), 0, "the camera is off");
    assert.deepEqual(await keptOnDevice(page), { localStorage: 0, sessionStorage: 0, caches: 0, serviceWorkers: 0, indexedDb: 0 });
    const stored = storedPhotos(env["RAYVAULT_HOME"]!, blobsBefore, work);
    assert.equal(stored.length, 1, "one new photo in the vault");
    const tags = JSON.parse(runTool("exiftool", ["-a", "-G1", "-s", "-j", stored[0]!]).stdout) as Array<Record<string, unknown>>;
    const left = Object.keys(tags[0]!).filter((k) => !/^(SourceFile|ExifTool:|System:|File:|Composite:|JFIF:)/.test(k));
    assert.deepEqual(left, [], "no metadata kept in the vault");
    const meta = await sharp(stored[0]).metadata();
    assert.ok(meta.width > 0 && meta.height > 0 && meta.width / meta.height !== 640 / 480, `cropped: ${meta.width}×${meta.height}`);
    await ctx.close();
  });

  it("keeps the directory in the browser: a patient added and verified, a look-alike address warned", async () => {
    const page = staffPage;
    await page.goto(`${base}/#/directory`);
    await page.getByRole("heading", { name: "Directory", level: 1 }).waitFor();
    await page.getByLabel("Kind").selectOption("provider");
    await page.getByLabel("Name", { exact: true }).fill("Dr. Ada Reaper");
    await page.getByLabel("Email address").fill("reader@partner-hospitai.test");
    await page.getByRole("button", { name: "Add recipient" }).click();
    await page.getByRole("alert").filter({ hasText: /looks like the address of another recipient/ }).waitFor();
    await page.getByLabel("Kind").selectOption("patient");
    await page.getByLabel("Name", { exact: true }).fill("Scott Kaufman");
    await page.getByLabel("Email address").fill("scott@patient-mail.test");
    await page.getByLabel("Patient MRN").fill(MRN);
    await page.getByRole("button", { name: "Add recipient" }).click();
    const row = page.getByRole("row").filter({ hasText: "Scott Kaufman" });
    await row.waitFor();
    for (const [button, method] of [["Verify identity", "in-person"], ["Verify address", "code-reply"]] as const) {
      await row.getByRole("button", { name: button }).click();
      await page.getByLabel("How it was verified").selectOption(method);
      await page.getByRole("button", { name: "Record verification" }).click();
      await page.getByLabel("How it was verified").waitFor({ state: "detached" });
    }
    await until(async () => /Yes/.test((await page.getByRole("row").filter({ hasText: "Scott Kaufman" }).textContent()) ?? ""), "the identity shown as verified");
    await screenshot(page, "directory-desktop");
  });

  it("lets the patient request a copy: identity proven by a mailed code, the warning before unencrypted e-mail, the 30-day clock", async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 } });
    patientPage = await ctx.newPage();
    const page = patientPage;
    watch(page);
    await page.goto(`${base}/request`);
    await page.getByRole("heading", { name: "Request a copy of your images" }).waitFor();
    await usable(page, 375);
    // Details that match no one get the same answer, and no mail.
    const mails = inbox.length;
    await page.getByLabel("Email address").fill("scott@patient-mail.test");
    await page.getByLabel("Medical record number").fill(MRN);
    await page.getByLabel("Date of birth").fill("1943-07-23");
    await page.getByRole("button", { name: "Send me a code" }).click();
    await page.getByRole("status").filter({ hasText: /If these details match our records/ }).waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(inbox.length, mails, "no code for details that do not match");
    await page.getByLabel("Date of birth").fill("1943-07-22");
    await page.getByRole("button", { name: "Send me a code" }).click();
    const code = /one-time code is (\d{8})/.exec(await mailTo("scott@patient-mail.test"))![1]!;
    await page.getByLabel("Code", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Check the code" }).click();
    await page.getByRole("heading", { name: "What you want" }).waitFor();
    await page.getByRole("radio", { name: "Pictures (JPEG)" }).check();
    await page.getByRole("radio", { name: "Unencrypted e-mail" }).check();
    await page.getByRole("heading", { name: "Before you choose unencrypted e-mail" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Send my request" }).isDisabled(), true, "not before the warning is acknowledged");
    await page.getByLabel("I understand the risk and still want unencrypted e-mail").check();
    await screenshot(page, "patient-request-phone");
    await page.getByRole("button", { name: "Send my request" }).click();
    await page.getByRole("status").filter({ hasText: /Request received\. The clinic must answer by/ }).waitFor();
    await page.getByRole("row").filter({ hasText: "Open" }).waitFor();
    assert.doesNotMatch(page.url(), new RegExp(MRN));
  });

  /** The staff user shares the study with the patient for their access request, by this channel. */
  const shareWithPatient = async (channel: string): Promise<void> => {
    const page = staffPage;
    await page.goto(studyUrl);
    await page.getByRole("heading", { name: "Study", level: 1 }).waitFor();
    await page.getByLabel("Search the directory").fill("Scott");
    await page.getByRole("radio", { name: /Scott Kaufman/ }).check();
    await page.getByLabel("Purpose", { exact: true }).selectOption("patient-access");
    await page.getByLabel("Channel").selectOption(channel);
    await page.getByRole("button", { name: "Check the decision" }).click();
    await decisionSays(page, /Permitted/);
    assert.match((await page.getByTestId("decision").textContent()) ?? "", /164\.524/);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("status").filter({ hasText: /Sent: delivery dlv-/ }).waitFor({ timeout: 60_000 });
  };
  const markDone = async (): Promise<void> => {
    const page = staffPage;
    await page.goto(`${base}/#/requests`);
    await page.getByRole("heading", { name: "Access requests" }).waitFor();
    const open = page.getByRole("row").filter({ hasText: "Scott Kaufman" }).filter({ has: page.getByRole("button", { name: "Mark done" }) });
    await open.first().waitFor();
    assert.equal(await open.count(), 1, "one open request");
    await open.getByRole("button", { name: "Mark done" }).click();
    await until(async () => (await open.count()) === 0, "the request marked done");
  };

  it("answers by unencrypted e-mail only as the patient asked, then by the portal for a second request", async () => {
    // The patient asked for unencrypted e-mail: a portal link would go against that choice (164.522(b)).
    const before = inbox.filter((x) => x.to === "scott@patient-mail.test").length;
    await shareWithPatient("plain-email");
    const mail = await mailTo("scott@patient-mail.test", before);
    assert.doesNotMatch(mail, /application\/(pkcs7|x-pkcs7)-mime|multipart\/encrypted/, "plain, as the patient chose");
    assert.match(mail, /Content-Type: (image\/jpeg|application\/zip|application\/dicom)/);
    await markDone();
    await screenshot(staffPage, "requests-desktop");
    // A second request, by the portal: receipt through the pickup page.
    const page = patientPage;
    await page.getByRole("radio", { name: "DICOM files (for another doctor or a viewer)" }).check();
    await page.getByRole("radio", { name: "Secure portal link (recommended)" }).check();
    await page.getByRole("button", { name: "Send my request" }).click();
    await until(async () => (await page.getByRole("row").filter({ hasText: "Open" }).count()) === 1 && (await page.getByRole("row").filter({ hasText: "Done" }).count()) === 1, "one done and one open request");
    const sent = inbox.filter((x) => x.to === "scott@patient-mail.test").length;
    await shareWithPatient("portal");
    const link = new RegExp(`${base.replace(/[.:/]/g, "\\$&")}/p/[A-Za-z0-9_-]{43}`).exec(await mailTo("scott@patient-mail.test", sent))![0];
    await page.goto(link);
    await page.getByRole("button", { name: "Send me a code" }).click();
    await page.getByText("A code was sent to your address.").waitFor();
    const code = /one-time code is (\d{8})/.exec(await mailTo("scott@patient-mail.test", sent + 1))![1]!;
    await page.getByLabel("Code or passcode").fill(code);
    await page.getByRole("button", { name: "Check" }).click();
    await loaded(page, "Shared image 1");
    await page.context().close();
    await markDone();
  });

  it("queues a public-health disclosure for the privacy officer's review, and the approval is what permits it", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    officer = await ctx.newPage();
    watch(officer);
    await signIn(officer, base, "privacy", officerSecret);
    await officer.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    await officer.getByLabel("Purpose of use").selectOption("operations");
    await officer.goto(studyUrl);
    await officer.getByRole("heading", { name: "Study", level: 1 }).waitFor();
    const check = async (): Promise<void> => {
      await officer.getByLabel("Search the directory").fill("Ada Reader");
      await officer.getByRole("radio", { name: /Dr\. Ada Reader/ }).check();
      await officer.getByLabel("Purpose", { exact: true }).selectOption("public-health");
      await officer.getByLabel("Channel").selectOption("portal");
      await officer.getByRole("button", { name: "Check the decision" }).click();
    };
    await check();
    await decisionSays(officer, /review/);
    await officer.getByRole("link", { name: "Reviews" }).click();
    await officer.getByRole("heading", { name: "Review queue" }).waitFor();
    await officer.getByLabel("Rule relied on").first().fill("164.512(b)(1)(i)");
    await officer.getByLabel("Note").first().fill("Reportable condition; the health department's written request is on file.");
    await officer.getByRole("button", { name: "Approve" }).first().click();
    await officer.getByRole("row").filter({ hasText: /approved/ }).waitFor();
    await screenshot(officer, "reviews-desktop");
    await officer.goto(studyUrl);
    await officer.getByRole("heading", { name: "Study", level: 1 }).waitFor();
    await check();
    await decisionSays(officer, /Permitted/);
  });

  it("declares emergency access with a reason; the privacy officer sees it in the audit trail", async () => {
    const page = staffPage;
    await page.getByRole("button", { name: "Emergency access" }).click();
    await page.getByLabel("Reason for emergency access").fill("Trauma patient unconscious in the emergency department; prior films needed now.");
    await page.getByLabel("For how long").selectOption("15");
    await page.getByRole("button", { name: "Declare emergency access" }).click();
    await page.getByRole("status").filter({ hasText: /Emergency access until/ }).waitFor();
    await officer.getByRole("link", { name: "Audit" }).click();
    await officer.getByRole("heading", { name: "Audit log" }).waitFor();
    await until(async () => /break-glass/.test((await officer.getByRole("table").textContent()) ?? ""), "break-glass in the audit log");
    await officer.context().close();
  });

  it("answers every request it served as its OpenAPI document says", async () => {
    const problems = await openApiProblems(base, seen);
    assert.ok(seen.length > 20, `requests seen: ${seen.length}`);
    assert.deepEqual(serverErrors, [], "no request failed on the server");
    assert.deepEqual(problems, []);
  });
});

describe("first start in a browser", { skip: existsSync(CHROMIUM) ? false : "Debian chromium is not installed" }, () => {
  it("creates the first administrator from the printed link, who then signs in with TOTP and sees no PHI", async () => {
    const server = await startRayvault({ RAYVAULT_HOME: join(tempDir("web-setup"), "home") });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    try {
      const link = await setupLinkOf(server);
      const page = await (await browser.newContext({ viewport: { width: 375, height: 740 } })).newPage();
      await page.goto(link);
      await page.getByRole("heading", { name: "Create the first administrator" }).waitFor();
      await usable(page, 375);
      await screenshot(page, "setup-phone");
      await page.getByLabel("User name").fill("clinic-admin");
      await page.getByLabel(/^Password/).fill(PASS);
      await page.getByRole("button", { name: "Create administrator" }).click();
      const uri = (await page.getByTestId("totp-uri").textContent()) ?? "";
      assert.match(uri, /^otpauth:\/\/totp\//);
      await signIn(page, server.http, "clinic-admin", /secret=([A-Z2-7]+)/.exec(uri)![1]!);
      await page.getByText("Signed in as").waitFor();
      // Administrators run the system; they read no PHI (the studies list is refused with its rule).
      await page.getByRole("alert").filter({ hasText: /role|purpose/ }).waitFor();
      // Nor the directory, where patients are named.
      assert.equal((await page.request.post(`${server.http}/api/recipients/search`, { data: { q: "" }, headers: { origin: server.http } })).status(), 403);
      // The link worked once.
      await page.goto(link);
      await page.getByLabel("User name").fill("second-admin");
      await page.getByLabel(/^Password/).fill(PASS);
      await page.getByRole("button", { name: "Create administrator" }).click();
      await page.getByRole("alert").waitFor();
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});

function blobFiles(home: string): string[] {
  const dir = join(home, "blobs");
  return readdirSync(dir, { recursive: true }).map(String).map((f) => join(dir, f)).filter((f) => f.endsWith(".rv") && statSync(f).isFile());
}

/** The new objects that decrypt (independently, from the format description) to a JPEG. */
function storedPhotos(home: string, before: ReadonlySet<string>, work: string): string[] {
  const ring = JSON.parse(readFileSync(join(home, "keys", "vault-keyring.json"), "utf8")) as { keys: Record<string, string> };
  const master = Buffer.from(Object.values(ring.keys)[0]!, "base64").toString("hex");
  const out: string[] = [];
  for (const [i, blob] of blobFiles(home).filter((f) => !before.has(f)).entries()) {
    const plain = join(work, `stored-${i}`);
    const dec = spawnSync("/usr/bin/python3", [DECRYPT, master, blob, plain], { encoding: "utf8" });
    assert.equal(dec.status, 0, dec.stderr);
    const head = readFileSync(plain).subarray(0, 3);
    if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) out.push(plain);
  }
  writeFileSync(join(work, "photos.txt"), out.join("\n"));
  return out;
}
