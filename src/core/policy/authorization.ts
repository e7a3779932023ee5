/**
 * @module core/policy/authorization
 * HIPAA authorizations (164.508): whether a form is valid — the six core elements of (c)(1), the three
 * statements of (c)(2), the remuneration statement for marketing and sale (a)(3)-(4), no compound or
 * conditioned form (b)(3)-(4), not expired by date or event, not revoked (b)(5) — and whether it covers a
 * proposed disclosure (this information, this recipient, this purpose, at this time). Checked at send
 * time, never trusted from when the form was filed. Pure.
 */
import type { DisclosurePurpose, RecipientKind } from "./vocabulary.ts";

export interface Authorization {
  readonly id: string;
  /** (c)(1)(i) a specific, meaningful description of the information. */
  readonly description: string;
  /** Which information it covers: named studies, and/or a date range of studies; empty means none. */
  readonly scope: { readonly studyRefs?: readonly string[]; readonly from?: string; readonly to?: string };
  /** (c)(1)(ii) who may disclose (a name or a specific class). */
  readonly disclosers: string;
  /** (c)(1)(iii) who may receive: directory recipients by id, and/or a class of recipient kinds. */
  readonly recipients: { readonly ids?: readonly string[]; readonly kinds?: readonly RecipientKind[]; readonly description: string };
  /** (c)(1)(iv) each purpose; "at the request of the individual" is written as `authorized`. */
  readonly purposes: readonly DisclosurePurpose[];
  /** (c)(1)(v) an expiration date, or an expiration event (and when it occurred, once it has). */
  readonly expiresAt?: string;
  readonly expirationEvent?: string;
  readonly eventOccurredAt?: string;
  /** (c)(1)(vi) signature and date; for a representative, a description of their authority. */
  readonly signedAt?: string;
  readonly signedBy?: "patient" | "representative";
  readonly representativeAuthority?: string;
  /** (c)(2) the required statements, as printed on the form. */
  readonly statements: { readonly rightToRevoke: boolean; readonly conditioning: boolean; readonly redisclosure: boolean };
  /** (a)(3)-(4) for marketing or sale: the remuneration the form states. */
  readonly remunerationStatement?: string;
  /** (b)(3)-(4) a form combined with another document, or treatment conditioned on signing it. */
  readonly compound?: boolean;
  readonly conditionedTreatment?: boolean;
  /** The signed form kept in the vault. */
  readonly documentBlob?: string;
  readonly revokedAt?: string;
}

export interface AuthorizationVerdict {
  readonly valid: boolean;
  /** What makes it defective (164.508(b)(2)), each with its paragraph. */
  readonly defects: ReadonlyArray<{ readonly element: string; readonly citation: string }>;
}

const filled = (s: string | undefined): boolean => s !== undefined && s.trim().length > 0;

