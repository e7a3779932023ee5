/**
 * Agreements and authorizations in the portal, end to end, in Debian's Chromium driven by playwright-core,
 * against `rayvault start` on PostgreSQL (the CLI sets up users, the directory and a synthetic X-ray beside
 * it): the privacy officer adds a business associate agreement with its signed PDF, which the decision then
 * relies on, and terminates it; the front desk is refused the agreements, files a patient's authorization
 * (a defective one with its defect named, then a complete one), which the decision relies on for purpose
 * `authorized` until the revocation recorded on the page; the audit trail holds references only. Every
 * API response seen is checked against the OpenAPI document.
 */
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { syntheticPatient, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { CHROMIUM, openApiProblems, ResponseLog, screenshot, signIn, STAFF_PASSWORD, until, usable } from "../helpers/browser.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";
import { freePort, startRayvault, type RunningRayvault } from "../helpers/rayvault-server.ts";
import { runCliAsync, tempDir } from "../helpers/run-cli.ts";

const havePg = await havePostgres();
const skip = !existsSync(CHROMIUM) ? "Debian chromium is not installed (apt-get install chromium)" : !havePg ? NO_POSTGRES : false;
const newSchema = scratchSchemas("rv_records");
const PATIENT = syntheticPatient(3);
const SURNAME = PATIENT.name.split("^")[0]!;
const DAY = 86_400_000;
/** A calendar day relative to today (UTC), as a date input takes it. */
const day = (offset: number): string => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

/** A minimal valid PDF (one page with one line of text): objects, a cross-reference table with their byte offsets, the trailer. */
function minimalPdf(line: string): Buffer {
  const text = `BT /F1 14 Tf 72 720 Td (${line.replace(/[()\\]/g, "")}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let pdf = "%PDF-1.4\n";
  const offsets: number[] = [];
  for (const [i, o] of objects.entries()) {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${o}\nendobj\n`;
  }
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, "latin1");
}

const pdfFile = (name: string, line: string): { name: string; mimeType: string; buffer: Buffer } => ({ name, mimeType: "application/pdf", buffer: minimalPdf(line) });

interface DecisionAnswer { decision: { outcome: string; permission?: { citation: string; reason: string }; basis: Array<{ citation: string; reason: string }>; missing: string[] } }

