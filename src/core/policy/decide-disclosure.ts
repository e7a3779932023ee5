/**
 * @module core/policy/decide-disclosure
 * May this study go to this recipient, for this purpose, by this channel — and what must be removed
 * first? The decision follows the evaluation order of 45 CFR 164 (../shared/rules/hipaa-rules.md §1, §16):
 * the sender's own access; the recipient known and verified (164.514(h)); restrictions (164.522(a));
 * then the first permission that matches — the patient's right of access (164.524), treatment by any
 * provider (164.506(c)(2)), payment (164.506(c)(1),(3)), operations with a shared relationship
 * (164.506(c)(4)), a business associate under a BAA in force (164.502(e), 164.504(e)), a valid
 * authorization (164.508), the privacy officer's approval for 164.510/164.512 — otherwise no. Then the
 * minimum-necessary plan and the channels allowed (encrypted only, plain e-mail only to the patient who
 * asked after the risk warning). A "no" is a value with its reasons and what is missing, never an
 * exception; an unknown or absent fact never permits. Explanations carry references, never PHI. Pure.
 */
import { inForceAt } from "./dated-rules.ts";
import { authorizationCovers, validateAuthorization, type Authorization } from "./authorization.ts";
import type { LookalikeReason } from "./lookalike.ts";
import { deidentifiedPlan, fullPlan, limitedDataSetPlan, paymentPlan, type MinimumNecessaryPlan } from "./minimum-necessary.ts";
import { Channel, ENCRYPTED_CHANNELS, isChannel, isDisclosurePurpose, RecipientKind, REVIEW_PATHS, type DisclosurePurpose } from "./vocabulary.ts";

export interface Baa {
  readonly id: string;
  readonly effectiveAt: string;
  readonly endsAt?: string;
  readonly terminatedAt?: string;
  /** Purposes the agreement lets the business associate receive PHI for. */
  readonly scope: readonly DisclosurePurpose[];
}

export interface Restriction {
  readonly id: string;
  /** self-pay: 164.522(a)(1)(vi), the clinic must agree; agreed: any other restriction it accepted. */
  readonly kind: "self-pay" | "agreed";
  readonly recipientKinds?: readonly string[];
  readonly recipientIds?: readonly string[];
  readonly purposes?: readonly DisclosurePurpose[];
  readonly studyRefs?: readonly string[];
  readonly terminatedAt?: string;
}

export interface AccessRequestFacts {
  readonly id: string;
  readonly receivedAt: string;
  /** The requester's identity (and a representative's authority) verified, 164.514(h). */
  readonly identityVerified: boolean;
  /** The risk warning for unencrypted e-mail shown and acknowledged by the patient (its time). */
  readonly plainEmailAcknowledgedAt?: string;
}

export interface DisclosureFacts {
  readonly now: string;
  /** The sender's own access decision for disclosure.send (core/access). */
  readonly actor: { readonly allowed: boolean; readonly rule: string; readonly reason: string };
  readonly study?: { readonly ref: string; readonly patientRef: string; readonly date?: string };
  readonly recipient?: {
    readonly id: string;
    readonly kind: string;
    /** Identity and authority verified (164.514(h)). */
    readonly identityVerified: boolean;
    /** Providers: undefined when no NPI is on file. */
    readonly npiValid?: boolean;
    /** The patient this recipient is, or represents (personal representative). */
    readonly patientRef?: string;
  };
  /** The recipient's e-mail address as the sender chose it (references only, never the value). */
  readonly address?: {
    readonly verified: boolean;
    readonly lookalikeOf?: { readonly recipientRef: string; readonly reasons: readonly LookalikeReason[] };
    readonly changedSinceLastDisclosure?: boolean;
  };
  readonly deliveryKeys: { readonly smime: boolean; readonly pgp: boolean; readonly dicomNode: boolean; readonly portalFactor: boolean };
  readonly baas: readonly Baa[];
  readonly authorizations: readonly Authorization[];
  readonly restrictions: readonly Restriction[];
  readonly accessRequest?: AccessRequestFacts;
  /** 164.506(c)(4): both the clinic and the recipient have a relationship with the patient. */
  readonly relationshipAttested?: boolean;
  /** A data use agreement with the recipient is in force (limited data set, 164.514(e)). */
  readonly dataUseAgreement?: boolean;
  /** The privacy officer's review of this disclosure, if one was made. */
  readonly review?: { readonly outcome: "approved" | "refused"; readonly citation: string };
  /** 164.522(b): the only channels the patient accepts for their own communications. */
  readonly confidentialChannels?: readonly Channel[];
}

