/**
 * `rayvault share` end to end over a real SMTP server (smtp-server, STARTTLS with a test CA): a study goes
 * to a provider by S/MIME (openssl cms decrypts and verifies it; the DICOM in the zip is byte-identical to
 * what was imported), to a GnuPG user by PGP/MIME (gpg decrypts it, good signature), and to the patient
 * by plain e-mail after the acknowledged warning; the same share twice is one delivery; a refused share
 * and a relay without STARTTLS send nothing; the disclosures are in the accounting, not the PHI in any
 * header. DSNs are asked with the delivery's id and the reports that come back move its status; a 5xx
 * refusal fails at once; DKIM signatures verify with dkimpy.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { dsnMessage, mdnMessage, plainBounce } from "../fixtures/delivery-reports.ts";
import { syntheticPatient, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { haveTool, runCliAsync, runTool, tempDir } from "../helpers/run-cli.ts";
import { makeTestPki } from "../helpers/test-pki.ts";

const PASS = "violet tractor lantern quietly 91";
const DKIM_VERIFY = new URL("../helpers/dkim-verify.py", import.meta.url).pathname;
const P = syntheticPatient(52);

interface Received { to: string; raw: Buffer; dsn: { envid?: string; ret?: string }; notify: string[] }

function startSmtp(pki: ReturnType<typeof makeTestPki>, starttls: boolean): Promise<{ server: SMTPServer; port: number; inbox: Received[] }> {
  const tls = pki.server();
  const inbox: Received[] = [];
  const server = new SMTPServer({
    secure: false, key: readFileSync(tls.keyPath), cert: readFileSync(tls.certPath), authOptional: true, hideDSN: false, ...(starttls ? {} : { disabledCommands: ["STARTTLS"] }),
    // A mailbox that does not exist is refused for good, as a real MX does (550 5.1.1).
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith("unknown.")) cb(Object.assign(new Error("5.1.1 user unknown"), { responseCode: 550 }));
      else cb();
    },
    onData(stream, session, cb) {
      const parts: Buffer[] = [];
      stream.on("data", (d: Buffer) => parts.push(d));
      stream.on("end", () => {
        const envelope = session.envelope as typeof session.envelope & { dsn?: { envid?: string; ret?: string } };
        const notify = session.envelope.rcptTo.flatMap((r) => (r as typeof r & { dsn?: { notify?: string[] } }).dsn?.notify ?? []);
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), raw: Buffer.concat(parts), dsn: envelope.dsn ?? {}, notify });
        cb();
      });
    },
  });
  // A client killed mid-message resets its connection: expected in the crash test.
  server.on("error", () => undefined);
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, port: (server.server.address() as { port: number }).port, inbox })));
}

describe("share over SMTP", { skip: haveTool("openssl") && haveTool("gpg") ? false : "openssl and gpg needed" }, () => {
  const pki = makeTestPki();
  const work = tempDir("share");
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let plainRelay: Awaited<ReturnType<typeof startSmtp>>;
  let env: Record<string, string>;
  const original = xrayFile(52, 64, 64);
  const provider = pki.issue("dr.okafor@lakeside-ortho.test", "encrypt");
  const clinic = pki.issue("gateway@clinic.test", "sign");
  const gnupg = join(work, "gnupg");
  const gpg = (args: string[]): ReturnType<typeof runTool> => runTool("gpg", ["--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env: { ...process.env, GNUPGHOME: gnupg } });

  // Asynchronous: the SMTP servers live in this process and must answer while the CLI runs.
  const cli = (args: string[], stdin = "", extra: Record<string, string> = {}): Promise<{ status: number; out: string }> => runCliAsync(args, { ...env, ...extra }, stdin);
  const ok = async (args: string[], stdin = ""): Promise<string> => {
    const r = await cli(args, stdin);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
    return r.out;
  };
  const rcp = (out: string): string => /(rcp-[0-9a-f-]{36})/.exec(out)![1]!;
  const verified = async (kind: string, name: string, email: string, stdin = ""): Promise<string> => {
    const id = rcp(await ok(["recipient", "add", "--kind", kind, "--name", name, "--email", email, ...(stdin ? ["--patient-mrn-stdin"] : [])], stdin));
    await ok(["recipient", "verify-identity", id, "--method", "call-back"]);
    await ok(["recipient", "verify-address", id, "--method", "code-reply"]);
    return id;
  };
  /** The study.zip in a decrypted entity, unpacked; returns the bytes of DICOM/S0001/I0001. */
  const dicomFromEntity = (entity: string, name: string): Buffer => {
    const m = /filename="study\.zip"\r?\n\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n--/.exec(entity);
    assert.ok(m, "the zip attachment");
    const zip = join(work, `${name}.zip`);
    writeFileSync(zip, Buffer.from(m[1]!.replace(/\r?\n/g, ""), "base64"));
    const out = join(work, `${name}-out`);
    assert.equal(spawnSync("/usr/bin/python3", ["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])", zip, out]).status, 0);
    return readFileSync(join(out, "DICOM", "S0001", "I0001"));
  };

  before(async () => {
    smtp = await startSmtp(pki, true);
    plainRelay = await startSmtp(pki, false);
    env = { RAYVAULT_HOME: join(work, "home"), RAYVAULT_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, RAYVAULT_SMTP_CA: pki.caPath, RAYVAULT_MAIL_FROM: "Springfield Imaging <gateway@clinic.test>" };
    const inputs = join(work, "in");
    mkdirSync(inputs);
    writeFileSync(join(inputs, "xr.dcm"), original);
    await ok(["import", inputs, "--purpose", "treatment"]);
    await ok(["user", "add", "rad", "--role", "radiologist"], `${PASS}\n`);
    await ok(["user", "add", "desk", "--role", "front-desk"], `${PASS}\n`);
    await ok(["mail", "identity", "--smime-cert", clinic.certPath, "--smime-key", clinic.keyPath]);
    await ok(["mail", "trust", "add", pki.caPath]);
    mkdirSync(gnupg, { mode: 0o700 });
  });
  after(() => {
    smtp.server.close();
    plainRelay.server.close();
  });

  it("sends S/MIME that openssl decrypts and verifies, with the DICOM byte-identical; twice is once", async () => {
    const id = await verified("provider", "Dr. Amara Okafor", provider.email);
    const wrongEmail = await cli(["recipient", "key", id, "--smime", pki.issue("someone.else@lakeside-ortho.test", "encrypt").certPath, "--method", "call-back"]);
    assert.equal(wrongEmail.status, 1);
    assert.match(wrongEmail.out, /not for any verified address/);
    await ok(["recipient", "key", id, "--smime", provider.certPath, "--method", "call-back"]);
    const out = await ok(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "smime"]);
    assert.match(out, /delivery dlv-[0-9a-f-]+ \(smime\): sent/);
    assert.equal(smtp.inbox.length, 1);
    const mail = smtp.inbox[0]!;
    assert.equal(mail.to, provider.email);
    const headers = mail.raw.toString("latin1").split("\r\n\r\n")[0]!;
    assert.match(headers, /Content-Type: application\/pkcs7-mime; smime-type=enveloped-data/);
    for (const phi of [P.name.split("^")[0]!, P.id, P.studyUid, "CHEST"]) assert.equal(headers.includes(phi), false, `${phi} in the headers`);
    const eml = join(work, "smime.eml");
    writeFileSync(eml, mail.raw);
    const inner = join(work, "smime.inner");
    assert.equal(runTool("openssl", ["cms", "-decrypt", "-in", eml, "-recip", provider.certPath, "-inkey", provider.keyPath, "-out", inner]).status, 0);
    const content = join(work, "smime.content");
    const v = runTool("openssl", ["cms", "-verify", "-in", inner, "-CAfile", pki.caPath, "-purpose", "smimesign", "-out", content]);
    assert.equal(v.status, 0, v.stderr);
    assert.ok(dicomFromEntity(readFileSync(content, "latin1"), "smime").equals(Buffer.from(original)), "the DICOM file arrives as imported");
    assert.match(await ok(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "smime"]), /already shared: delivery dlv-[0-9a-f-]+ is sent/);
    assert.equal(smtp.inbox.length, 1, "no second message");
  });

  it("asks the relay for DSNs and the recipient's system for an MDN; the reports that come back move the delivery", async () => {
    const first = smtp.inbox[0]!;
    const delivery = /(dlv-[0-9a-f-]{36})/.exec(await ok(["outbox", "list"]))![1]!;
    assert.equal(first.dsn.envid, delivery, "ENVID is the delivery's id");
    assert.equal(first.dsn.ret, "HDRS", "only headers come back, never the message");
    assert.deepEqual(first.notify, ["FAILURE", "DELAY"]);
    const headers = first.raw.toString("latin1").split("\r\n\r\n")[0]!;
    assert.match(headers, /Disposition-Notification-To: <gateway@clinic\.test>/);
    assert.match(headers, /Disposition-Notification-Options: X-DIRECT-FINAL-DESTINATION-DELIVERY=optional,true/);
    const messageId = /Message-ID: (<[^>]+>)/.exec(headers)![1]!;

    const mdn = await ok(["mail", "inbound"], mdnMessage({ messageId, disposition: "processed", recipient: provider.email }));
    assert.match(mdn, new RegExp(`delivery ${delivery}: MDN processed → delivered`));
    const dsn = await ok(["mail", "inbound"], dsnMessage({ envid: delivery, messageId, action: "failed", status: "5.2.2", recipient: provider.email }));
    assert.match(dsn, new RegExp(`delivery ${delivery}: DSN failed \\(5\\.2\\.2\\) → bounced`));
    const show = await ok(["outbox", "show", delivery]);
    assert.match(show, /bounced/);
    assert.match(show, /MDN processed[\s\S]*DSN failed 5\.2\.2/);
    assert.equal(show.includes(provider.email), false, "the report's addresses are not kept");
    assert.match(await ok(["alerts", "list"]), new RegExp(`delivery-bounced.*delivery:${delivery}`));
    // Not a report, or a report for a message we never sent: nothing changes, exit 3.
    const plain = await cli(["mail", "inbound"], plainBounce(messageId));
    assert.equal(plain.status, 3);
    assert.match(plain.out, /not a delivery report/);
    const stranger = await cli(["mail", "inbound"], dsnMessage({ messageId: "<not-ours@elsewhere.test>", action: "failed", status: "5.1.1", recipient: "x@elsewhere.test" }));
    assert.equal(stranger.status, 3);
    assert.match(stranger.out, /matches no delivery/);
    assert.match(await ok(["audit", "export", "--format", "csv"]), /disclosure\.report\.unmatched/);
  });

  it("does not retry a message the relay refused for good (5xx): failed at once, for the sender to act", async () => {
    const id = await verified("provider", "Dr. Ivo Marsh", "unknown.marsh@lakeside-ortho.test");
    await ok(["recipient", "key", id, "--smime", pki.issue("unknown.marsh@lakeside-ortho.test", "encrypt").certPath, "--method", "call-back"]);
    const r = await cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "smime"]);
    assert.equal(r.status, 3, r.out);
    assert.match(r.out, /failed — the mail relay did not accept the message \(EENVELOPE 550\)/);
    assert.match(await ok(["outbox", "list"]), /smime\s+failed\s+attempts 1\s+to rcp-/);
  });

  it("DKIM-signs what it sends when a key is configured; dkimpy verifies the signature and rejects a changed byte", async () => {
    const key = join(work, "dkim.pem");
    assert.equal(runTool("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]).status, 0);
    const publicDer = spawnSync("openssl", ["pkey", "-in", key, "-pubout", "-outform", "DER"]).stdout;
    const id = await verified("provider", "Dr. Kai Lund", "lund@lakeside-ortho.test");
    await ok(["recipient", "key", id, "--smime", pki.issue("lund@lakeside-ortho.test", "encrypt").certPath, "--method", "call-back"]);
    const r = await cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "smime"], "", { RAYVAULT_DKIM_SELECTOR: "rv2026", RAYVAULT_DKIM_KEY: key });
    assert.equal(r.status, 0, r.out);
    const mail = smtp.inbox.at(-1)!;
    assert.equal(mail.to, "lund@lakeside-ortho.test");
    assert.match(mail.raw.toString("latin1"), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=clinic\.test;[\s\S]*s=rv2026/m);
    const eml = join(work, "dkim.eml");
    writeFileSync(eml, mail.raw);
    const verify = (path: string): string => spawnSync("/usr/bin/python3", [DKIM_VERIFY, path, publicDer.toString("base64")], { encoding: "utf8" }).stdout.trim();
    assert.equal(verify(eml), "pass");
    const tampered = Buffer.from(mail.raw);
    const at = tampered.length - 200;
    tampered[at] = tampered[at]! ^ 1;
    writeFileSync(join(work, "dkim-tampered.eml"), tampered);
    assert.equal(verify(join(work, "dkim-tampered.eml")), "fail");
    const unreadable = await cli(["outbox", "run"], "", { RAYVAULT_DKIM_SELECTOR: "rv2026", RAYVAULT_DKIM_KEY: join(work, "no-such-key.pem") });
    assert.equal(unreadable.status, 1);
    assert.match(unreadable.out, /RV_KEY_MISSING: the DKIM private key/);
  });

  it("sends PGP/MIME (with JPEG previews) that gpg decrypts with a good signature from the clinic", async () => {
    assert.equal(gpg(["--quick-gen-key", "Dr Reyes <reyes@valley-clinic.test>", "rsa3072", "encrypt,sign", "1d"]).status, 0);
    writeFileSync(join(work, "reyes.asc"), gpg(["--armor", "--export", "reyes@valley-clinic.test"]).stdout);
    writeFileSync(join(work, "clinic.asc"), await ok(["mail", "identity", "--show-pgp"]));
    assert.equal(gpg(["--import", join(work, "clinic.asc")]).status, 0);
    const id = await verified("provider", "Dr. Luis Reyes", "reyes@valley-clinic.test");
    await ok(["recipient", "key", id, "--pgp", join(work, "reyes.asc"), "--method", "in-person"]);
    await ok(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "pgp", "--previews", "jpeg"]);
    const mail = smtp.inbox.at(-1)!.raw.toString("latin1");
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(mail)![0];
    writeFileSync(join(work, "m.asc"), armored);
    const out = join(work, "pgp.entity");
    const dec = gpg(["--status-fd", "2", "--output", out, "--decrypt", join(work, "m.asc")]);
    assert.equal(dec.status, 0, dec.stderr);
    assert.match(dec.stderr, /GOODSIG [0-9A-F]+ Rayvault <gateway@clinic\.test>/);
    assert.ok(dicomFromEntity(readFileSync(out, "latin1"), "pgp").equals(Buffer.from(original)));
    const preview = readFileSync(join(work, "pgp-out", "PREVIEW", "S0001", "I0001.jpg"));
    assert.deepEqual([...preview.subarray(0, 3)], [0xff, 0xd8, 0xff], "a JPEG preview beside the DICOM");
  });

  it("sends the patient their images unencrypted only after the acknowledged warning", async () => {
    const patient = await verified("patient", "the patient", "m.patient@gmail.test", `${P.id}\n`);
    const request = /(acc-[0-9a-f-]{36})/.exec(await ok(["access-request", "open", "--requester", patient, "--channel", "plain-email"], `${P.id}\n`))![1]!;
    const before = smtp.inbox.length;
    const refused = await cli(["share", "--study", P.studyUid, "--to", patient, "--purpose", "patient-access", "--as", "desk", "--channel", "plain-email"]);
    assert.equal(refused.status, 3);
    assert.match(refused.out, /DECISION: DENY/);
    assert.equal(smtp.inbox.length, before, "nothing sent");
    const version = /warning version (\S+):/.exec(await ok(["access-request", "warning"]))![1]!;
    await ok(["access-request", "acknowledge", request, "--warning-version", version]);
    await ok(["share", "--study", P.studyUid, "--to", patient, "--purpose", "patient-access", "--as", "desk", "--channel", "plain-email"]);
    const parsed = await simpleParser(smtp.inbox.at(-1)!.raw);
    assert.equal(parsed.subject, "Secure message from your care provider");
    const zip = parsed.attachments.find((a) => a.filename === "study.zip");
    assert.ok(zip, "the zip is attached");
  });

  it("refuses a certificate the CA's CRL lists as revoked, when adding it and when sending", async () => {
    const id = await verified("provider", "Dr. Noor Said", "said@harbor-clinic.test");
    const cert = pki.issue("said@harbor-clinic.test", "encrypt");
    await ok(["recipient", "key", id, "--smime", cert.certPath, "--method", "call-back"]);
    await ok(["mail", "trust", "add-crl", pki.revoke([cert])]);
    const before = smtp.inbox.length;
    const r = await cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "smime"]);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /RV_KEY_MISSING: the certificate has been revoked/);
    assert.equal(smtp.inbox.length, before, "nothing sent");
    const again = await cli(["recipient", "key", id, "--smime", cert.certPath, "--method", "call-back"]);
    assert.equal(again.status, 1);
    assert.match(again.out, /has been revoked/);
  });

  it("survives a kill mid-send: the restarted outbox delivers exactly one message; after the relay accepted, a repeat keeps its Message-ID", async () => {
    const id = await verified("provider", "Dr. Ana Silva", "silva@bay-ortho.test");
    await ok(["recipient", "key", id, "--smime", pki.issue("silva@bay-ortho.test", "encrypt").certPath, "--method", "call-back"]);
    const before = smtp.inbox.length;
    const killed = await cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad"], "", { RAYVAULT_TEST_FAULT: "mid-send:1" });
    assert.notEqual(killed.status, 0, killed.out);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.inbox.length, before, "nothing arrived from the killed send");
    assert.match(await ok(["outbox", "list"]), /smime\s+sending\s+attempts 1/);
    assert.match(await ok(["outbox", "run"]), /nothing due/, "not stale yet: left alone");
    const run = await cli(["outbox", "run"], "", { RAYVAULT_OUTBOX_STALE_SECONDS: "0" });
    assert.equal(run.status, 0, run.out);
    assert.equal(smtp.inbox.filter((m) => m.to === "silva@bay-ortho.test").length, 1, "exactly one message");

    const id2 = await verified("provider", "Dr. Omar Haddad", "haddad@bay-ortho.test");
    await ok(["recipient", "key", id2, "--smime", pki.issue("haddad@bay-ortho.test", "encrypt").certPath, "--method", "call-back"]);
    assert.notEqual((await cli(["share", "--study", P.studyUid, "--to", id2, "--purpose", "treatment", "--as", "rad"], "", { RAYVAULT_TEST_FAULT: "after-send:1" })).status, 0);
    await cli(["outbox", "run"], "", { RAYVAULT_OUTBOX_STALE_SECONDS: "0" });
    const copies = smtp.inbox.filter((m) => m.to === "haddad@bay-ortho.test").map((m) => /Message-ID: (<[^>]+>)/.exec(m.raw.toString("latin1"))![1]);
    assert.equal(copies.length, 2, "accepted, then sent again after the crash");
    assert.equal(copies[0], copies[1], "with the same Message-ID, so the receiver drops the repeat");
  });

  it("lists every disclosure for the accounting (none accountable: all TPO or the patient's own access), and verifies", async () => {
    const all = await ok(["accounting", "--all"], `${P.id}\n`);
    assert.equal(all.trim().split("\n").length, 6, all);
    assert.match(all, /Dr\. Amara Okafor.*purpose: treatment \(164\.506\(c\)\(2\)\)\s+\[not accountable\]/);
    assert.match(await ok(["accounting"], `${P.id}\n`), /no disclosures to account for/);
    assert.equal((await cli(["vault", "verify"])).status, 0);
    assert.equal((await cli(["audit", "verify"])).status, 0);
    assert.match((await cli(["audit", "export", "--format", "csv"])).out, /disclosure\.send/);
  });

  // Last: the delivery it leaves retrying comes due a minute later, and an outbox run sends every due
  // delivery — on a slow run it would become the first delivery of a later command, which the crash test
  // counts ("after-send:1").
  it("sends nothing through a relay without STARTTLS (the delivery waits to be retried)", async () => {
    const id = await verified("provider", "Dr. Mei Chen", "chen@harbor-clinic.test");
    await ok(["recipient", "key", id, "--smime", pki.issue("chen@harbor-clinic.test", "encrypt").certPath, "--method", "call-back"]);
    const r = await cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad"], "", { RAYVAULT_SMTP_URL: `smtp://127.0.0.1:${plainRelay.port}` });
    assert.equal(r.status, 3, r.out);
    assert.match(r.out, /retrying — RV_DELIVERY_FAILED|retrying — the mail relay did not accept/);
    assert.equal(plainRelay.inbox.length, 0);
    assert.match(await ok(["outbox", "list"]), /smime\s+retrying\s+attempts 1/);
  });
});