describe("agreements and authorizations in the portal", { skip }, () => {
  const work = tempDir("records-e2e");
  const log = new ResponseLog();
  let server: RunningRayvault;
  let browser: Browser;
  let base = "";
  let env: Record<string, string> = {};
  let officerSecret = "";
  let deskSecret = "";
  let associate = "";
  let insurer = "";
  let officer: Page;
  let desk: Page;
  let authorizationId = "";

  const ok = async (args: string[], stdin = ""): Promise<string> => {
    const r = await runCliAsync(args, env, stdin);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
    return r.out;
  };
  const secretOf = (out: string): string => /secret=([A-Z2-7]+)/.exec(out)![1]!;
  const verifiedRecipient = async (kind: string, name: string, email: string): Promise<string> => {
    const id = /(rcp-[0-9a-f-]{36})/.exec(await ok(["recipient", "add", "--kind", kind, "--name", name, "--email", email]))![1]!;
    await ok(["recipient", "verify-identity", id, "--method", "signed-form"]);
    await ok(["recipient", "verify-address", id, "--method", "code-reply"]);
    return id;
  };
  /** A JSON request from the signed-in page (its session cookie, same origin), recorded with the responses seen. */
  const post = async (page: Page, path: string, data: unknown): Promise<{ status: number; body: unknown }> => {
    const r = await page.request.post(`${base}${path}`, { data, headers: { origin: base } });
    log.seen.push({ method: "POST", path, status: r.status() });
    return { status: r.status(), body: r.status() === 204 ? undefined : await r.json() };
  };
  const decide = async (page: Page, to: string, purpose: string): Promise<DecisionAnswer["decision"]> => {
    const r = await post(page, "/api/decisions", { study: PATIENT.studyUid, to, purpose, channel: "portal" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as DecisionAnswer).decision;
  };

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { RAYVAULT_HOME: join(work, "home"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema(), RAYVAULT_PUBLIC_URL: base };
    officerSecret = secretOf(await ok(["user", "add", "privacy", "--role", "privacy-officer"], `${STAFF_PASSWORD}\n`));
    deskSecret = secretOf(await ok(["user", "add", "desk", "--role", "front-desk", "--require-mfa"], `${STAFF_PASSWORD}\n`));
    associate = await verifiedRecipient("business-associate", "MedBill Partners LLC", "intake@medbill-partners.test");
    insurer = await verifiedRecipient("other", "Acme Life Insurance", "underwriting@acmelife.test");
    const xray = join(work, "xray.dcm");
    writeFileSync(xray, xrayFile(3, 64, 64));
    await ok(["import", xray, "--purpose", "treatment"]);
    server = await startRayvault({ ...env, RAYVAULT_PORT: String(port) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("lets the privacy officer add a BAA with its signed PDF, which the decision relies on, and terminate it", async () => {
    officer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    log.watch(officer);
    await signIn(officer, base, "privacy", officerSecret);
    await officer.getByText("Signed in as").waitFor();
    await officer.getByLabel("Purpose of use").selectOption("operations");
    await officer.getByRole("link", { name: "Agreements" }).click();
    await officer.getByRole("heading", { name: "Agreements", level: 1 }).waitFor();
    await officer.getByText("No agreements on file.").waitFor();
    assert.equal((await decide(officer, associate, "operations")).outcome, "deny", "no BAA yet");

    await officer.getByLabel("Kind of agreement").selectOption("baa");
    await officer.getByLabel("Search the directory").fill("MedBill");
    await officer.getByRole("radio", { name: /MedBill Partners LLC/ }).check();
    await officer.getByLabel("Parties").fill("Springfield Imaging and MedBill Partners LLC");
    await officer.getByRole("checkbox", { name: "Health care operations" }).check();
    await officer.getByRole("checkbox", { name: "Payment" }).check();
    await officer.getByLabel("Effective from").fill(day(-1));
    await officer.getByLabel("Ends on").fill(day(730));
    // Only a PDF is taken as the signed copy.
    await officer.getByLabel("Signed agreement (PDF)").setInputFiles({ name: "baa.pdf", mimeType: "application/pdf", buffer: Buffer.from("a scan that is not a PDF") });
    await officer.getByRole("button", { name: "Add agreement" }).click();
    await officer.getByRole("alert").filter({ hasText: /must be a PDF/ }).waitFor();
    await officer.getByLabel("Signed agreement (PDF)").setInputFiles(pdfFile("baa.pdf", "Business associate agreement, signed"));
    await officer.getByRole("button", { name: "Add agreement" }).click();
    await officer.getByRole("status").filter({ hasText: "The agreement with MedBill Partners LLC was added." }).waitFor();
    const row = officer.getByRole("row").filter({ hasText: "MedBill Partners LLC" });
    await row.waitFor();
    const cells = (await row.textContent()) ?? "";
    for (const want of ["BAA", "Springfield Imaging and MedBill Partners LLC", "Payment, Health care operations", day(-1), day(730), "In force"]) assert.ok(cells.includes(want), `${want} in: ${cells}`);
    await screenshot(officer, "agreements-desktop");
    const verified = JSON.parse(await ok(["vault", "verify", "--json"])) as { checked: number; problems: unknown[] };
    assert.deepEqual(verified, { version: 1, checked: 2, problems: [] }, "the signed PDF is an indexed vault object beside the X-ray");

    const permitted = await decide(officer, associate, "operations");
    assert.deepEqual([permitted.outcome, permitted.permission?.citation], ["permit", "164.502(e), 164.504(e)"]);

    await row.getByRole("button", { name: "Terminate" }).click();
    await officer.getByRole("button", { name: "Terminate agreement" }).click();
    await until(async () => /Terminated /.test((await row.textContent()) ?? ""), "the agreement shown terminated");
    assert.equal(await row.getByRole("button", { name: "Terminate" }).count(), 0, "a terminated agreement cannot be terminated again");
    const ended = await decide(officer, associate, "operations");
    assert.equal(ended.outcome, "deny");
    assert.match(ended.basis.at(-1)!.reason, /no business associate agreement is in force/);
  });

  it("refuses the agreements to the front desk, and audits the refusal", async () => {
    desk = await (await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true })).newPage();
    log.watch(desk);
    await signIn(desk, base, "desk", deskSecret);
    await desk.getByRole("heading", { name: "Studies", level: 1 }).waitFor();
    await desk.getByRole("link", { name: "Agreements" }).click();
    await desk.getByRole("alert").filter({ hasText: /only privacy-officer staff keep agreements \(role-agreements\)/ }).waitFor();
  });

  /** Fills the authorization form as the signed paper says; `redisclosure` false leaves out a required statement. */
  const fillAuthorization = async (page: Page, redisclosure: boolean): Promise<void> => {
    await page.getByLabel("Description of the information").fill("Chest X-rays taken in 2024");
    await page.getByLabel("Studies dated from").fill("2024-01-01");
    await page.getByLabel("Studies dated to").fill("2024-12-31");
    await page.getByLabel("Who may disclose it").fill("Springfield Imaging");
    await page.getByLabel("Search the directory").fill("Acme");
    await page.getByRole("radio", { name: /Acme Life Insurance/ }).check();
    await page.getByLabel("Recipients as written on the form").fill("Acme Life Insurance");
    await page.getByRole("checkbox", { name: "At the patient's request" }).check();
    await page.getByLabel("Expires on").fill(day(365));
    await page.getByLabel("Signed on").fill(day(-1));
    await page.getByLabel("Signed by").selectOption("patient");
    await page.getByRole("checkbox", { name: /right to revoke/ }).check();
    await page.getByRole("checkbox", { name: /conditioned on signing/ }).check();
    if (redisclosure) await page.getByRole("checkbox", { name: /disclose it again/ }).check();
    await page.getByLabel("Signed form (PDF)").setInputFiles(pdfFile("authorization.pdf", "Authorization to disclose, signed"));
    await page.getByRole("button", { name: "File authorization" }).click();
  };

  it("files the patient's authorization at the front desk: a defective form with its defect named, then a valid one", async () => {
    const page = desk;
    await page.getByRole("link", { name: "Authorizations" }).click();
    await page.getByRole("heading", { name: "Authorizations", level: 1 }).waitFor();
    await page.getByLabel("Patient MRN").fill("MRN-NOBODY");
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByRole("alert").filter({ hasText: /no patient in the vault has that MRN/ }).waitFor();
    await page.getByLabel("Patient MRN").fill(PATIENT.id);
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByText("No authorizations on file for this patient.").waitFor();
    await usable(page, 375);

    await fillAuthorization(page, false);
    const verdict = page.getByRole("status").filter({ hasText: /Filed/ });
    await verdict.filter({ hasText: /not valid/ }).waitFor();
    assert.match((await verdict.textContent()) ?? "", /the statement that the recipient may redisclose \(164\.508\(c\)\(2\)\(iii\)\)/);
    const defective = page.getByRole("row").filter({ hasText: "Not valid" });
    await defective.waitFor();
    assert.match((await defective.textContent()) ?? "", /Acme Life Insurance.*At the patient's request.*Not valid.*redisclose/);

    await fillAuthorization(page, true);
    await page.getByRole("status").filter({ hasText: "Filed. The authorization is valid" }).waitFor();
    await page.getByRole("row").filter({ hasText: "Valid" }).filter({ hasText: /None/ }).waitFor();
    await usable(page, 375);
    await screenshot(page, "authorizations-phone");
    for (const where of [page.url(), await page.title()]) assert.doesNotMatch(where, new RegExp(`${PATIENT.id}|${SURNAME}`, "i"), "no PHI in the URL or the title");
  });

  it("relies on the authorization for purpose `authorized`, and refuses once its revocation is recorded", async () => {
    const page = desk;
    const yes = await decide(page, insurer, "authorized");
    assert.equal(yes.outcome, "permit", JSON.stringify(yes));
    assert.equal(yes.permission?.citation, "164.508");
    authorizationId = /authorization (ath-[0-9a-f-]{36}) covers/.exec(yes.permission?.reason ?? "")![1]!;

    const valid = page.getByRole("row").filter({ hasText: "Valid" }).filter({ hasText: /None/ });
    await valid.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("button", { name: "Revoke authorization" }).click();
    await until(async () => (await page.getByRole("row").filter({ hasText: /Revoked/ }).count()) === 1, "the authorization shown revoked");
    assert.equal(await page.getByRole("row").filter({ hasText: /Revoked/ }).getByRole("button", { name: "Revoke" }).count(), 0);

    const no = await decide(page, insurer, "authorized");
    assert.equal(no.outcome, "deny");
    assert.ok(no.missing.some((m) => m.includes(`authorization ${authorizationId} is not valid`) && m.includes("not revoked (164.508(b)(5))")), no.missing.join(" | "));
    // The first revocation received is the one on record.
    const again = await post(page, `/api/authorizations/${authorizationId}/revoke`, {});
    assert.equal(again.status, 400);
    assert.match((again.body as { message: string }).message, /already revoked/);
  });

  it("shows the privacy officer these records in the audit trail, by reference only", async () => {
    await officer.getByRole("link", { name: "Audit" }).click();
    await officer.getByRole("heading", { name: "Audit log" }).waitFor();
    const audit = officer.getByRole("table");
    await audit.filter({ hasText: "authorization.revoke" }).waitFor();
    const text = (await audit.textContent()) ?? "";
    for (const action of ["agreement.baa.add", "agreement.terminate", "authorization.add", "authorization.list", "agreements.keep"]) assert.ok(text.includes(action), `${action} audited`);
    assert.match(text, /rule:role-agreements/, "the front desk's refusal, with its rule");
    for (const phi of [SURNAME, PATIENT.id, "Chest X-rays taken in 2024", "Springfield Imaging and MedBill"]) assert.equal(text.includes(phi), false, `no ${phi} in the audit log`);
  });

  it("answers every request it served as its OpenAPI document says", async () => {
    const problems = await openApiProblems(base, log.seen);
    for (const route of ["/api/agreements", "/api/authorizations", "/api/authorizations/search"]) assert.ok(log.seen.some((s) => s.path === route), `${route} seen`);
    assert.deepEqual(log.serverErrors, [], "no request failed on the server");
    assert.deepEqual(problems, []);
  });
});