export interface DisclosureRequest {
  readonly purpose: string;
  readonly channel?: string;
  /** The one study, or the patient's entire imaging record (164.514(d)(5)). */
  readonly selection: "study" | "entire-record";
  readonly justification?: string;
  /** Emergency treatment (a restriction does not stop it, 164.522(a)(1)(iii)). */
  readonly emergency?: boolean;
}

export interface Basis {
  readonly citation: string;
  readonly reason: string;
}

export type DisclosureOutcome = "permit" | "deny" | "needs-review";

export interface DisclosureDecision {
  readonly outcome: DisclosureOutcome;
  /** The permission relied on (permit), with its citation. */
  readonly permission?: Basis;
  /** Every rule applied, in order, each with its citation and a plain-language reason. */
  readonly basis: readonly Basis[];
  /** The minimum-necessary plan (what the de-identifier will do before anything leaves). */
  readonly plan?: MinimumNecessaryPlan;
  readonly channels: readonly Channel[];
  /** The facts that would change the answer. */
  readonly missing: readonly string[];
  readonly warnings: readonly string[];
  /** Listed in the patient's accounting of disclosures (164.528). */
  readonly accountable: boolean;
}

const inForce = (b: Baa, now: string): boolean => inForceAt(b, now);

interface Permission {
  readonly basis: Basis;
  readonly plan: MinimumNecessaryPlan;
  readonly accountable: boolean;
  readonly viaAccess?: boolean;
}

