/**
 * Portal links end to end (PostgreSQL, so the server and the CLI share the database; a real SMTP server
 * over STARTTLS): the notification carries the link and no PHI; nothing is shown before the recipient
 * proves who they are with a one-time code sent to their verified address — one a minute, five per
 * link — (or a passcode given by
 * phone); codes work once; wrong codes lock the link; the package downloads as a zip whose DICOM file
 * is the one imported; download limits, revocation; every step audited, the download accounted.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { syntheticPatient, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { BIN, runCliAsync, tempDir } from "../helpers/run-cli.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";
import { makeTestPki } from "../helpers/test-pki.ts";
import { startTestSmtp, type ReceivedMail, type TestSmtp } from "../helpers/test-smtp.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_portal");
const PASS = "violet tractor lantern quietly 91";
const P = syntheticPatient(63);

describe("portal links", { skip: havePg ? false : NO_POSTGRES }, () => {
  const pki = makeTestPki();
  const work = tempDir("portal");
  let inbox: ReceivedMail[] = [];
  let smtp: TestSmtp;
  let server: ChildProcess;
  let base = "";
  let env: Record<string, string> = {};
  const original = xrayFile(63, 64, 64);

  const cli = (args: string[], stdin = ""): Promise<{ status: number; out: string }> => runCliAsync(args, env, stdin);
  const ok = async (args: string[], stdin = ""): Promise<string> => {
    const r = await cli(args, stdin);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
    return r.out;
  };
  const recipient = async (email: string): Promise<string> => {
    const id = /(rcp-[0-9a-f-]{36})/.exec(await ok(["recipient", "add", "--kind", "provider", "--name", "Dr. Portal", "--email", email]))![1]!;
    await ok(["recipient", "verify-identity", id, "--method", "call-back"]);
    await ok(["recipient", "verify-address", id, "--method", "code-reply"]);
    return id;
  };
  const lastMailTo = (to: string): string => inbox.filter((m) => m.to === to).at(-1)?.text ?? "";
  const tokenIn = (text: string): string => new RegExp(`${base.replace(/[.:/]/g, "\\$&")}/p/([A-Za-z0-9_-]{43})`).exec(text)![1]!;
  const share = async (to: string, extra: string[] = [], stdin = ""): Promise<string> => {
    await ok(["share", "--study", P.studyUid, "--to", to, "--purpose", "treatment", "--as", "rad", "--channel", "portal", ...extra], stdin);
    return tokenIn(lastMailTo(inbox.at(-1)!.to));
  };
  const post = (path: string, json?: unknown, cookie?: string): Promise<Response> => fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: JSON.stringify(json ?? {}) });

  before(async () => {
    smtp = await startTestSmtp(pki);
    inbox = smtp.inbox;
    const smtpPort = smtp.port;
    env = { RAYVAULT_HOME: join(work, "home"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema(), RAYVAULT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, RAYVAULT_SMTP_CA: pki.caPath, RAYVAULT_MAIL_FROM: "Springfield Imaging <gateway@clinic.test>" };
    const inputs = join(work, "in");
    mkdirSync(inputs);
    writeFileSync(join(inputs, "xr.dcm"), original);
    await ok(["import", inputs, "--purpose", "treatment"]);
    await ok(["user", "add", "rad", "--role", "radiologist"], `${PASS}\n`);
    server = spawn(process.execPath, [BIN, "start"], { env: { ...process.env, ...env, RAYVAULT_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    await new Promise<void>((okay, fail) => {
      const t = setTimeout(() => fail(new Error(`no start: ${out}`)), 60_000);
      server.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          base = m[1]!;
          clearTimeout(t);
          okay();
        }
      });
    });
    env = { ...env, RAYVAULT_PUBLIC_URL: base };
  });
  after(() => {
    server.kill("SIGTERM");
    smtp.close();
  });

  it("notifies without PHI, verifies by a one-time code to the verified address, and serves the study once verified", async () => {
    const to = await recipient("reader@portal-hospital.test");
    const token = await share(to);
    const note = lastMailTo("reader@portal-hospital.test");
    assert.match(note, /Subject: A secure message is waiting for you/);
    for (const phi of [P.name.split("^")[0]!, P.id, P.studyUid, P.birthDate, "CHEST"]) assert.equal(note.includes(phi), false, `${phi} in the notification`);
    const page = await fetch(`${base}/p/${token}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cache-control"), "no-store");
    assert.equal((await fetch(`${base}/api/portal/${token}/package`)).status, 401, "nothing before verification");
    assert.equal((await post(`/api/portal/${token}/code`)).status, 200);
    const code = /one-time code is (\d{8})/.exec(lastMailTo("reader@portal-hospital.test"))![1]!;
    // Another code at once is refused (the link cannot flood the mailbox) and the first stays valid.
    const mails = inbox.length;
    const again = await post(`/api/portal/${token}/code`);
    assert.equal(again.status, 429);
    assert.equal(((await again.json()) as { error: string }).error, "RV_RATE_LIMITED");
    assert.equal(inbox.length, mails, "no second code mailed");
    // The same share again is the same link: no second notification.
    assert.match(await ok(["share", "--study", P.studyUid, "--to", to, "--purpose", "treatment", "--as", "rad", "--channel", "portal"]), /already shared: delivery dlv-/);
    assert.equal(inbox.length, mails, "no second link");
    assert.equal((await post(`/api/portal/${token}/verify`, { code: code === "00000000" ? "11111111" : "00000000" })).status, 401);
    const verified = await post(`/api/portal/${token}/verify`, { code });
    assert.equal(verified.status, 200);
    const cookie = (verified.headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.match(cookie, /^rv_pickup=/);
    assert.equal((await post(`/api/portal/${token}/verify`, { code })).status, 401, "a code works once");
    const zip = await fetch(`${base}/api/portal/${token}/package`, { headers: { cookie } });
    assert.equal(zip.status, 200);
    const zipPath = join(work, "pickup.zip");
    writeFileSync(zipPath, Buffer.from(await zip.arrayBuffer()));
    const out = join(work, "pickup");
    assert.equal(spawnSync("/usr/bin/python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", zipPath, out]).status, 0);
    assert.ok(readFileSync(join(out, "DICOM", "S0001", "I0001")).equals(Buffer.from(original)));
    assert.ok(readFileSync(join(out, "DICOMDIR")).length > 0);
  });

  it("stops at the download limit, after revocation, after five wrong codes, and once expired", async () => {
    const to = await recipient("second@portal-hospital.test");
    const once = await share(to, ["--max-downloads", "1"]);
    await post(`/api/portal/${once}/code`);
    const code = /one-time code is (\d{8})/.exec(lastMailTo("second@portal-hospital.test"))![1]!;
    const cookie = ((await post(`/api/portal/${once}/verify`, { code })).headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.equal((await fetch(`${base}/api/portal/${once}/package`, { headers: { cookie } })).status, 200);
    assert.equal((await fetch(`${base}/api/portal/${once}/package`, { headers: { cookie } })).status, 410);
    assert.equal((await fetch(`${base}/p/${once}`)).status, 410);

    const revoked = await share(to);
    const link = /(lnk-[0-9a-f-]{36})/g;
    const ids = [...(await ok(["portal", "list"])).matchAll(link)].map((m) => m[1]!);
    await ok(["portal", "revoke", ids.at(-1)!]);
    assert.equal((await fetch(`${base}/p/${revoked}`)).status, 410);

    const guessed = await share(to);
    await post(`/api/portal/${guessed}/code`);
    for (let i = 0; i < 5; i++) await post(`/api/portal/${guessed}/verify`, { code: `9999999${i}` });
    assert.equal((await post(`/api/portal/${guessed}/verify`, { code: "12345678" })).status, 429);
    assert.equal((await fetch(`${base}/p/not-a-real-token-at-all-0000000000000000000`)).status, 404);

    // Expiry: the link's time is moved into the past (as days passing would), in the database itself.
    const late = await recipient("late@portal-hospital.test");
    const expiring = await share(late);
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      const moved = await db.query(`UPDATE ${env["RAYVAULT_DATABASE_SCHEMA"]}.portal_links SET expires_at = '2000-01-01T00:00:00.000Z' WHERE recipient_id = $1`, [late]);
      assert.equal(moved.rowCount, 1);
    } finally {
      await db.end();
    }
    const gone = await fetch(`${base}/p/${expiring}`);
    assert.equal(gone.status, 410);
    assert.match(await gone.text(), /expired/);
    assert.equal((await post(`/api/portal/${expiring}/code`)).status, 410, "no code for an expired link");
  });

  it("accepts a passcode the sender gave by phone instead of a mailed code", async () => {
    const to = await recipient("third@portal-hospital.test");
    const before = inbox.length;
    const token = await share(to, ["--passcode-stdin"], "blue-heron-42\n");
    const code = await post(`/api/portal/${token}/code`);
    assert.deepEqual(await code.json(), { factor: "passcode" });
    assert.equal(inbox.length, before + 1, "only the notification was mailed, no code");
    assert.equal((await post(`/api/portal/${token}/verify`, { code: "wrong-passcode" })).status, 401);
    const cookie = ((await post(`/api/portal/${token}/verify`, { code: "blue-heron-42" })).headers.get("set-cookie") ?? "").split(";")[0]!;
    assert.equal((await fetch(`${base}/api/portal/${token}/package`, { headers: { cookie } })).status, 200);
  });

  it("shares through the API, and falls back to a portal link when the message is too large to e-mail", async () => {
    const login = await fetch(`${base}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "rad", password: PASS }) });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0]!;
    const to = await recipient("api@portal-hospital.test");
    const decision = (await (await post("/api/decisions", { study: P.studyUid, to, purpose: "treatment" }, cookie)).json()) as { decision: { outcome: string; channels: string[] } };
    assert.deepEqual([decision.decision.outcome, decision.decision.channels], ["permit", ["portal"]]);
    const refused = await post("/api/shares", { study: P.studyUid, to, purpose: "personal" }, cookie);
    assert.equal(refused.status, 403);
    const shared = await post("/api/shares", { study: P.studyUid, to, purpose: "treatment", channel: "portal" }, cookie);
    assert.equal(shared.status, 202);
    const body = (await shared.json()) as { delivery: { status: string }; link: { id: string } };
    assert.deepEqual([body.delivery.status, body.link.id.startsWith("lnk-")], ["sent", true]);
    assert.match(lastMailTo("api@portal-hospital.test"), /\/p\/[A-Za-z0-9_-]{43}/);
    // The sender sees the delivery's status (no-store); nobody signed out does.
    const id = (body.delivery as { id?: string }).id!;
    const mine = await fetch(`${base}/api/deliveries/${id}`, { headers: { cookie } });
    assert.equal(mine.status, 200);
    assert.equal(mine.headers.get("cache-control"), "no-store");
    assert.deepEqual(((await mine.json()) as { delivery: { status: string }; reports: unknown[] }).delivery.status, "sent");
    assert.equal((await fetch(`${base}/api/deliveries/${id}`)).status, 401);

    // A provider with a certificate, and a mail size limit smaller than the study: the portal instead.
    await ok(["mail", "trust", "add", pki.caPath]);
    await ok(["mail", "identity", "--smime-cert", pki.issue("gateway@clinic.test", "sign").certPath, "--smime-key", join(pki.dir, "gateway_clinic_test.key")]);
    const big = await recipient("big@portal-hospital.test");
    await ok(["recipient", "key", big, "--smime", pki.issue("big@portal-hospital.test", "encrypt").certPath, "--method", "call-back"]);
    env = { ...env, RAYVAULT_MAIL_MAX_MB: "0.005" };
    const out = await ok(["share", "--study", P.studyUid, "--to", big, "--purpose", "treatment", "--as", "rad", "--channel", "smime"]);
    delete env["RAYVAULT_MAIL_MAX_MB"];
    assert.match(out, /would exceed RAYVAULT_MAIL_MAX_MB: a portal link was sent instead/);
    assert.match(lastMailTo("big@portal-hospital.test"), /A secure message is waiting for you/);
  });

  it("has audited every step and accounted for the downloads", async () => {
    const csv = await ok(["audit", "export", "--format", "csv"]);
    for (const a of ["portal.link.create", "portal.code.issue", "portal.code.wrong", "portal.code.locked", "portal.verify", "disclosure.download", "portal.link.revoke"]) assert.match(csv, new RegExp(a.replace(/\./g, "\\.")), a);
    const acct = await ok(["accounting", "--all"], `${P.id}\n`);
    assert.equal(acct.trim().split("\n").length, 3, acct);
    assert.match(acct, /secure portal/);
    assert.equal((await cli(["audit", "verify"])).status, 0);
    assert.equal((await cli(["vault", "verify"])).status, 0);
  });

  it("shows the images of a viewer opened with the link's last use", async () => {
    const to = await recipient("viewer@portal-hospital.test");
    const once = await share(to, ["--max-downloads", "1"]);
    await post(`/api/portal/${once}/code`);
    const code = /one-time code is (\d{8})/.exec(lastMailTo("viewer@portal-hospital.test"))![1]!;
    const cookie = ((await post(`/api/portal/${once}/verify`, { code })).headers.get("set-cookie") ?? "").split(";")[0]!;
    const opened = await fetch(`${base}/api/portal/${once}/images`, { headers: { cookie } });
    assert.equal(opened.status, 200, "opening the viewer is the one use");
    const image = await fetch(`${base}/api/portal/${once}/images/1`, { headers: { cookie } });
    assert.equal(image.status, 200, "its images belong to that use");
    assert.match(image.headers.get("content-type") ?? "", /^image\//);
    assert.equal((await fetch(`${base}/api/portal/${once}/images`, { headers: { cookie } })).status, 410, "no second opening");
    assert.equal((await fetch(`${base}/api/portal/${once}/package`, { headers: { cookie } })).status, 410, "nor a download");
  });
});
