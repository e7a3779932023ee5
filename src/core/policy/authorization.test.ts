/**
 * 164.508: each core element and required statement, dropped in turn, makes the form defective with
 * that element named; expiry by date and by event, revocation, compound and conditioned forms, and the
 * remuneration statement for marketing; coverage by recipient, purpose and information.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authorizationCovers, validateAuthorization, type Authorization } from "./authorization.ts";

const NOW = "2026-11-23T12:00:00.000Z";
const VALID: Authorization = {
  id: "auth:a1",
  description: "chest X-ray of 2026-03-04",
  scope: { studyRefs: ["study:s1"] },
  disclosers: "Springfield Imaging Clinic",
  recipients: { ids: ["recipient:r1"], description: "Dr. Amara Okafor, Lakeside Orthopedics" },
  purposes: ["authorized"],
  expiresAt: "2027-03-01T00:00:00.000Z",
  signedAt: "2026-10-01T10:00:00.000Z",
  signedBy: "patient",
  statements: { rightToRevoke: true, conditioning: true, redisclosure: true },
};

const DROPS: ReadonlyArray<[what: string, change: Record<string, unknown>, citation: string]> = [
  ["description", { description: " " }, "164.508(c)(1)(i)"],
  ["information scope", { scope: {} }, "164.508(c)(1)(i)"],
  ["disclosers", { disclosers: "" }, "164.508(c)(1)(ii)"],
  ["recipients", { recipients: { description: "" } }, "164.508(c)(1)(iii)"],
  ["purposes", { purposes: [] }, "164.508(c)(1)(iv)"],
  ["expiry", { expiresAt: undefined }, "164.508(c)(1)(v)"],
  ["signature", { signedAt: undefined }, "164.508(c)(1)(vi)"],
  ["representative authority", { signedBy: "representative" }, "164.508(c)(1)(vi)"],
  ["right to revoke", { statements: { rightToRevoke: false, conditioning: true, redisclosure: true } }, "164.508(c)(2)(i)"],
  ["conditioning", { statements: { rightToRevoke: true, conditioning: false, redisclosure: true } }, "164.508(c)(2)(ii)"],
  ["redisclosure", { statements: { rightToRevoke: true, conditioning: true, redisclosure: false } }, "164.508(c)(2)(iii)"],
  ["remuneration for marketing", { purposes: ["marketing"] }, "164.508(a)(3)-(4)"],
  ["compound", { compound: true }, "164.508(b)(3)"],
  ["conditioned treatment", { conditionedTreatment: true }, "164.508(b)(4)"],
  ["expired", { expiresAt: "2026-11-01T00:00:00.000Z" }, "164.508(b)(2)(i)"],
  ["event occurred", { expiresAt: undefined, expirationEvent: "end of the second opinion", eventOccurredAt: "2026-11-20T00:00:00.000Z" }, "164.508(b)(2)(i)"],
  ["revoked", { revokedAt: "2026-11-22T00:00:00.000Z" }, "164.508(b)(5)"],
  ["signed in the future", { signedAt: "2026-12-01T00:00:00.000Z" }, "164.508(c)(1)(vi)"],
];

describe("validateAuthorization", () => {
  it("accepts a complete form", () => {
    assert.deepEqual(validateAuthorization(VALID, NOW), { valid: true, defects: [] });
    assert.equal(validateAuthorization({ ...VALID, expiresAt: undefined, expirationEvent: "end of the second opinion" } as unknown as Authorization, NOW).valid, true, "an expiration event instead of a date");
  });
  for (const [what, change, citation] of DROPS) {
    it(`refuses a form without ${what}, naming ${citation}`, () => {
      const v = validateAuthorization({ ...VALID, ...change }, NOW);
      assert.equal(v.valid, false);
      assert.ok(v.defects.some((d) => d.citation === citation), JSON.stringify(v.defects));
    });
  }
  it("accepts marketing with its remuneration statement", () => {
    assert.equal(validateAuthorization({ ...VALID, purposes: ["marketing"], remunerationStatement: "The clinic receives $200 from Acme." }, NOW).valid, true);
  });
});

describe("authorizationCovers", () => {
  const d = { recipientId: "recipient:r1", recipientKind: "provider" as const, purpose: "treatment" as const, studyRef: "study:s1", studyDate: "2026-03-04" };
  it("covers the named recipient, any purpose at the patient's request, the named study", () => {
    assert.deepEqual(authorizationCovers(VALID, d), { covers: true, gaps: [] });
  });
  it("names each gap", () => {
    const g = authorizationCovers({ ...VALID, purposes: ["research"] }, { ...d, recipientId: "recipient:r2", studyRef: "study:s2", studyDate: "2025-01-01" });
    assert.equal(g.covers, false);
    assert.equal(g.gaps.length, 3);
  });
  it("covers studies by date range", () => {
    const ranged: Authorization = { ...VALID, scope: { from: "2026-01-01", to: "2026-06-30" } };
    assert.equal(authorizationCovers(ranged, { ...d, studyRef: "study:s9", studyDate: "2026-03-04" }).covers, true);
    assert.equal(authorizationCovers(ranged, { ...d, studyRef: "study:s9", studyDate: "2026-07-01" }).covers, false);
  });
});