export function decideDisclosure(req: DisclosureRequest, facts: DisclosureFacts): DisclosureDecision {
  const basis: Basis[] = [];
  const missing: string[] = [];
  const warnings: string[] = [];
  const no = (reason: string, citation: string, need: readonly string[] = []): DisclosureDecision => ({
    outcome: "deny", basis: [...basis, { citation, reason }], channels: [], missing: [...missing, ...need], warnings, accountable: false,
  });

  // 0. What is asked must be in the closed lists.
  if (!isDisclosurePurpose(req.purpose)) return no(`"${req.purpose.slice(0, 40)}" is not a disclosure purpose: a disclosure needs a purpose the Privacy Rule can permit`, "164.502(a)");
  const purpose: DisclosurePurpose = req.purpose;
  if (req.channel !== undefined && !isChannel(req.channel)) return no(`"${req.channel.slice(0, 20)}" is not a delivery channel`, "164.312(e)(1)");

  // 1. The sender may disclose at all (role, purpose of use).
  if (!facts.actor.allowed) return no(`the sender may not send this: ${facts.actor.reason}`, "164.312(a)(1), 164.514(d)(2)");
  basis.push({ citation: "164.312(a)(1)", reason: `the sender may disclose for this purpose (${facts.actor.rule})` });

  // 2. What and to whom: both known, the recipient verified.
  const study = facts.study;
  if (!study) return no("the study is not in the vault", "164.502(a)", ["the study"]);
  const r = facts.recipient;
  if (!r) return no("the recipient is not in the directory: PHI goes only to a recipient whose identity and address were verified", "164.514(h)", ["add and verify the recipient in the directory"]);
  if (!(Object.values(RecipientKind) as string[]).includes(r.kind)) return no("the recipient's kind is unknown", "164.502(a)", ["the recipient's kind"]);
  const kind = r.kind as RecipientKind;
  const isThePatient = kind === RecipientKind.Patient && r.patientRef === study.patientRef;
  const isRepresentative = kind === RecipientKind.PersonalRepresentative && r.patientRef === study.patientRef;
  if (!r.identityVerified) {
    if (req.channel !== Channel.Portal) return no("the recipient's identity and authority have not been verified", "164.514(h)", ["verify the recipient's identity and authority (or send by portal, which verifies at pickup)"]);
    warnings.push("the recipient's identity is not verified in the directory: the portal verifies it before anything is shown");
  } else basis.push({ citation: "164.514(h)", reason: "the recipient's identity and authority are verified" });
  if (kind === RecipientKind.Provider && r.npiValid === undefined) warnings.push("no NPI on file for this provider");
  if (kind === RecipientKind.Provider && r.npiValid === false) return no("the provider's NPI fails its check digit", "45 CFR 162.406", ["a valid NPI"]);

  // 3. Restrictions the clinic agreed to (164.522(a)); 164.512 paths are not stopped by them ((a)(1)(v)).
  const reviewPath = REVIEW_PATHS[purpose];
  if (!reviewPath || purpose === "family-involvement") {
    for (const x of facts.restrictions) {
      if (x.terminatedAt !== undefined && Date.parse(x.terminatedAt) <= Date.parse(facts.now)) continue;
      const selfPay = x.kind === "self-pay";
      // 164.522(a)(1)(vi) restricts disclosures to the health plan; others restrict what the clinic agreed.
      const kindMatch = selfPay ? kind === RecipientKind.HealthPlan : x.recipientKinds === undefined || x.recipientKinds.includes(kind);
      const idMatch = x.recipientIds === undefined || x.recipientIds.includes(r.id);
      const purposeMatch = selfPay ? purpose === "payment" || purpose === "operations" : x.purposes === undefined || x.purposes.includes(purpose);
      const studyMatch = x.studyRefs === undefined || x.studyRefs.includes(study.ref);
      if (!(kindMatch && idMatch && purposeMatch && studyMatch)) continue;
      if (!selfPay && req.emergency === true && purpose === "treatment" && kind === RecipientKind.Provider) {
        warnings.push(`restriction ${x.id} is set aside for emergency treatment: ask the provider not to redisclose (164.522(a)(1)(iii))`);
        continue;
      }
      return selfPay
        ? no(`the patient paid for this in full and asked that the health plan not be told (restriction ${x.id})`, "164.522(a)(1)(vi)")
        : no(`the clinic agreed to restrict this disclosure (restriction ${x.id})`, "164.522(a)(1)(ii)");
    }
  }

  // 4. The first permission that matches.
  let permission: Permission | undefined;
  const viaAuthorization = (): Permission | undefined => {
    const defects: string[] = [];
    for (const a of facts.authorizations) {
      const v = validateAuthorization(a, facts.now);
      const c = authorizationCovers(a, { recipientId: r.id, recipientKind: kind, purpose, studyRef: study.ref, ...(study.date ? { studyDate: study.date } : {}) });
      if (v.valid && c.covers) return { basis: { citation: "164.508", reason: `the patient's authorization ${a.id} covers this information, recipient and purpose` }, plan: fullPlan("164.502(b)(2)(iii)", "disclosed as the authorization describes"), accountable: false };
      if (c.covers) defects.push(`authorization ${a.id} is not valid: ${v.defects.map((d) => `${d.element} (${d.citation})`).join("; ")}`);
    }
    missing.push(...(defects.length > 0 ? defects : ["a valid authorization from the patient covering this recipient, purpose and study (164.508)"]));
    return undefined;
  };

  if (purpose === "patient-access") {
    if (!isThePatient && !isRepresentative) return no("the right of access reaches the patient or their personal representative; a copy to anyone else needs the patient's authorization", "164.524(c)(3), 164.508", ["an authorization (164.508)"]);
    const ar = facts.accessRequest;
    if (!ar) return no("there is no access request from the patient on file", "164.524(b)(1)", ["the patient's access request"]);
    if (!ar.identityVerified) return no("the requester's identity (and a representative's authority) is not verified", "164.514(h)", ["verify the requester's identity"]);
    permission = { basis: { citation: "164.524", reason: `the patient's right of access (request ${ar.id}); minimum necessary does not apply` }, plan: fullPlan("164.502(b)(2)(ii)", "the patient's own record"), accountable: false, viaAccess: true };
  } else if (purpose === "treatment" && kind === RecipientKind.Provider) {
    permission = { basis: { citation: "164.506(c)(2)", reason: "treatment by a health care provider: no authorization needed; minimum necessary does not apply" }, plan: fullPlan("164.502(b)(2)(i)", "treatment by a provider"), accountable: false };
  } else if (kind === RecipientKind.BusinessAssociate && (purpose === "treatment" || purpose === "payment" || purpose === "operations")) {
    const baa = facts.baas.find((b) => inForce(b, facts.now) && b.scope.includes(purpose));
    if (!baa) {
      const any = facts.baas.find((b) => inForce(b, facts.now));
      return no(any ? `the business associate agreement in force (${any.id}) does not cover ${purpose}` : "no business associate agreement is in force with this recipient", "164.502(e), 164.504(e)", [`a BAA in force covering ${purpose}`]);
    }
    permission = {
      basis: { citation: "164.502(e), 164.504(e)", reason: `a business associate under agreement ${baa.id}, in force and covering ${purpose}` },
      plan: purpose === "payment" ? paymentPlan(kind) : purpose === "treatment" ? fullPlan("164.502(b)", "treatment work under the agreement") : deidentifiedPlan("operations work: de-identified unless the agreement needs more"),
      accountable: false,
    };
  } else if (purpose === "payment" && (kind === RecipientKind.HealthPlan || kind === RecipientKind.Provider || kind === RecipientKind.Clearinghouse)) {
    permission = { basis: { citation: kind === RecipientKind.HealthPlan ? "164.506(c)(1),(3)" : "164.506(c)(3)", reason: "payment: the claim, eligibility or the recipient's payment activities" }, plan: paymentPlan(kind), accountable: false };
  } else if (purpose === "operations" && (kind === RecipientKind.HealthPlan || kind === RecipientKind.Provider || kind === RecipientKind.Clearinghouse)) {
    if (facts.relationshipAttested !== true) return no("operations of another covered entity need both to have a relationship with the patient", "164.506(c)(4)", ["an attestation that the recipient has a relationship with the patient (164.506(c)(4))"]);
    permission = { basis: { citation: "164.506(c)(4)", reason: "the recipient's health care operations; both have a relationship with the patient" }, plan: facts.dataUseAgreement === true ? limitedDataSetPlan() : deidentifiedPlan("operations: the minimum necessary is de-identified data"), accountable: false };
  } else if (reviewPath) {
    const review = facts.review;
    if (!review) {
      missing.push(`the privacy officer's approval recording the paragraph relied on (${reviewPath.citation})`);
      return { outcome: "needs-review", basis: [...basis, { citation: reviewPath.citation, reason: `${reviewPath.label}: only with the privacy officer's approval` }], channels: [], missing, warnings, accountable: reviewPath.accountable };
    }
    if (review.outcome === "refused") return no("the privacy officer refused it (their note is in the review record)", review.citation);
    permission = { basis: { citation: review.citation, reason: `${reviewPath.label}, approved by the privacy officer` }, plan: purpose === "required-by-law" ? fullPlan("164.502(b)(2)(v)", "required by law") : paymentPlan(kind), accountable: reviewPath.accountable };
  } else {
    permission = viaAuthorization();
    if (!permission && purpose === "research") {
      permission = { basis: { citation: "164.502(d), 164.514(b)(2)", reason: "research without an authorization: only de-identified data (not PHI) or a limited data set under a data use agreement" }, plan: facts.dataUseAgreement === true ? limitedDataSetPlan() : deidentifiedPlan("research without authorization"), accountable: false };
    }
  }
  if (!permission) {
    const why = purpose === "marketing" || purpose === "sale" ? `${purpose} always needs the patient's authorization` : purpose === "underwriting" ? "underwriting is not treatment, payment or operations: it needs the patient's authorization" : `no permission lets a ${kind} receive PHI for ${purpose}`;
    return no(why, purpose === "marketing" ? "164.508(a)(3)" : purpose === "sale" ? "164.508(a)(4)" : "164.502(a), 164.508");
  }
  basis.push(permission.basis);
  const plan = permission.plan;

  // 5. Minimum necessary: never the entire record without a reason (164.514(d)(5)).
  if (req.selection === "entire-record" && plan.applies && (req.justification ?? "").trim().length < 10) {
    return no("the entire imaging record may not be disclosed for this purpose without a specific justification", "164.514(d)(5)", ["a justification for the entire record"]);
  }
  basis.push({ citation: plan.citation, reason: plan.applies ? `minimum necessary: ${plan.reason}` : `minimum necessary does not apply: ${plan.reason}` });

  // 6. Channels: encrypted ones the recipient can open; plain e-mail only at the patient's informed request.
  const a = facts.address;
  if (a?.lookalikeOf) warnings.push(`the address resembles the verified address of recipient ${a.lookalikeOf.recipientRef} (${a.lookalikeOf.reasons.join(", ")}): check it is not a typo`);
  if (a?.changedSinceLastDisclosure) warnings.push("the recipient's address changed since the last disclosure to them");
  const addressOk = a?.verified === true;
  if (a && !addressOk) missing.push("verify the recipient's e-mail address (a code sent to it, or a call back)");
  const allowed: Channel[] = [];
  if (addressOk && facts.deliveryKeys.smime) allowed.push(Channel.Smime);
  if (addressOk && facts.deliveryKeys.pgp) allowed.push(Channel.Pgp);
  if (addressOk) allowed.push(Channel.Portal);
  if (facts.deliveryKeys.dicomNode && (kind === RecipientKind.Provider || kind === RecipientKind.BusinessAssociate)) allowed.push(Channel.DicomPush);
  const plainOk = permission.viaAccess === true && isThePatient && addressOk && facts.accessRequest?.plainEmailAcknowledgedAt !== undefined;
  if (plainOk) allowed.push(Channel.PlainEmail);
  const channels = facts.confidentialChannels && (isThePatient || isRepresentative) ? allowed.filter((c) => facts.confidentialChannels!.includes(c)) : allowed;
  if (addressOk && allowed.includes(Channel.Portal) && !facts.deliveryKeys.portalFactor) warnings.push("portal: no factor independent of the mailbox is on file (phone, passcode): the pickup code goes to the same mailbox as the link");

  if (req.channel !== undefined) {
    const wanted = req.channel;
    if (!channels.includes(wanted)) {
      if (wanted === Channel.PlainEmail) {
        const need = permission.viaAccess === true && isThePatient ? ["the patient's acknowledgement of the risk warning for unencrypted e-mail"] : [];
        return no("unencrypted e-mail is allowed only to the patient, at their request, after the risk warning was shown and acknowledged", "164.524(c)(2), 78 FR 5634", need);
      }
      const why = wanted === Channel.Smime ? "no valid S/MIME certificate for a verified address" : wanted === Channel.Pgp ? "no verified OpenPGP key for a verified address" : wanted === Channel.DicomPush ? "no DICOM node for this recipient" : "no verified address";
      if (facts.confidentialChannels && allowed.includes(wanted)) return no("the patient asked to be reached only by other means", "164.522(b)");
      return no(`${wanted} is not possible: ${why}`, "164.312(e)(1)", [why]);
    }
  }
  if (channels.length === 0) return no("no secure channel reaches this recipient", "164.312(e)(1)", ["a verified address, a delivery key or a DICOM node"]);
  if (!ENCRYPTED_CHANNELS.some((c) => channels.includes(c))) warnings.push("only unencrypted e-mail is possible");

  return { outcome: "permit", permission: permission.basis, basis, plan, channels, missing: [], warnings, accountable: permission.accountable };
}
