/**
 * @module core/policy/vocabulary
 * The closed lists the disclosure decision works with: who a recipient is (164.501, 160.103), why the
 * clinic discloses (each purpose mapped to the paragraph that can permit it), and the channels a
 * disclosure can take. Free text never reaches the decision: anything not in these lists is refused.
 */

export const RecipientKind = {
  /** A health care provider (any, not only a covered entity): treatment 164.506(c)(2). */
  Provider: "provider",
  /** An insurer or other health plan (a covered entity). */
  HealthPlan: "health-plan",
  Clearinghouse: "clearinghouse",
  /** A billing company, host, relay or other business associate of this clinic: only under a BAA. */
  BusinessAssociate: "business-associate",
  /** The patient the information is about. */
  Patient: "patient",
  /** A personal representative of the patient (164.502(g)), authority verified. */
  PersonalRepresentative: "personal-representative",
  /** Anyone else (a lawyer, an employer, a relative…): an authorization or a privacy-officer path. */
  Other: "other",
} as const;
export type RecipientKind = (typeof RecipientKind)[keyof typeof RecipientKind];

export const DisclosurePurpose = {
  Treatment: "treatment",
  Payment: "payment",
  Operations: "operations",
  /** The patient's own right of access (164.524). */
  PatientAccess: "patient-access",
  /** Whatever the patient authorized in writing (164.508), e.g. "at the request of the individual". */
  Authorized: "authorized",
  Research: "research",
  Marketing: "marketing",
  Sale: "sale",
  /** Life insurance or employment underwriting: never TPO. */
  Underwriting: "underwriting",
  /** 164.510(b): family or friends involved in care, notification. */
  FamilyInvolvement: "family-involvement",
  /** 164.512 paths: each needs the privacy officer's approval recording the paragraph relied on. */
  PublicHealth: "public-health",
  HealthOversight: "health-oversight",
  JudicialProceeding: "judicial-proceeding",
  LawEnforcement: "law-enforcement",
  RequiredByLaw: "required-by-law",
  SeriousThreat: "serious-threat",
  WorkersCompensation: "workers-compensation",
  Coroner: "coroner",
} as const;
export type DisclosurePurpose = (typeof DisclosurePurpose)[keyof typeof DisclosurePurpose];

/** 164.512 and 164.510 purposes: the paragraph, and whether the disclosure is accountable (164.528). */
export const REVIEW_PATHS: Readonly<Partial<Record<DisclosurePurpose, { readonly citation: string; readonly accountable: boolean; readonly label: string }>>> = {
  "family-involvement": { citation: "164.510(b)", accountable: false, label: "persons involved in the patient's care, after a chance to agree or object" },
  "public-health": { citation: "164.512(b)", accountable: true, label: "public health activities" },
  "health-oversight": { citation: "164.512(d)", accountable: true, label: "health oversight activities" },
  "judicial-proceeding": { citation: "164.512(e)", accountable: true, label: "judicial or administrative proceedings (court order, or subpoena with assurances)" },
  "law-enforcement": { citation: "164.512(f)", accountable: true, label: "law enforcement purposes" },
  "required-by-law": { citation: "164.512(a)", accountable: true, label: "required by law" },
  "serious-threat": { citation: "164.512(j)", accountable: true, label: "to avert a serious threat to health or safety" },
  "workers-compensation": { citation: "164.512(l)", accountable: true, label: "workers' compensation" },
  coroner: { citation: "164.512(g)", accountable: true, label: "coroners, medical examiners, funeral directors" },
};

/** How an address, an identity or a key was verified (164.514(h)). */
export const VERIFICATION_METHODS = ["code-reply", "call-back", "in-person", "signed-form", "known-relationship"] as const;

export const Channel = {
  Smime: "smime",
  Pgp: "pgp",
  Portal: "portal",
  DicomPush: "dicom-push",
  /** Unencrypted e-mail: only to the patient who asked for it after the risk warning (164.524). */
  PlainEmail: "plain-email",
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export const ENCRYPTED_CHANNELS: readonly Channel[] = [Channel.Smime, Channel.Pgp, Channel.Portal, Channel.DicomPush];

export function isRecipientKind(v: string): v is RecipientKind {
  return (Object.values(RecipientKind) as string[]).includes(v);
}
export function isDisclosurePurpose(v: string): v is DisclosurePurpose {
  return (Object.values(DisclosurePurpose) as string[]).includes(v);
}
export function isChannel(v: string): v is Channel {
  return (Object.values(Channel) as string[]).includes(v);
}
