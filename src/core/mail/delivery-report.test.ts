import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { dsnMessage, mdnMessage, plainBounce } from "../../../test/fixtures/delivery-reports.ts";
import { interpretReport, reportEffect, reportPartsOf, type ReportParts } from "./delivery-report.ts";

const read = (raw: string) => {
  const p = reportPartsOf(raw);
  assert.ok(p && p !== "encrypted", "a report");
  return interpretReport(p);
};

describe("delivery reports (RFC 3464 DSN, RFC 8098 MDN)", () => {
  it("reads a Postfix DSN: outcome, status code, envelope id and our Message-ID from the returned headers", () => {
    const r = read(dsnMessage({ envid: "dlv-1", messageId: "<m1@clinic.test>", action: "failed", status: "5.1.1", recipient: "a@b.test" }));
    assert.deepEqual(r, { kind: "dsn", outcome: "failed", statusCode: "5.1.1", envelopeId: "dlv-1", messageIds: ["<m1@clinic.test>"] });
    assert.equal(reportEffect(r), "bounced");
  });

  it("a delayed DSN changes nothing yet; delivered and relayed count as delivered", () => {
    assert.equal(reportEffect(read(dsnMessage({ messageId: "<m@c.t>", action: "delayed", status: "4.4.1", recipient: "a@b.test" }))!), "pending");
    assert.equal(reportEffect(read(dsnMessage({ messageId: "<m@c.t>", action: "relayed", status: "2.0.0", recipient: "a@b.test" }))!), "delivered");
  });

  it("with several recipients the worst outcome counts; folded fields are joined", () => {
    const parts: ReportParts = {
      reportType: "delivery-status",
      fields: "Reporting-MTA: dns;\r\n relay.example\r\n\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\nFinal-Recipient: rfc822; c@d.test\r\nAction:\r\n  failed\r\nStatus: 5.7.1 (policy)\r\n",
    };
    assert.deepEqual(interpretReport(parts), { kind: "dsn", outcome: "failed", statusCode: "5.7.1", messageIds: [] });
  });

  it("decodes a base64 delivery-status part", () => {
    const fields = Buffer.from("Reporting-MTA: dns; r.example\r\nOriginal-Envelope-Id: dlv-9\r\n\r\nFinal-Recipient: rfc822; a@b.test\r\nAction: failed\r\nStatus: 5.1.2\r\n").toString("base64");
    const raw = ["Content-Type: multipart/report; report-type=delivery-status;", ' boundary="b1"', "", "--b1", "Content-Type: text/plain", "", "bounce", "--b1", "Content-Type: message/delivery-status", "Content-Transfer-Encoding: base64", "", fields, "--b1--", ""].join("\r\n");
    assert.deepEqual(read(raw), { kind: "dsn", outcome: "failed", statusCode: "5.1.2", envelopeId: "dlv-9", messageIds: [] });
  });

  it("reads Direct MDNs: processed and dispatched are delivered, failed is a bounce; modifiers are ignored", () => {
    assert.deepEqual(read(mdnMessage({ messageId: "<m2@clinic.test>", disposition: "dispatched", recipient: "a@b.test" })), { kind: "mdn", outcome: "dispatched", messageIds: ["<m2@clinic.test>"] });
    assert.equal(reportEffect(read(mdnMessage({ messageId: "<m@c.t>", disposition: "failed", recipient: "a@b.test" }))!), "bounced");
    const modifier = mdnMessage({ messageId: "<m@c.t>", disposition: "processed", recipient: "a@b.test" }).replace("; processed", "; processed/error");
    assert.equal(read(modifier)?.outcome, "processed");
  });

  it("an old-style bounce is not a report; an encrypted one is said to be encrypted", () => {
    assert.equal(reportPartsOf(plainBounce("<m@c.t>")), undefined);
    assert.equal(reportPartsOf('Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIIB'), "encrypted");
    assert.equal(read(mdnMessage({ messageId: "<m@c.t>", disposition: "processed", recipient: "a@b.test" }).replace(/Disposition: .*/, "Disposition: nonsense")), undefined);
  });

  it("never throws on arbitrary input", () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 40 }), (body, type) => {
      const raw = `Content-Type: multipart/report; report-type=${type || "delivery-status"}; boundary="x"\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n${body}\r\n--x--`;
      const p = reportPartsOf(raw);
      if (p && p !== "encrypted") interpretReport(p);
    }));
  });
});
