/**
 * `rayvault decide` and the directory, end to end on the embedded database and on PostgreSQL: a privacy
 * officer sets up providers, a health plan, a billing company with its BAA, a life insurer with the
 * patient's authorization, the patient with an access request, and the police; for each, `decide` gives
 * the right answer with its rule, the preview of what leaves and what is missing — and the answers
 * change when a fact changes (a certificate that chains to a trusted CA added, a BAA signed, an authorization revoked, a self-pay
 * restriction, the e-mail warning acknowledged, the privacy officer's approval). No PHI in any output.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { syntheticPatient, xrayFile } from "../fixtures/synthetic-dicom.ts";
import { BIN, tempDir } from "../helpers/run-cli.ts";
import { makeTestPki } from "../helpers/test-pki.ts";
import { havePostgres, NO_POSTGRES, PG_URL, scratchSchemas } from "../helpers/postgres.ts";

const havePg = await havePostgres();
const newSchema = scratchSchemas("rv_policy");
const PASS = "violet tractor lantern quietly 91";
const P = syntheticPatient(41);
const STUDY = P.studyUid;

const setups: Record<string, { skip: string | false; env: () => Record<string, string> }> = {
  embedded: { skip: false, env: () => ({ RAYVAULT_HOME: tempDir("policy") }) },
  postgres: { skip: havePg ? false : NO_POSTGRES, env: () => ({ RAYVAULT_HOME: tempDir("policy-pg"), RAYVAULT_DATABASE_URL: PG_URL, RAYVAULT_DATABASE_SCHEMA: newSchema() }) },
};

interface Decision { decision: { outcome: string; permission?: { citation: string }; basis: Array<{ citation: string; reason: string }>; channels: string[]; missing: string[]; warnings: string[]; accountable: boolean; plan?: { level: string } }; preview?: { kept: string[]; changed: string[]; removed: string[] }; reviewId?: string }

for (const [name, setup] of Object.entries(setups)) {
  describe(`decide on ${name}`, { skip: setup.skip }, () => {
    const env = setup.env();
    const cli = (args: string[], stdin = ""): { status: number; out: string } => {
      const r = spawnSync(process.execPath, [BIN, ...args], { input: stdin, env: { ...process.env, ...env }, encoding: "utf8" });
      return { status: r.status ?? -1, out: r.stdout + r.stderr };
    };
    const ok = (args: string[], stdin = ""): string => {
      const r = cli(args, stdin);
      assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
      return r.out;
    };
    const idOf = (out: string, prefix: string): string => new RegExp(`(${prefix}-[0-9a-f-]{36})`).exec(out)![1]!;
    const decide = (to: string, purpose: string, as: string, extra: string[] = []): { status: number; d: Decision } => {
      const r = cli(["decide", "--study", STUDY, "--to", to, "--purpose", purpose, "--as", as === "po" ? "privacy.officer" : as, "--json", ...extra]);
      assert.ok(r.status === 0 || r.status === 3, r.out);
      for (const phi of [P.name.split("^")[0]!, P.id, P.birthDate, P.address.split(",")[0]!]) assert.equal(r.out.includes(phi), false, `PHI ${phi} in the decision`);
      return { status: r.status, d: JSON.parse(r.out) as Decision };
    };
    /** A recipient added, identity and address verified. */
    const verifiedRecipient = (kind: string, name: string, email: string, method: string, stdin = ""): string => {
      const id = idOf(ok(["recipient", "add", "--kind", kind, "--name", name, "--email", email, ...(stdin ? ["--patient-mrn-stdin"] : [])], stdin), "rcp");
      ok(["recipient", "verify-identity", id, "--method", method]);
      ok(["recipient", "verify-address", id, "--method", method === "in-person" ? "code-reply" : "call-back"]);
      return id;
    };
    const dir = tempDir("policy-files");
    let provider = "";

    it("sets up the vault and the senders", () => {
      writeFileSync(join(dir, "xr.dcm"), xrayFile(41, 64, 64));
      ok(["import", join(dir, "xr.dcm"), "--purpose", "treatment"]);
      for (const [u, role] of [["rad", "radiologist"], ["bill", "billing"], ["desk", "front-desk"], ["privacy.officer", "privacy-officer"]] as const) ok(["user", "add", u, "--role", role], `${PASS}\n`);
    });

    it("permits treatment to a verified provider, full study, by portal; S/MIME once their certificate is on file", () => {
      const bad = cli(["recipient", "add", "--kind", "provider", "--name", "Dr. Amara Okafor", "--npi", "1234567890"]);
      assert.equal(bad.status, 1);
      assert.match(bad.out, /NPI is not valid/);
      provider = idOf(ok(["recipient", "add", "--kind", "provider", "--name", "Dr. Amara Okafor", "--organization", "Lakeside Orthopedics", "--npi", "1234567893", "--email", "dr.okafor@lakeside-ortho.com"]), "rcp");
      const unverified = decide(provider, "treatment", "rad");
      assert.equal(unverified.d.decision.outcome, "deny");
      assert.match(unverified.d.decision.basis.at(-1)!.citation, /164\.514\(h\)/);
      ok(["recipient", "verify-identity", provider, "--method", "call-back"]);
      const noAddress = decide(provider, "treatment", "rad");
      assert.equal(noAddress.d.decision.outcome, "deny");
      assert.match(noAddress.d.decision.missing.join(), /verify the recipient's e-mail address/);
      ok(["recipient", "verify-address", provider, "--method", "code-reply"]);
      const t = decide(provider, "treatment", "rad");
      assert.equal(t.status, 0);
      assert.deepEqual([t.d.decision.outcome, t.d.decision.permission?.citation, t.d.decision.plan?.level, t.d.decision.channels], ["permit", "164.506(c)(2)", "full", ["portal"]]);
      assert.ok(t.d.preview!.kept.includes("PatientName") && t.d.preview!.removed.length === 0);

      const pki = makeTestPki();
      const cert = pki.issue("dr.okafor@lakeside-ortho.com", "encrypt").certPath;
      const stranger = makeTestPki().issue("dr.okafor@lakeside-ortho.com", "encrypt").certPath;
      const untrusted = cli(["recipient", "key", provider, "--smime", cert, "--method", "call-back"]);
      assert.equal(untrusted.status, 1);
      assert.match(untrusted.out, /no trust anchors are configured/);
      ok(["mail", "trust", "add", pki.caPath]);
      const foreign = cli(["recipient", "key", provider, "--smime", stranger, "--method", "call-back"]);
      assert.equal(foreign.status, 1);
      assert.match(foreign.out, /does not chain to a trusted anchor/);
      ok(["recipient", "key", provider, "--smime", cert, "--method", "call-back"]);
      assert.deepEqual(decide(provider, "treatment", "rad").d.decision.channels, ["smime", "portal"]);
      const text = cli(["decide", "--study", STUDY, "--to", provider, "--purpose", "treatment", "--as", "rad"]);
      assert.match(text.out, /DECISION: PERMIT — treatment by a health care provider.*\(164\.506\(c\)\(2\)\)/);
      assert.equal(decide(provider, "treatment", "bill").d.decision.outcome, "deny", "billing may not decide treatment disclosures");
    });

    it("flags a look-alike address against the directory, by reference", () => {
      const out = ok(["recipient", "add", "--kind", "provider", "--name", "Dr. A. Okafor", "--email", "dr.okafor@lakeside-orhto.com"]);
      assert.match(out, new RegExp(`WARNING: the address looks like that of ${provider} \\(transposition\\)`));
      const lookalike = idOf(out, "rcp");
      ok(["recipient", "verify-identity", lookalike, "--method", "call-back"]);
      const d = decide(lookalike, "treatment", "rad").d.decision;
      assert.equal(d.outcome, "deny");
      assert.match(d.warnings.join(), new RegExp(`resembles the verified address of recipient recipient:${provider}`));
    });

    it("cuts payment to the claim facts and refuses a self-paid study to the health plan", () => {
      const plan = verifiedRecipient("health-plan", "Blue Cross Illinois", "claims@bluecrossil.com", "known-relationship");
      const pay = decide(plan, "payment", "bill");
      assert.deepEqual([pay.d.decision.outcome, pay.d.decision.plan?.level], ["permit", "identified-minimum"]);
      for (const k of ["PatientAddress", "PatientTelephoneNumbers", "InstitutionAddress", "DeviceSerialNumber"]) assert.ok(pay.d.preview!.removed.includes(k), `${k} removed: ${pay.d.preview!.removed.join(",")}`);
      assert.ok(pay.d.preview!.kept.includes("PatientID"));
      const whole = decide(plan, "payment", "bill", ["--entire-record"]);
      assert.match(whole.d.decision.basis.at(-1)!.citation, /164\.514\(d\)\(5\)/);
      ok(["restriction", "add", "--kind", "self-pay", "--study", STUDY], `${P.id}\n`);
      const selfPay = decide(plan, "payment", "bill");
      assert.equal(selfPay.d.decision.outcome, "deny");
      assert.match(selfPay.d.decision.basis.at(-1)!.citation, /164\.522\(a\)\(1\)\(vi\)/);
      const rid = /restriction (rst-[0-9a-f-]+)/.exec(cli(["audit", "export", "--format", "csv"]).out)?.[1];
      assert.equal(rid, undefined, "the audit export names references only");
    });

    it("sends to a business associate only under a BAA, whose signed copy is in the vault", () => {
      const ba = verifiedRecipient("business-associate", "MedBill Partners LLC", "intake@medbill-partners.com", "signed-form");
      const none = decide(ba, "operations", "po");
      assert.equal(none.d.decision.outcome, "deny");
      assert.match(none.d.decision.basis.at(-1)!.reason, /no business associate agreement is in force/);
      writeFileSync(join(dir, "baa.pdf"), "%PDF-1.4 signed business associate agreement");
      ok(["agreement", "add", "--recipient", ba, "--kind", "baa", "--parties", "Springfield Imaging and MedBill Partners", "--effective", "2026-01-01", "--ends", "2028-01-01", "--scope", "operations", "--document", join(dir, "baa.pdf")]);
      const withBaa = decide(ba, "operations", "po");
      assert.deepEqual([withBaa.d.decision.outcome, withBaa.d.decision.permission?.citation, withBaa.d.decision.plan?.level], ["permit", "164.502(e), 164.504(e)", "deidentified"]);
      assert.ok(withBaa.d.preview!.changed.includes("PatientName") || withBaa.d.preview!.removed.includes("PatientName"), "de-identified: the name does not leave as it is");
      assert.deepEqual(JSON.parse(cli(["vault", "verify", "--json"]).out), { version: 1, checked: 2, problems: [] }, "the signed BAA is an indexed vault object");
    });

    it("follows the patient's authorization: defective refused with the element named, valid permits, revoked refuses", () => {
      const insurer = verifiedRecipient("other", "Acme Life Insurance", "underwriting@acmelife.example", "signed-form");
      assert.equal(decide(insurer, "underwriting", "desk").d.decision.outcome, "deny");
      const form = {
        patientMrn: P.id, description: "chest X-ray of 2026-03-04", scope: { studyUids: [STUDY] }, disclosers: "Springfield Imaging",
        recipients: { ids: [insurer], description: "Acme Life Insurance" }, purposes: ["underwriting"], expiresAt: "2027-06-01",
        signedAt: "2026-10-01T10:00:00Z", signedBy: "patient", statements: { rightToRevoke: true, conditioning: true, redisclosure: false },
      };
      writeFileSync(join(dir, "auth-bad.json"), JSON.stringify(form));
      writeFileSync(join(dir, "auth.pdf"), "%PDF-1.4 signed authorization");
      const bad = ok(["authorization", "add", "--form", join(dir, "auth-bad.json"), "--document", join(dir, "auth.pdf")]);
      assert.match(bad, /NOT VALID/);
      assert.match(bad, /redisclose \(164\.508\(c\)\(2\)\(iii\)\)/);
      const stillNo = decide(insurer, "underwriting", "desk").d.decision;
      assert.equal(stillNo.outcome, "deny");
      assert.match(stillNo.missing.join(), /is not valid: the statement that the recipient may redisclose/);
      writeFileSync(join(dir, "auth.json"), JSON.stringify({ ...form, statements: { rightToRevoke: true, conditioning: true, redisclosure: true } }));
      const good = idOf(ok(["authorization", "add", "--form", join(dir, "auth.json"), "--document", join(dir, "auth.pdf")]), "ath");
      const yes = decide(insurer, "underwriting", "desk").d.decision;
      assert.deepEqual([yes.outcome, yes.permission?.citation, yes.accountable], ["permit", "164.508", false]);
      ok(["authorization", "revoke", good]);
      assert.equal(decide(insurer, "underwriting", "desk").d.decision.outcome, "deny");
      assert.equal(cli(["authorization", "check", good]).status, 3);
    });

    it("gives the patient their own images, unencrypted only after the acknowledged warning; tracks the 30-day clock", () => {
      const patient = verifiedRecipient("patient", "the patient", "m.hargreaves@gmail.com", "in-person", `${P.id}
`);
      assert.equal(decide(patient, "patient-access", "desk").d.decision.outcome, "deny", "no request on file");
      const opened = ok(["access-request", "open", "--requester", patient, "--channel", "plain-email", "--received", "2026-11-20T09:00:00Z"], `${P.id}\n`);
      assert.match(opened, /due 2026-12-20T09:00:00/);
      const request = idOf(opened, "acc");
      const noAck = decide(patient, "patient-access", "desk", ["--channel", "plain-email"]);
      assert.equal(noAck.d.decision.outcome, "deny");
      assert.match(noAck.d.decision.missing.join(), /acknowledgement of the risk warning/);
      const warning = ok(["access-request", "warning"]);
      const version = /warning version (\S+):/.exec(warning)![1]!;
      assert.equal(cli(["access-request", "acknowledge", request, "--warning-version", "1999-01"]).status, 1);
      ok(["access-request", "acknowledge", request, "--warning-version", version]);
      const plain = decide(patient, "patient-access", "desk", ["--channel", "plain-email"]);
      assert.deepEqual([plain.d.decision.outcome, plain.d.decision.permission?.citation, plain.d.decision.plan?.level], ["permit", "164.524", "full"]);
      assert.ok(plain.d.decision.channels.includes("plain-email"));
      assert.equal(decide(provider, "treatment", "rad", ["--channel", "plain-email"]).d.decision.outcome, "deny", "never plain to anyone else");
      assert.match(ok(["access-request", "extend", request, "--reason", "the archive copy is being restored from tape"]), /now due 2027-01-19/);
      assert.equal(cli(["access-request", "extend", request, "--reason", "a second extension is not allowed"]).status, 1);
    });

    it("queues 164.512 disclosures for the privacy officer and marks them accountable once approved", () => {
      const police = verifiedRecipient("other", "Springfield Police Department", "records@springfield-pd.example", "in-person");
      const queued = decide(police, "law-enforcement", "po");
      assert.equal(queued.d.decision.outcome, "needs-review");
      assert.ok(queued.d.reviewId);
      assert.match(ok(["review", "list"]), new RegExp(`${queued.d.reviewId}\\s+law-enforcement`));
      assert.equal(cli(["review", "approve", queued.d.reviewId, "--citation", "164.510(b)", "--note", "wrong paragraph for this purpose"]).status, 1);
      ok(["review", "approve", queued.d.reviewId, "--citation", "164.512(f)(1)(ii)(A)", "--note", "court-ordered warrant no. 26-CR-118 received and checked"]);
      const approved = decide(police, "law-enforcement", "po");
      assert.deepEqual([approved.d.decision.outcome, approved.d.decision.accountable, approved.d.decision.permission?.citation], ["permit", true, "164.512(f)(1)(ii)(A)"]);
    });

    it("assesses a misdirected e-mail as a presumed breach with its deadlines, and audits every decision", () => {
      const inc = ok(["incident", "open", "--kind", "misdirected", "--discovered", "2026-11-23T09:00:00Z", "--affected", "1", "--state", "IL=1", "--protection", "tls-only"]);
      assert.match(inc, /PRESUMED-BREACH — notifiable/);
      assert.match(inc, /notify individuals by 2027-01-22 \(164\.404\(b\)\)/);
      assert.match(inc, /civil penalties in effect \(2026-01-28/);
      const secured = ok(["incident", "open", "--kind", "misdirected", "--discovered", "2026-11-23T09:00:00Z", "--affected", "1", "--protection", "smime"]);
      assert.match(secured, /SECURED-NOT-NOTIFIABLE/);
      const csv = cli(["audit", "export", "--format", "csv"]).out;
      assert.ok((csv.match(/disclosure\.decide/g) ?? []).length >= 20);
      for (const a of ["recipient.add", "recipient.address.verify", "recipient.key.add", "agreement.baa.add", "authorization.revoke", "restriction.add", "access-request.plain-email-acknowledged", "disclosure.review.approve", "incident.open"]) assert.match(csv, new RegExp(a.replace(/\./g, "\\.")), a);
      for (const phi of [P.name.split("^")[0]!, P.id, "Okafor", "m.hargreaves"]) assert.equal(csv.includes(phi), false, `${phi} in the audit log`);
      assert.equal(cli(["audit", "verify"]).status, 0);
    });
  });
}
