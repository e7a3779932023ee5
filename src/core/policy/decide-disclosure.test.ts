/**
 * The disclosure decision, table-driven from ../shared/rules/hipaa-rules.md §17 (each row that is a
 * decision: expected outcome and citation), plus property tests: no permit without a basis and a
 * channel; taking a fact away never turns a "no" into a "yes"; an expired or revoked authorization never
 * permits; a decision never carries the PHI found in its inputs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Authorization } from "./authorization.ts";
import { decideDisclosure, type DisclosureFacts, type DisclosureRequest } from "./decide-disclosure.ts";

const NOW = "2026-11-23T12:00:00.000Z";

const auth = (over: Partial<Authorization> = {}): Authorization => ({
  id: "auth:a1",
  description: "chest X-ray of 2026-03-04",
  scope: { studyRefs: ["study:s1"] },
  disclosers: "Springfield Imaging Clinic",
  recipients: { ids: ["recipient:r1"], description: "Acme Life Insurance" },
  purposes: ["underwriting"],
  expiresAt: "2027-03-01T00:00:00.000Z",
  signedAt: "2026-10-01T10:00:00.000Z",
  signedBy: "patient",
  statements: { rightToRevoke: true, conditioning: true, redisclosure: true },
  ...over,
});

function facts(over: Partial<DisclosureFacts> = {}, recipient: Partial<NonNullable<DisclosureFacts["recipient"]>> = {}): DisclosureFacts {
  return {
    now: NOW,
    actor: { allowed: true, rule: "radiologist#0", reason: "ok" },
    study: { ref: "study:s1", patientRef: "patient:p1", date: "2026-03-04" },
    recipient: { id: "recipient:r1", kind: "provider", identityVerified: true, npiValid: true, ...recipient },
    address: { verified: true },
    deliveryKeys: { smime: true, pgp: false, dicomNode: false, portalFactor: true },
    baas: [],
    authorizations: [],
    restrictions: [],
    ...over,
  };
}
const ask = (purpose: string, over: Partial<DisclosureRequest> = {}): DisclosureRequest => ({ purpose, selection: "study", ...over });
const cites = (d: ReturnType<typeof decideDisclosure>): string => d.basis.map((b) => b.citation).join(" | ");

describe("decideDisclosure: the rules of §17", () => {
  it("164.502(a): an unknown recipient for marketing is refused, citing 164.508", () => {
    const d = decideDisclosure(ask("marketing"), facts({}, { kind: "other" }));
    assert.equal(d.outcome, "deny");
    assert.match(cites(d), /164\.508\(a\)\(3\)/);
    assert.deepEqual(d.channels, []);
  });

  it("164.506(c)(2): a provider for treatment is permitted, minimum necessary not applied", () => {
    const d = decideDisclosure(ask("treatment"), facts());
    assert.equal(d.outcome, "permit");
    assert.equal(d.permission?.citation, "164.506(c)(2)");
    assert.deepEqual([d.plan?.level, d.plan?.applies], ["full", false]);
    assert.deepEqual(d.channels, ["smime", "portal"]);
    assert.equal(d.accountable, false);
  });

  it("164.506(c)(4): operations to another covered entity needs the relationship attestation", () => {
    const without = decideDisclosure(ask("operations"), facts({}, { kind: "health-plan" }));
    assert.equal(without.outcome, "deny");
    assert.match(cites(without), /164\.506\(c\)\(4\)/);
    assert.match(without.missing.join(), /relationship/);
    const withIt = decideDisclosure(ask("operations"), facts({ relationshipAttested: true }, { kind: "health-plan" }));
    assert.equal(withIt.outcome, "permit");
    assert.equal(withIt.plan?.level, "deidentified");
  });

  it("164.502(b)/164.514(d): payment is cut to the claim facts; treatment is not", () => {
    const pay = decideDisclosure(ask("payment"), facts({}, { kind: "health-plan" }));
    assert.equal(pay.outcome, "permit");
    assert.match(pay.permission!.citation, /164\.506\(c\)\(1\),\(3\)/);
    assert.deepEqual([pay.plan?.level, pay.plan?.applies], ["identified-minimum", true]);
    for (const k of ["PatientAddress", "PatientTelephoneNumbers", "DeviceSerialNumber"]) assert.ok(pay.plan!.remove.includes(k), k);
    assert.equal(decideDisclosure(ask("treatment"), facts()).plan?.remove.length, 0);
  });

  it("164.514(d)(5): the entire record for payment needs a justification", () => {
    const f = facts({}, { kind: "health-plan" });
    const bare = decideDisclosure(ask("payment", { selection: "entire-record" }), f);
    assert.equal(bare.outcome, "deny");
    assert.match(cites(bare), /164\.514\(d\)\(5\)/);
    assert.equal(decideDisclosure(ask("payment", { selection: "entire-record", justification: "appeal of a denied claim covering the whole episode" }), f).outcome, "permit");
    assert.equal(decideDisclosure(ask("treatment", { selection: "entire-record" }), facts()).outcome, "permit", "treatment: minimum necessary does not apply");
  });

  it("164.502(e)/164.504(e): a business associate only under a BAA in force that covers the purpose", () => {
    const ba = { kind: "business-associate" };
    const expired = decideDisclosure(ask("payment"), facts({ baas: [{ id: "baa:1", effectiveAt: "2020-01-01T00:00:00Z", endsAt: "2026-01-01T00:00:00Z", scope: ["payment"] }] }, ba));
    assert.equal(expired.outcome, "deny");
    assert.match(cites(expired), /164\.504\(e\)/);
    const outOfScope = decideDisclosure(ask("operations"), facts({ baas: [{ id: "baa:1", effectiveAt: "2026-01-01T00:00:00Z", scope: ["payment"] }] }, ba));
    assert.equal(outOfScope.outcome, "deny");
    assert.match(outOfScope.basis.at(-1)!.reason, /does not cover operations/);
    const ok = decideDisclosure(ask("payment"), facts({ baas: [{ id: "baa:1", effectiveAt: "2026-01-01T00:00:00Z", endsAt: "2027-01-01T00:00:00Z", scope: ["payment"] }] }, ba));
    assert.equal(ok.outcome, "permit");
    assert.match(ok.permission!.reason, /baa:1/);
    const terminated = decideDisclosure(ask("payment"), facts({ baas: [{ id: "baa:1", effectiveAt: "2026-01-01T00:00:00Z", terminatedAt: "2026-11-01T00:00:00Z", scope: ["payment"] }] }, ba));
    assert.equal(terminated.outcome, "deny");
  });

  it("164.508: a valid authorization permits what it describes; revoked at T refuses at T+1s, not at T−1s; expired refuses", () => {
    const other = { kind: "other" };
    assert.equal(decideDisclosure(ask("underwriting"), facts({ authorizations: [auth()] }, other)).permission?.citation, "164.508");
    const revoked = auth({ revokedAt: "2026-11-23T12:00:00.000Z" });
    assert.equal(decideDisclosure(ask("underwriting"), facts({ now: "2026-11-23T12:00:01.000Z", authorizations: [revoked] }, other)).outcome, "deny");
    assert.equal(decideDisclosure(ask("underwriting"), facts({ now: "2026-11-23T11:59:59.000Z", authorizations: [revoked] }, other)).outcome, "permit");
    const expired = decideDisclosure(ask("underwriting"), facts({ now: "2027-03-02T00:00:00.000Z", authorizations: [auth()] }, other));
    assert.equal(expired.outcome, "deny");
    assert.match(expired.missing.join(), /not expired \(164\.508\(b\)\(2\)\(i\)\)/);
    const event = auth({ expiresAt: undefined, expirationEvent: "end of the claim review", eventOccurredAt: "2026-11-01T00:00:00Z" } as unknown as Partial<Authorization>);
    assert.equal(decideDisclosure(ask("underwriting"), facts({ authorizations: [event] }, other)).outcome, "deny", "its expiration event occurred");
    const elsewhere = decideDisclosure(ask("underwriting"), facts({ authorizations: [auth({ scope: { studyRefs: ["study:other"] } })] }, other));
    assert.equal(elsewhere.outcome, "deny", "a study it does not describe");
  });

  it("164.522(a)(1)(vi): a self-paid service is never disclosed to the health plan for payment", () => {
    const d = decideDisclosure(ask("payment"), facts({ restrictions: [{ id: "restriction:1", kind: "self-pay", studyRefs: ["study:s1"] }] }, { kind: "health-plan" }));
    assert.equal(d.outcome, "deny");
    assert.match(cites(d), /164\.522\(a\)\(1\)\(vi\)/);
    assert.equal(decideDisclosure(ask("treatment"), facts({ restrictions: [{ id: "restriction:1", kind: "self-pay" }] })).outcome, "permit", "treatment is not restricted by self-pay");
  });

  it("164.522(a)(1)(iii): an agreed restriction gives way to emergency treatment, with a warning", () => {
    const f = facts({ restrictions: [{ id: "restriction:2", kind: "agreed", purposes: ["treatment"] }] });
    assert.equal(decideDisclosure(ask("treatment"), f).outcome, "deny");
    const e = decideDisclosure(ask("treatment", { emergency: true }), f);
    assert.equal(e.outcome, "permit");
    assert.match(e.warnings.join(), /164\.522\(a\)\(1\)\(iii\)/);
  });

  it("164.522(b): the patient's chosen channels are the only ones used", () => {
    const f = facts({ confidentialChannels: ["portal"], accessRequest: { id: "access:1", receivedAt: NOW, identityVerified: true } }, { kind: "patient", patientRef: "patient:p1" });
    const d = decideDisclosure(ask("patient-access"), f);
    assert.deepEqual(d.channels, ["portal"]);
    assert.equal(decideDisclosure(ask("patient-access", { channel: "smime" }), f).outcome, "deny");
  });

  it("164.524: unencrypted e-mail only to the patient, after the acknowledged warning", () => {
    const patient = { kind: "patient", patientRef: "patient:p1" };
    const request = { id: "access:1", receivedAt: NOW, identityVerified: true };
    const noAck = decideDisclosure(ask("patient-access", { channel: "plain-email" }), facts({ accessRequest: request }, patient));
    assert.equal(noAck.outcome, "deny");
    assert.match(noAck.missing.join(), /acknowledgement of the risk warning/);
    const ack = decideDisclosure(ask("patient-access", { channel: "plain-email" }), facts({ accessRequest: { ...request, plainEmailAcknowledgedAt: NOW } }, patient));
    assert.equal(ack.outcome, "permit");
    assert.equal(ack.permission?.citation, "164.524");
    assert.ok(ack.channels.includes("plain-email"));
    assert.equal(decideDisclosure(ask("treatment", { channel: "plain-email" }), facts()).outcome, "deny", "never to a provider");
    const otherPatient = decideDisclosure(ask("patient-access"), facts({ accessRequest: request }, { kind: "patient", patientRef: "patient:p2" }));
    assert.equal(otherPatient.outcome, "deny", "another patient's study");
    assert.equal(decideDisclosure(ask("patient-access"), facts({}, patient)).outcome, "deny", "no request on file");
  });

  it("164.514(h): an unverified recipient is refused, except through the portal that verifies at pickup", () => {
    const d = decideDisclosure(ask("treatment"), facts({}, { identityVerified: false }));
    assert.equal(d.outcome, "deny");
    assert.match(cites(d), /164\.514\(h\)/);
    const portal = decideDisclosure(ask("treatment", { channel: "portal" }), facts({}, { identityVerified: false }));
    assert.equal(portal.outcome, "permit");
    assert.match(portal.warnings.join(), /verifies it before anything is shown/);
  });

  it("164.512 paths need the privacy officer, and are accountable (164.528)", () => {
    const police = { kind: "other" };
    assert.equal(decideDisclosure(ask("law-enforcement"), facts({}, police)).outcome, "needs-review");
    assert.equal(decideDisclosure(ask("law-enforcement"), facts({ review: { outcome: "refused", citation: "164.512(f)" } }, police)).outcome, "deny");
    const ok = decideDisclosure(ask("law-enforcement"), facts({ review: { outcome: "approved", citation: "164.512(f)(1)(ii)" } }, police));
    assert.deepEqual([ok.outcome, ok.accountable, ok.permission?.citation], ["permit", true, "164.512(f)(1)(ii)"]);
    assert.equal(decideDisclosure(ask("treatment"), facts()).accountable, false, "TPO is not accountable");
    assert.equal(decideDisclosure(ask("underwriting"), facts({ authorizations: [auth()] }, police)).accountable, false, "an authorization is not accountable");
  });

  it("refuses an unknown purpose, a personal one, an unknown channel, an unauthorised sender and an unknown recipient", () => {
    assert.equal(decideDisclosure(ask("personal"), facts()).outcome, "deny");
    assert.equal(decideDisclosure(ask("curiosity"), facts()).outcome, "deny");
    assert.equal(decideDisclosure(ask("treatment", { channel: "fax" }), facts()).outcome, "deny");
    assert.equal(decideDisclosure(ask("treatment"), facts({ actor: { allowed: false, rule: "billing#0:purpose", reason: "a billing may disclosure.send only for payment" } })).outcome, "deny");
    const { recipient: _r, ...noRecipient } = facts();
    assert.match(decideDisclosure(ask("treatment"), noRecipient).missing.join(), /directory/);
  });

  it("misdirection: an unverified look-alike address is refused and named", () => {
    const d = decideDisclosure(ask("treatment", { channel: "smime" }), facts({ address: { verified: false, lookalikeOf: { recipientRef: "recipient:r9", reasons: ["transposition"] } } }));
    assert.equal(d.outcome, "deny");
    assert.match(d.warnings.join(), /recipient:r9 \(transposition\)/);
    assert.match(d.missing.join(), /verify the recipient's e-mail address/);
    const changed = decideDisclosure(ask("treatment"), facts({ address: { verified: true, changedSinceLastDisclosure: true } }));
    assert.match(changed.warnings.join(), /changed since the last disclosure/);
  });

  it("research without an authorization leaves de-identified; with a data use agreement, as a limited data set", () => {
    const d = decideDisclosure(ask("research"), facts({}, { kind: "other" }));
    assert.deepEqual([d.outcome, d.plan?.level, d.plan?.cleanPixels], ["permit", "deidentified", true]);
    assert.equal(decideDisclosure(ask("research"), facts({ dataUseAgreement: true }, { kind: "other" })).plan?.level, "limited-data-set");
  });
});

// ---- Properties ----

const PHI = ["HARGREAVES^MARGARET", "MRN04707919", "1957-03-14", "jane.doe@example.org"];

const arbFacts = fc.record({
  kind: fc.constantFrom("provider", "health-plan", "clearinghouse", "business-associate", "patient", "personal-representative", "other", "alien"),
  purpose: fc.constantFrom("treatment", "payment", "operations", "patient-access", "authorized", "research", "marketing", "sale", "underwriting", "law-enforcement", "public-health", "personal"),
  channel: fc.option(fc.constantFrom("smime", "pgp", "portal", "dicom-push", "plain-email"), { nil: undefined }),
  identityVerified: fc.boolean(),
  addressVerified: fc.boolean(),
  smime: fc.boolean(),
  pgp: fc.boolean(),
  dicomNode: fc.boolean(),
  samePatient: fc.boolean(),
  baa: fc.boolean(),
  baaEnded: fc.boolean(),
  authorization: fc.boolean(),
  authorizationRevoked: fc.boolean(),
  authorizationExpired: fc.boolean(),
  accessRequest: fc.boolean(),
  ack: fc.boolean(),
  attested: fc.boolean(),
  review: fc.constantFrom(undefined, "approved", "refused"),
  selfPay: fc.boolean(),
  entire: fc.boolean(),
});
type Arb = typeof arbFacts extends fc.Arbitrary<infer T> ? T : never;

function build(x: Arb): { req: DisclosureRequest; facts: DisclosureFacts } {
  const authz = auth({
    recipients: { kinds: ["provider", "health-plan", "clearinghouse", "business-associate", "other"], description: `anyone ${PHI[0]}` },
    purposes: [x.purpose as Authorization["purposes"][number]],
    description: `the X-ray of ${PHI[0]}, ${PHI[1]}`,
    ...(x.authorizationRevoked ? { revokedAt: "2026-11-01T00:00:00Z" } : {}),
    ...(x.authorizationExpired ? { expiresAt: "2026-11-01T00:00:00Z" } : {}),
  });
  return {
    req: { purpose: x.purpose, selection: x.entire ? "entire-record" : "study", ...(x.channel ? { channel: x.channel } : {}), justification: x.entire ? `for ${PHI[2]}` : "" },
    facts: {
      now: NOW,
      actor: { allowed: true, rule: "r", reason: "ok" },
      study: { ref: "study:s1", patientRef: "patient:p1", date: "2026-03-04" },
      recipient: { id: "recipient:r1", kind: x.kind, identityVerified: x.identityVerified, npiValid: true, patientRef: x.samePatient ? "patient:p1" : "patient:p2" },
      address: { verified: x.addressVerified },
      deliveryKeys: { smime: x.smime, pgp: x.pgp, dicomNode: x.dicomNode, portalFactor: true },
      baas: x.baa ? [{ id: "baa:1", effectiveAt: "2026-01-01T00:00:00Z", scope: ["payment", "operations", "treatment"], ...(x.baaEnded ? { endsAt: "2026-06-01T00:00:00Z" } : {}) }] : [],
      authorizations: x.authorization ? [authz] : [],
      restrictions: x.selfPay ? [{ id: "restriction:1", kind: "self-pay" }] : [],
      ...(x.accessRequest ? { accessRequest: { id: "access:1", receivedAt: NOW, identityVerified: true, ...(x.ack ? { plainEmailAcknowledgedAt: NOW } : {}) } } : {}),
      relationshipAttested: x.attested,
      ...(x.review ? { review: { outcome: x.review, citation: "164.512(f)" } } : {}),
    },
  };
}

/** Ways of taking one fact away (or making it worse). */
const REMOVALS: ReadonlyArray<(f: DisclosureFacts) => DisclosureFacts> = [
  (f) => ({ ...f, recipient: { ...f.recipient!, identityVerified: false } }),
  (f) => ({ ...f, address: { verified: false } }),
  (f) => ({ ...f, deliveryKeys: { smime: false, pgp: false, dicomNode: false, portalFactor: false } }),
  (f) => ({ ...f, baas: [] }),
  (f) => ({ ...f, authorizations: [] }),
  (f) => {
    const { accessRequest: _a, ...rest } = f;
    return rest;
  },
  (f) => ({ ...f, relationshipAttested: false }),
  (f) => {
    const { review: _r, ...rest } = f;
    return rest;
  },
  (f) => ({ ...f, actor: { allowed: false, rule: "x", reason: "no" } }),
  (f) => {
    const { study: _s, ...rest } = f;
    return rest;
  },
  (f) => {
    const { recipient: _r, ...rest } = f;
    return rest;
  },
];

