/**
 * @module core/phi/phi-finding
 * What a PHI finding is: where it is, which HIPAA Safe Harbor identifier category it belongs to
 * (45 CFR 164.514(b)(2)(i)(A)–(R)), which PS3.15 action applies, and where the rule came from.
 * The value itself travels only inside the process (for de-identification and verification); it is
 * never serialised unless an operator asks (`--show-values`).
 */

/** The 18 Safe Harbor identifier types, 164.514(b)(2)(i)(A)–(R). */
export const SafeHarborCategory = {
  Names: "names",
  Geography: "geography",
  Dates: "dates",
  Phone: "phone",
  Fax: "fax",
  Email: "email",
  Ssn: "ssn",
  Mrn: "mrn",
  HealthPlan: "health-plan",
  Account: "account",
  License: "license",
  Vehicle: "vehicle",
  DeviceId: "device-id",
  Url: "url",
  Ip: "ip",
  Biometric: "biometric",
  FacePhoto: "face-photo",
  OtherUnique: "other-unique",
} as const;
export type SafeHarborCategory = (typeof SafeHarborCategory)[keyof typeof SafeHarborCategory];

/** The letter of 164.514(b)(2)(i) for each category, for citations in reports. */
export const SAFE_HARBOR_CITATION: Readonly<Record<SafeHarborCategory, string>> = {
  names: "164.514(b)(2)(i)(A)",
  geography: "164.514(b)(2)(i)(B)",
  dates: "164.514(b)(2)(i)(C)",
  phone: "164.514(b)(2)(i)(D)",
  fax: "164.514(b)(2)(i)(E)",
  email: "164.514(b)(2)(i)(F)",
  ssn: "164.514(b)(2)(i)(G)",
  mrn: "164.514(b)(2)(i)(H)",
  "health-plan": "164.514(b)(2)(i)(I)",
  account: "164.514(b)(2)(i)(J)",
  license: "164.514(b)(2)(i)(K)",
  vehicle: "164.514(b)(2)(i)(L)",
  "device-id": "164.514(b)(2)(i)(M)",
  url: "164.514(b)(2)(i)(N)",
  ip: "164.514(b)(2)(i)(O)",
  biometric: "164.514(b)(2)(i)(P)",
  "face-photo": "164.514(b)(2)(i)(Q)",
  "other-unique": "164.514(b)(2)(i)(R)",
};

/**
 * PS3.15 Table E.1-1 action codes (https://dicom.nema.org/medical/dicom/current/output/chtml/part15/chapter_E.html):
 * D dummy, Z zero-length or dummy, X remove, K keep, C clean, U replace UID; plus the two Rayvault uses
 * outside DICOM: "strip" (photo metadata) and "review" (free text outside a DICOM element: a person decides).
 */
export const DeidAction = {
  Dummy: "D",
  Zero: "Z",
  Remove: "X",
  Keep: "K",
  Clean: "C",
  ReplaceUid: "U",
  Strip: "strip",
  Review: "review",
} as const;
export type DeidAction = (typeof DeidAction)[keyof typeof DeidAction];

/** Where a finding came from. */
export const FindingSource = {
  /** A row of PS3.15 Table E.1-1, or Rayvault's fail-closed rule for what the table does not list. */
  ProfileRule: "profile-rule",
  /** A text pattern (date, phone, e-mail, SSN, MRN…) or a name already seen in a header. */
  Pattern: "pattern",
  /** Photo metadata (EXIF, GPS, XMP, IPTC, maker notes, comments, thumbnails). */
  PhotoMetadata: "photo-metadata",
  /** DICOM structure that can carry identifiers (private element, overlay, icon image). */
  Structure: "structure",
} as const;
export type FindingSource = (typeof FindingSource)[keyof typeof FindingSource];

export interface PhiFinding {
  /** Human-readable location: a tag path like "(0008,1115)[0].(0010,0010)", a metadata field, or "text:12-20". */
  readonly where: string;
  /** DICOM keyword, photo metadata field name, or pattern name. */
  readonly field: string;
  readonly category: SafeHarborCategory;
  /** The action the Basic Profile (or the photo/text policy) applies. */
  readonly action: DeidAction;
  readonly source: FindingSource;
  /** The rule that produced the finding, e.g. "PS3.15 E.1-1 (0010,0010) Z". */
  readonly rule: string;
  /** The identifying value. Kept in memory only; never logged or printed unless asked. */
  readonly value: string;
  /** For a DICOM element: its tag and VR, so options can be re-applied to the finding. Not printed. */
  readonly element?: { readonly tag: number; readonly vr: string };
}

/** A finding as printed: the value is replaced by its length unless the operator asked to see it. */
export function presentFinding(f: PhiFinding, showValues: boolean): Record<string, unknown> {
  const { value, element: _element, ...rest } = f;
  return showValues ? { ...rest, value } : { ...rest, valueLength: value.length };
}
