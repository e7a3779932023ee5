/**
 * @module core/policy/minimum-necessary
 * The minimum-necessary plan of a disclosure (164.502(b), 164.514(d)) and the preview of exactly what
 * leaves. Treatment, the patient's own access and an authorization send the full study (the rule does
 * not apply, 164.502(b)(2)); payment sends it identified but without the attributes the recipient type
 * does not need; operations, research and anything else without an authorization send it de-identified
 * (Safe Harbor, the PS3.15 profile of #2) or as a limited data set under a data use agreement
 * (164.514(e)). Pure: the preview resolves each attribute's action with the de-identifier's own profile.
 */
import { lookupTag, isPrivateTag, keywordOf } from "../dicom/dictionary.ts";
import { ProfileOption, resolveAction } from "../deid/profile.ts";
import type { RecipientKind } from "./vocabulary.ts";

export const PlanLevel = {
  Full: "full",
  IdentifiedMinimum: "identified-minimum",
  Deidentified: "deidentified",
  LimitedDataSet: "limited-data-set",
} as const;
export type PlanLevel = (typeof PlanLevel)[keyof typeof PlanLevel];

export interface MinimumNecessaryPlan {
  readonly level: PlanLevel;
  /** Whether the minimum-necessary standard applies to this disclosure. */
  readonly applies: boolean;
  readonly citation: string;
  readonly reason: string;
  /** identified-minimum: attributes (keywords) removed; private attributes always go. */
  readonly remove: readonly string[];
  /** deidentified / limited-data-set: the PS3.15 options the de-identifier applies. */
  readonly deidOptions: readonly ProfileOption[];
  /** Burned-in text must be cleaned from the pixels before this plan can leave (#7). */
  readonly cleanPixels: boolean;
}

/**
 * Attributes a payer or billing recipient does not need to pay a claim: contact details, other
 * identifiers, demographics beyond name/sex/birth date, staff and device identities, free comments.
 * Configurable per recipient type by the privacy officer; these are the defaults.
 */
const PAYER_REMOVALS: readonly string[] = [
  "PatientAddress", "PatientTelephoneNumbers", "PatientTelecomInformation", "OtherPatientIDsSequence", "OtherPatientNames",
  "PatientMotherBirthName", "MilitaryRank", "BranchOfService", "EthnicGroup", "Occupation", "PatientReligiousPreference",
  "PatientComments", "AdditionalPatientHistory", "OperatorsName", "PerformingPhysicianName", "NameOfPhysiciansReadingStudy",
  "DeviceSerialNumber", "StationName", "InstitutionalDepartmentName", "InstitutionAddress", "ResponsiblePerson",
];

export const PAYMENT_REMOVALS: Readonly<Partial<Record<RecipientKind, readonly string[]>>> = {
  "health-plan": PAYER_REMOVALS,
  "business-associate": PAYER_REMOVALS,
  provider: PAYER_REMOVALS,
  clearinghouse: PAYER_REMOVALS,
};

export function fullPlan(citation: string, reason: string): MinimumNecessaryPlan {
  return { level: PlanLevel.Full, applies: false, citation, reason, remove: [], deidOptions: [], cleanPixels: false };
}

export function paymentPlan(kind: RecipientKind): MinimumNecessaryPlan {
  return {
    level: PlanLevel.IdentifiedMinimum, applies: true, citation: "164.502(b), 164.514(d)(3)(i)",
    reason: "payment needs the claim facts: identified, without contact details, other identifiers, staff and device identities",
    remove: PAYMENT_REMOVALS[kind] ?? PAYER_REMOVALS, deidOptions: [], cleanPixels: false,
  };
}

export function deidentifiedPlan(reason: string): MinimumNecessaryPlan {
  return { level: PlanLevel.Deidentified, applies: true, citation: "164.514(b)(2)", reason, remove: [], deidOptions: [ProfileOption.CleanDescriptors, ProfileOption.CleanStructuredContent, ProfileOption.CleanGraphics], cleanPixels: true };
}

export function limitedDataSetPlan(): MinimumNecessaryPlan {
  return {
    level: PlanLevel.LimitedDataSet, applies: true, citation: "164.514(e)",
    reason: "a limited data set under a data use agreement: direct identifiers removed, dates and town kept",
    remove: [], deidOptions: [ProfileOption.RetainLongitudinalFullDates, ProfileOption.RetainPatientCharacteristics, ProfileOption.CleanDescriptors, ProfileOption.CleanGraphics], cleanPixels: true,
  };
}

/** Under an identified-minimum plan: does this attribute go? (Private ones always do.) One rule for the preview and the package. */
export function removedUnderPlan(plan: MinimumNecessaryPlan, tag: number): boolean {
  return isPrivateTag(tag) || (lookupTag(tag) !== undefined && plan.remove.includes(keywordOf(tag)));
}

/** An attribute as the preview sees it (from the study's headers; values only for UIDs). */
export interface PreviewAttribute {
  readonly tag: number;
  readonly vr: string;
  readonly privateCreator?: string;
  /** For UI attributes only: well-known UIDs are kept. */
  readonly text?: string;
}

export interface DisclosurePreview {
  readonly level: PlanLevel;
  readonly kept: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly pixels: string;
}

const nameOf = (a: PreviewAttribute): string => (isPrivateTag(a.tag) ? `private (${(a.tag >>> 16).toString(16).padStart(4, "0")},${(a.tag & 0xffff).toString(16).padStart(4, "0")})` : lookupTag(a.tag) ? keywordOf(a.tag) : `(${a.tag.toString(16).padStart(8, "0")})`);

/** What each attribute becomes under the plan: kept, changed (replaced, emptied, shifted) or removed. */
export function previewPlan(plan: MinimumNecessaryPlan, attributes: readonly PreviewAttribute[]): DisclosurePreview {
  const kept = new Set<string>();
  const changed = new Set<string>();
  const removed = new Set<string>();
  const options = new Set(plan.deidOptions);
  for (const a of attributes) {
    if ((a.tag & 0xffff0000) === 0x00020000) continue; // file meta is rebuilt
    const name = nameOf(a);
    if (plan.level === PlanLevel.Full) kept.add(name);
    else if (plan.level === PlanLevel.IdentifiedMinimum) (removedUnderPlan(plan, a.tag) ? removed : kept).add(name);
    else {
      const r = resolveAction({ tag: a.tag, vr: a.vr, options, privateCreator: a.privateCreator, ...(a.text !== undefined ? { text: a.text } : {}) });
      (r.action === "K" ? kept : r.action === "X" ? removed : changed).add(name);
    }
  }
  const sorted = (s: Set<string>): string[] => [...s].sort();
  return {
    level: plan.level, kept: sorted(kept), changed: sorted(changed), removed: sorted(removed),
    pixels: plan.cleanPixels ? "burned-in text regions are cleaned before sending (refused until cleaning succeeds)" : "unchanged",
  };
}