describe("decideDisclosure: properties", () => {
  it("never permits without a permission, a basis and a channel", () => {
    fc.assert(fc.property(arbFacts, (x) => {
      const { req, facts: f } = build(x);
      const d = decideDisclosure(req, f);
      if (d.outcome !== "permit") return d.channels.length === 0;
      return d.permission !== undefined && d.basis.length >= 2 && d.channels.length > 0 && d.plan !== undefined && d.basis.every((b) => b.citation.length > 0);
    }), { numRuns: 3000 });
  });

  it("taking a fact away never turns a refusal (or a review) into a permit", () => {
    fc.assert(fc.property(arbFacts, fc.integer({ min: 0, max: REMOVALS.length - 1 }), (x, i) => {
      const { req, facts: f } = build(x);
      const before = decideDisclosure(req, f).outcome;
      const after = decideDisclosure(req, REMOVALS[i]!(f)).outcome;
      return !(after === "permit" && before !== "permit");
    }), { numRuns: 5000 });
  });

  it("an expired or revoked authorization never permits under 164.508", () => {
    fc.assert(fc.property(arbFacts, (x) => {
      const { req, facts: f } = build({ ...x, authorization: true, authorizationRevoked: x.authorizationRevoked || !x.authorizationExpired, authorizationExpired: x.authorizationExpired });
      return decideDisclosure(req, f).permission?.citation !== "164.508";
    }), { numRuns: 2000 });
  });

  it("carries no PHI from its inputs into the decision", () => {
    fc.assert(fc.property(arbFacts, (x) => {
      const { req, facts: f } = build(x);
      const text = JSON.stringify(decideDisclosure(req, f));
      return PHI.every((p) => !text.includes(p));
    }), { numRuns: 2000 });
  });
});