/** Validity of the form at `now`: every defect is listed, not just the first. */
export function validateAuthorization(a: Authorization, now: string): AuthorizationVerdict {
  const defects: Array<{ element: string; citation: string }> = [];
  const need = (ok: boolean, element: string, citation: string): void => {
    if (!ok) defects.push({ element, citation });
  };
  need(filled(a.description) && (a.scope.studyRefs?.length ?? 0) + (a.scope.from || a.scope.to ? 1 : 0) > 0, "a specific description of the information", "164.508(c)(1)(i)");
  need(filled(a.disclosers), "who may disclose it", "164.508(c)(1)(ii)");
  need(filled(a.recipients.description) && ((a.recipients.ids?.length ?? 0) > 0 || (a.recipients.kinds?.length ?? 0) > 0), "who may receive it", "164.508(c)(1)(iii)");
  need(a.purposes.length > 0, "the purpose of each disclosure", "164.508(c)(1)(iv)");
  need(filled(a.expiresAt) || filled(a.expirationEvent), "an expiration date or event", "164.508(c)(1)(v)");
  need(filled(a.signedAt) && a.signedBy !== undefined, "the signature and its date", "164.508(c)(1)(vi)");
  need(a.signedBy !== "representative" || filled(a.representativeAuthority), "the representative's authority", "164.508(c)(1)(vi)");
  need(a.statements.rightToRevoke, "the statement of the right to revoke", "164.508(c)(2)(i)");
  need(a.statements.conditioning, "the statement on conditioning treatment or payment", "164.508(c)(2)(ii)");
  need(a.statements.redisclosure, "the statement that the recipient may redisclose", "164.508(c)(2)(iii)");
  const paid = a.purposes.includes("marketing") || a.purposes.includes("sale");
  need(!paid || filled(a.remunerationStatement), "the remuneration statement (marketing, sale)", "164.508(a)(3)-(4)");
  need(a.compound !== true, "not combined with another document", "164.508(b)(3)");
  need(a.conditionedTreatment !== true, "treatment not conditioned on signing", "164.508(b)(4)");
  const t = Date.parse(now);
  // A date that cannot be read is a defect, never a pass.
  for (const [field, v] of [["signedAt", a.signedAt], ["expiresAt", a.expiresAt], ["eventOccurredAt", a.eventOccurredAt], ["revokedAt", a.revokedAt], ["scope.from", a.scope.from], ["scope.to", a.scope.to]] as const) {
    if (v !== undefined && Number.isNaN(Date.parse(v))) defects.push({ element: `a readable date in ${field}`, citation: "164.508(b)(2)" });
  }
  need(!(a.signedAt !== undefined && Date.parse(a.signedAt) > t), "signed before it is used", "164.508(c)(1)(vi)");
  need(!(a.expiresAt !== undefined && !(Date.parse(a.expiresAt) > t)), "not expired", "164.508(b)(2)(i)");
  need(!(a.eventOccurredAt !== undefined && Date.parse(a.eventOccurredAt) <= t), "its expiration event has not occurred", "164.508(b)(2)(i)");
  need(!(a.revokedAt !== undefined && Date.parse(a.revokedAt) <= t), "not revoked", "164.508(b)(5)");
  return { valid: defects.length === 0, defects };
}

export interface DisclosureSubject {
  readonly recipientId: string;
  readonly recipientKind: RecipientKind;
  readonly purpose: DisclosurePurpose;
  readonly studyRef: string;
  /** The study's date (YYYY-MM-DD), for date-range scopes; undefined if unknown. */
  readonly studyDate?: string;
}

/** Whether a valid form covers this disclosure; the reasons when it does not. */
export function authorizationCovers(a: Authorization, d: DisclosureSubject): { readonly covers: boolean; readonly gaps: readonly string[] } {
  const gaps: string[] = [];
  const byId = a.recipients.ids?.includes(d.recipientId) ?? false;
  const byKind = a.recipients.kinds?.includes(d.recipientKind) ?? false;
  if (!byId && !byKind) gaps.push("the recipient is not one it names");
  // "At the request of the individual" covers any purpose except marketing and sale, which must be named
  // with their remuneration (164.508(a)(3)-(4)).
  const paid = d.purpose === "marketing" || d.purpose === "sale";
  if (paid ? !(a.purposes.includes(d.purpose) && filled(a.remunerationStatement)) : !a.purposes.includes(d.purpose) && !a.purposes.includes("authorized")) gaps.push("the purpose is not one it states");
  const named = a.scope.studyRefs?.includes(d.studyRef) ?? false;
  const ranged = (a.scope.from !== undefined || a.scope.to !== undefined) && d.studyDate !== undefined &&
    (a.scope.from === undefined || d.studyDate >= a.scope.from) && (a.scope.to === undefined || d.studyDate <= a.scope.to);
  if (!named && !ranged) gaps.push("the study is not information it describes");
  return { covers: gaps.length === 0, gaps };
}
