/**
 * The authorization matrix: every role × action × purpose × (care relationship, MFA) is decided as the
 * expectation table below says — written out independently of ROLE_GRANTS, so any change to who may do
 * what shows up here — plus the purpose, break-glass and multi-role rules.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Action, decideAccess, Purpose, Role, type AccessRequest } from "./decide-access.ts";

const NOW = "2026-11-23T12:00:00Z";
const T = "treatment", PAY = "payment", OPS = "operations", PAT = "patient-request", RES = "deidentified-research";

/** role → action → purposes allowed; "care" = only with a care relationship; "mfa" = only with MFA. */
const EXPECT: Record<string, Record<string, { purposes: string[]; care?: boolean; mfa?: boolean }>> = {
  clinician: Object.fromEntries(["study.search", "study.view-metadata", "study.view-images", "study.download", "patient.demographics", "disclosure.decide", "disclosure.send"].map((a) => [a, { purposes: [T], care: true }])),
  radiologist: {
    ...Object.fromEntries(["study.search", "study.view-metadata", "study.view-images", "study.download", "patient.demographics", "disclosure.decide", "disclosure.send"].map((a) => [a, { purposes: [T] }])),
    "study.deidentify": { purposes: [T, RES, OPS] },
  },
  technologist: Object.fromEntries(["study.import", "study.search", "study.view-metadata", "study.view-images", "patient.demographics"].map((a) => [a, { purposes: [T, OPS] }])),
  billing: Object.fromEntries(["study.search", "study.view-metadata", "patient.demographics", "disclosure.decide", "disclosure.send"].map((a) => [a, { purposes: [PAY] }])),
  "front-desk": {
    "study.search": { purposes: [T, PAY, OPS] },
    "patient.demographics": { purposes: [T, PAY, OPS] },
    "disclosure.decide": { purposes: [PAT] },
    "disclosure.send": { purposes: [PAT] },
    "care.assign": { purposes: [T, OPS] },
  },
  "privacy-officer": {
    ...Object.fromEntries(["audit.read", "audit.export", "accounting.read", "disclosure.decide", "study.view-metadata", "patient.demographics"].map((a) => [a, { purposes: [OPS, PAT], mfa: true }])),
    "care.assign": { purposes: [OPS], mfa: true },
  },
  administrator: Object.fromEntries(["user.manage", "key.manage", "config.change", "audit.read"].map((a) => [a, { purposes: [OPS], mfa: true }])),
  integration: Object.fromEntries(["study.import", "study.search", "care.assign"].map((a) => [a, { purposes: [T, OPS] }])),
  // A routing rule asks for and makes its disclosures, for treatment, payment or operations: nothing else.
  "routing-rule": Object.fromEntries(["disclosure.decide", "disclosure.send"].map((a) => [a, { purposes: [T, PAY, OPS] }])),
};

const req = (over: Partial<AccessRequest> & Pick<AccessRequest, "action">): AccessRequest => ({
  subject: { id: "u1", roles: [Role.Clinician], mfa: true },
  purpose: T,
  careRelationship: true,
  now: NOW,
  ...over,
});

describe("decideAccess: the matrix", () => {
  it("decides every role × action × purpose × care × MFA as the table says", () => {
    let cases = 0;
    for (const role of Object.values(Role)) {
      for (const action of Object.values(Action)) {
        for (const purpose of Object.values(Purpose).filter((p) => p !== Purpose.EmergencyTreatment)) {
          for (const care of [true, false]) {
            for (const mfa of [true, false]) {
              const e = EXPECT[role]?.[action];
              const want = e !== undefined && e.purposes.includes(purpose) && (!e.care || care) && (!e.mfa || mfa);
              const d = decideAccess({ subject: { id: "u", roles: [role], mfa }, action, purpose, careRelationship: care, now: NOW });
              assert.equal(d.allowed, want, `${role} ${action} ${purpose} care=${care} mfa=${mfa}: ${d.rule} ${d.reason}`);
              assert.ok(d.rule.length > 0 && d.citation.startsWith("164."));
              cases++;
            }
          }
        }
      }
    }
    assert.equal(cases, 9 * 16 * 5 * 4);
  });

  it("a billing clerk never sees pixels, whatever the purpose", () => {
    for (const purpose of [T, PAY, OPS, PAT]) {
      assert.equal(decideAccess(req({ subject: { id: "b", roles: [Role.Billing], mfa: true }, action: Action.StudyViewImages, purpose })).allowed, false);
    }
  });

  it("an administrator never reads PHI", () => {
    for (const action of [Action.StudyViewImages, Action.StudyViewMetadata, Action.PatientDemographics, Action.StudyDownload]) {
      assert.equal(decideAccess(req({ subject: { id: "a", roles: [Role.Administrator], mfa: true }, action, purpose: OPS })).allowed, false);
    }
  });
});

