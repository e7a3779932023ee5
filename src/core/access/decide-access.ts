/**
 * @module core/access/decide-access
 * The access decision for every read or write of PHI (45 CFR 164.312(a)(1), 164.308(a)(4),
 * minimum necessary by role 164.514(d)(2)): deny by default; a purpose of use is required and personal or
 * non-medical purposes are refused; each role gets the actions and purposes its work needs; admin and
 * privacy-officer actions need MFA; break-glass opens emergency treatment access for a limited time and
 * is flagged to the privacy officer (164.312(a)(2)(ii)). Returns the rule that matched, or the refusal
 * with its reason. Pure: no I/O, never throws on a "no".
 */

export const Role = {
  Clinician: "clinician",
  Radiologist: "radiologist",
  Technologist: "technologist",
  Billing: "billing",
  FrontDesk: "front-desk",
  PrivacyOfficer: "privacy-officer",
  Administrator: "administrator",
  Integration: "integration",
  /** A routing rule acting on a study it matched: it may ask for and make the rule's disclosure, nothing else. */
  RoutingRule: "routing-rule",
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const Action = {
  StudySearch: "study.search",
  StudyViewMetadata: "study.view-metadata",
  StudyViewImages: "study.view-images",
  StudyDownload: "study.download",
  StudyImport: "study.import",
  StudyDeidentify: "study.deidentify",
  PatientDemographics: "patient.demographics",
  DisclosureDecide: "disclosure.decide",
  DisclosureSend: "disclosure.send",
  AuditRead: "audit.read",
  AuditExport: "audit.export",
  AccountingRead: "accounting.read",
  UserManage: "user.manage",
  KeyManage: "key.manage",
  ConfigChange: "config.change",
  /** Record or end who treats whom (registration, an ADT feed, the privacy officer). */
  CareAssign: "care.assign",
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/**
 * Purposes of use, after HL7 v3 PurposeOfUse (https://terminology.hl7.org/ValueSet-v3-PurposeOfUse.html):
 * TREAT, ETREAT, HPAYMT, HOPERAT, PATRQT, HRESCH (de-identified research only).
 */
export const Purpose = {
  Treatment: "treatment",
  EmergencyTreatment: "emergency-treatment",
  Payment: "payment",
  Operations: "operations",
  PatientRequest: "patient-request",
  DeidentifiedResearch: "deidentified-research",
} as const;
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

/** Purposes people type that are never a reason to see PHI. */
const REFUSED_PURPOSES = new Set(["personal", "curiosity", "non-medical", "marketing", "sale", "employment", "other"]);

export interface BreakGlass {
  readonly reason: string;
  /** ISO time the emergency access ends. */
  readonly expiresAt: string;
}

export interface AccessSubject {
  readonly id: string;
  readonly roles: readonly Role[];
  /** Authenticated with a second factor in this session. */
  readonly mfa: boolean;
  readonly breakGlass?: BreakGlass;
}

export interface AccessRequest {
  readonly subject: AccessSubject;
  readonly action: Action;
  /** Absent or empty: refused. Free text that is not a known purpose: refused. */
  readonly purpose?: string;
  /** The subject treats this patient (care team, ordering or referring provider). */
  readonly careRelationship?: boolean;
  /** ISO time of the request. */
  readonly now: string;
}

export interface AccessDecision {
  readonly allowed: boolean;
  /** The rule that matched (allow) or refused (deny), stable for audit records and tests. */
  readonly rule: string;
  readonly reason: string;
  readonly citation: string;
  /** break-glass: the privacy officer must be alerted and the access reviewed. */
  readonly alertPrivacyOfficer: boolean;
}

interface Grant {
  readonly actions: readonly Action[];
  readonly purposes: readonly Purpose[];
  /** Only for patients the subject treats. */
  readonly careRelationshipRequired?: boolean;
  readonly mfaRequired?: boolean;
}

const A = Action;
const P = Purpose;

/** Who may do what, for which purposes: the minimum-necessary role table (164.514(d)(2)). */
export const ROLE_GRANTS: Readonly<Record<Role, readonly Grant[]>> = {
  clinician: [
    { actions: [A.StudySearch, A.StudyViewMetadata, A.StudyViewImages, A.StudyDownload, A.PatientDemographics, A.DisclosureDecide, A.DisclosureSend], purposes: [P.Treatment], careRelationshipRequired: true },
  ],
  radiologist: [
    // Reading from a worklist: radiologists interpret studies of patients they have not met.
    { actions: [A.StudySearch, A.StudyViewMetadata, A.StudyViewImages, A.StudyDownload, A.PatientDemographics, A.DisclosureDecide, A.DisclosureSend, A.StudyDeidentify], purposes: [P.Treatment] },
    { actions: [A.StudyDeidentify], purposes: [P.DeidentifiedResearch, P.Operations] },
  ],
  technologist: [
    { actions: [A.StudyImport, A.StudySearch, A.StudyViewMetadata, A.StudyViewImages, A.PatientDemographics], purposes: [P.Treatment, P.Operations] },
  ],
  billing: [
    // Billing needs the claim facts, not the pixels.
    { actions: [A.StudySearch, A.StudyViewMetadata, A.PatientDemographics, A.DisclosureDecide, A.DisclosureSend], purposes: [P.Payment] },
  ],
  "front-desk": [
    { actions: [A.StudySearch, A.PatientDemographics], purposes: [P.Treatment, P.Payment, P.Operations] },
    { actions: [A.DisclosureDecide, A.DisclosureSend], purposes: [P.PatientRequest] },
    // Registration records the attending and referring providers.
    { actions: [A.CareAssign], purposes: [P.Treatment, P.Operations] },
  ],
  "privacy-officer": [
    { actions: [A.AuditRead, A.AuditExport, A.AccountingRead, A.DisclosureDecide], purposes: [P.Operations, P.PatientRequest], mfaRequired: true },
    { actions: [A.StudyViewMetadata, A.PatientDemographics], purposes: [P.Operations, P.PatientRequest], mfaRequired: true },
    { actions: [A.CareAssign], purposes: [P.Operations], mfaRequired: true },
  ],
  administrator: [
    // Administrators run the system; they do not read PHI.
    { actions: [A.UserManage, A.KeyManage, A.ConfigChange, A.AuditRead], purposes: [P.Operations], mfaRequired: true },
  ],
  integration: [
    // Modalities, PACS and the EHR's ADT feed (which says who treats whom).
    { actions: [A.StudyImport, A.StudySearch, A.CareAssign], purposes: [P.Treatment, P.Operations] },
  ],
  "routing-rule": [
    // Set up by an operator for one source and one recipient; each disclosure is still decided (#4).
    { actions: [A.DisclosureDecide, A.DisclosureSend], purposes: [P.Treatment, P.Payment, P.Operations] },
  ],
};

/** What break-glass opens: looking at and fetching the images of a patient in an emergency. */
const BREAK_GLASS_ACTIONS: ReadonlySet<Action> = new Set([A.StudySearch, A.StudyViewMetadata, A.StudyViewImages, A.StudyDownload, A.PatientDemographics]);
/** Roles that may break the glass: those who treat patients. */
const BREAK_GLASS_ROLES: ReadonlySet<Role> = new Set([Role.Clinician, Role.Radiologist, Role.Technologist]);

const KNOWN_PURPOSES: ReadonlySet<string> = new Set(Object.values(Purpose));

function deny(rule: string, reason: string, citation: string): AccessDecision {
  return { allowed: false, rule, reason, citation, alertPrivacyOfficer: false };
}

export function decideAccess(req: AccessRequest): AccessDecision {
  const { subject, action } = req;
  const purpose = (req.purpose ?? "").trim().toLowerCase();
  if (purpose === "") return deny("purpose-required", "a purpose of use is required for every access to PHI", "164.502(b), 164.514(d)");
  if (REFUSED_PURPOSES.has(purpose)) return deny("purpose-refused", `"${purpose}" is not a permitted purpose of use`, "164.502(a), 164.506");
  if (!KNOWN_PURPOSES.has(purpose)) return deny("purpose-unknown", "the purpose of use is not one Rayvault recognises", "164.502(a)");
  if (subject.roles.length === 0) return deny("no-role", "the user has no role", "164.308(a)(4)");

  if (purpose === Purpose.EmergencyTreatment) {
    const bg = subject.breakGlass;
    if (!bg) return deny("break-glass-required", "emergency access needs an active break-glass declaration", "164.312(a)(2)(ii)");
    if (bg.reason.trim().length < 10) return deny("break-glass-reason", "break-glass needs a reason of at least 10 characters", "164.312(a)(2)(ii)");
    if (!(Date.parse(bg.expiresAt) > Date.parse(req.now))) return deny("break-glass-expired", "the break-glass period has ended", "164.312(a)(2)(ii)");
    if (!subject.roles.some((r) => BREAK_GLASS_ROLES.has(r))) return deny("break-glass-role", "only treating roles may break the glass", "164.312(a)(2)(ii)");
    if (!BREAK_GLASS_ACTIONS.has(action)) return deny("break-glass-scope", `break-glass does not cover ${action}`, "164.312(a)(2)(ii)");
    return { allowed: true, rule: "break-glass", reason: "emergency access, time-boxed; the privacy officer is alerted", citation: "164.312(a)(2)(ii)", alertPrivacyOfficer: true };
  }

  let refusal: AccessDecision | undefined;
  for (const role of subject.roles) {
    for (const [i, grant] of (ROLE_GRANTS[role] ?? []).entries()) {
      if (!grant.actions.includes(action)) continue;
      const rule = `${role}#${i}`;
      if (!grant.purposes.includes(purpose as Purpose)) {
        refusal ??= deny(`${rule}:purpose`, `a ${role} may ${action} only for ${grant.purposes.join(", ")}`, "164.514(d)(2)");
        continue;
      }
      if (grant.mfaRequired && !subject.mfa) {
        refusal ??= deny(`${rule}:mfa`, `${action} as ${role} needs a second factor`, "164.312(d)");
        continue;
      }
      if (grant.careRelationshipRequired && req.careRelationship !== true) {
        refusal ??= deny(`${rule}:care-relationship`, `a ${role} sees only patients they treat (or breaks the glass)`, "164.514(d)(2)");
        continue;
      }
      return { allowed: true, rule, reason: `${role} may ${action} for ${purpose}`, citation: "164.308(a)(4), 164.514(d)(2)", alertPrivacyOfficer: false };
    }
  }
  return refusal ?? deny("no-grant", `no role of this user may ${action}`, "164.308(a)(4), 164.312(a)(1)");
}