describe("decideAccess: purposes", () => {
  it("requires a purpose and refuses personal, non-medical and unknown ones", () => {
    assert.equal(decideAccess(req({ action: Action.StudyViewImages, purpose: "" })).rule, "purpose-required");
    assert.equal(decideAccess(req({ action: Action.StudyViewImages, purpose: "personal" })).rule, "purpose-refused");
    assert.equal(decideAccess(req({ action: Action.StudyViewImages, purpose: "curiosity" })).rule, "purpose-refused");
    assert.equal(decideAccess(req({ action: Action.StudyViewImages, purpose: "because" })).rule, "purpose-unknown");
    const { purpose: _p, ...noPurpose } = req({ action: Action.StudyViewImages });
    assert.equal(decideAccess(noPurpose).rule, "purpose-required");
  });

  it("returns the rule that matched", () => {
    const d = decideAccess(req({ action: Action.StudyViewImages }));
    assert.deepEqual([d.allowed, d.rule], [true, "clinician#0"]);
  });

  it("lets a user with several roles use whichever role grants the action", () => {
    const subject = { id: "m", roles: [Role.Billing, Role.Technologist], mfa: false };
    assert.equal(decideAccess(req({ subject, action: Action.StudyViewImages, purpose: T })).rule, "technologist#0");
    assert.equal(decideAccess(req({ subject, action: Action.DisclosureSend, purpose: PAY })).rule, "billing#0");
  });
});

describe("decideAccess: break-glass", () => {
  const bg = { reason: "trauma bay, patient unconscious, no care link yet", expiresAt: "2026-11-23T13:00:00Z" };

  it("opens emergency viewing for treating roles, time-boxed, and alerts the privacy officer", () => {
    const d = decideAccess(req({ subject: { id: "c", roles: [Role.Clinician], mfa: false, breakGlass: bg }, action: Action.StudyViewImages, purpose: "emergency-treatment", careRelationship: false }));
    assert.deepEqual([d.allowed, d.rule, d.alertPrivacyOfficer], [true, "break-glass", true]);
  });

  it("refuses without a declaration, with a thin reason, after expiry, for other roles and other actions", () => {
    const base = { action: Action.StudyViewImages, purpose: "emergency-treatment", careRelationship: false } as const;
    assert.equal(decideAccess(req({ ...base, subject: { id: "c", roles: [Role.Clinician], mfa: false } })).rule, "break-glass-required");
    assert.equal(decideAccess(req({ ...base, subject: { id: "c", roles: [Role.Clinician], mfa: false, breakGlass: { ...bg, reason: "need" } } })).rule, "break-glass-reason");
    assert.equal(decideAccess(req({ ...base, now: "2026-11-23T13:00:01Z", subject: { id: "c", roles: [Role.Clinician], mfa: false, breakGlass: bg } })).rule, "break-glass-expired");
    assert.equal(decideAccess(req({ ...base, subject: { id: "b", roles: [Role.Billing], mfa: false, breakGlass: bg } })).rule, "break-glass-role");
    assert.equal(decideAccess(req({ ...base, action: Action.DisclosureSend, subject: { id: "c", roles: [Role.Clinician], mfa: false, breakGlass: bg } })).rule, "break-glass-scope");
  });
});
