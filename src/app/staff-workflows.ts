/**
 * @module app/staff-workflows
 * The records staff keep in the portal, for the roles that keep them: the directory (add a recipient,
 * record how an identity or an address was verified — front desk and privacy officer), the patients'
 * access requests (front desk, privacy officer), the privacy officer's review queue, business associate
 * and data use agreements (privacy officer) and patients' authorizations (front desk, privacy officer).
 * Each refusal is audited with the rule; each change is audited by the use-case it calls. Lists hold
 * references, and decrypted display fields only for the roles that keep them; nothing here logs PHI.
 */
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { decryptField } from "../core/crypto/field-crypto.ts";
import { Action, ROLE_GRANTS, type Role } from "../core/access/decide-access.ts";
import { validateAuthorization, type AuthorizationVerdict } from "../core/policy/authorization.ts";
import { inForceAt } from "../core/policy/dated-rules.ts";
import { subjectOf, type WebCaller } from "./dicomweb.ts";
import { addRecipient, listRecipients, patientByMrn, verifyAddress, verifyIdentity, type PolicyDeps } from "./manage-directory.ts";
import {
  addAgreement, addAuthorization, authorizationOf, completeAccessRequest, decideReview, listAccessRequests, listReviews, revokeAuthorization, terminateAgreement,
  type AuthorizationForm, type RecordDeps,
} from "./manage-records.ts";

/**
 * Who keeps which records (164.514(h) checks and the directory; 164.524 requests; 164.512 reviews;
 * 164.504(e) and 164.514(e) agreements; 164.508 authorizations).
 */
const KEEPERS = {
  directory: ["front-desk", "privacy-officer"],
  "access-requests": ["front-desk", "privacy-officer"],
  reviews: ["privacy-officer"],
  agreements: ["privacy-officer"],
  authorizations: ["front-desk", "privacy-officer"],
} as const satisfies Record<string, readonly Role[]>;

type Records = keyof typeof KEEPERS;

async function keeper(caller: WebCaller, records: Records, deps: Pick<PolicyDeps, "audit" | "now">): Promise<string> {
  const subject = subjectOf(caller.user);
  const roles: readonly Role[] = KEEPERS[records];
  // The privacy officer's role is granted with a second factor only (as in the access table).
  const ok = subject.roles.some((r) => roles.includes(r) && (r !== "privacy-officer" || subject.mfa));
  if (ok) return subject.id;
  await deps.audit.append({ time: deps.now(), actor: subject.id, action: `${records}.keep`, objects: [`rule:role-${records}`], purpose: "operations", outcome: "refused" });
  throw new RayvaultError(ErrorCode.AccessDenied, `only ${roles.join(" or ")} staff keep ${records.replace("-", " ")} (role-${records})`);
}

const name = (deps: PolicyDeps, enc: string | undefined): string => (enc ? decryptField(deps.fields, "recipients.name", enc) : "(removed)");

/** The names of these recipients, each read from the directory once. */
async function namesOf(deps: PolicyDeps, ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
  const unique = [...new Set(ids)];
  const rows = await Promise.all(unique.map((id) => deps.policy.get("recipients", id)));
  return new Map(unique.map((id, i) => [id, name(deps, rows[i]?.nameEnc)]));
}

// ---- Directory ----

/**
 * The directory by name, for those who share (any role that may decide a disclosure, the second factor
 * where its grant needs one) and those who keep it. A patient in the directory is named there, so the
 * search is refused to everyone else (an administrator reads no PHI) and audited either way.
 */
export async function searchDirectoryAs(caller: WebCaller, q: string, deps: PolicyDeps): Promise<Awaited<ReturnType<typeof listRecipients>>> {
  const subject = subjectOf(caller.user);
  const shares = subject.roles.some((r) => (ROLE_GRANTS[r] ?? []).some((g) => g.actions.includes(Action.DisclosureDecide) && (g.mfaRequired !== true || subject.mfa)));
  if (!shares) await keeper(caller, "directory", deps);
  const needle = q.trim().toLowerCase();
  const found = (await listRecipients(deps)).filter((r) => needle === "" || r.name.toLowerCase().includes(needle)).slice(0, 50);
  await deps.audit.append({ time: deps.now(), actor: subject.id, action: "directory.search", objects: [`count:${found.length}`], purpose: "operations", outcome: "success" });
  return found;
}

export async function addRecipientAs(caller: WebCaller, req: { kind: string; name: string; organization?: string; npi?: string; email?: string; patientMrn?: string }, deps: PolicyDeps): ReturnType<typeof addRecipient> {
  const actor = await keeper(caller, "directory", deps);
  return addRecipient({ actor, ...req }, deps);
}

export async function verifyRecipientAs(caller: WebCaller, req: { recipientId: string; what: "identity" | "address"; method: string }, deps: PolicyDeps): Promise<void> {
  const actor = await keeper(caller, "directory", deps);
  if (req.what === "identity") await verifyIdentity({ actor, recipientId: req.recipientId, method: req.method }, deps);
  else await verifyAddress({ actor, recipientId: req.recipientId, method: req.method }, deps);
}

// ---- Access requests (164.524) ----

export interface AccessRequestView {
  readonly id: string;
  readonly requester: { readonly id: string; readonly name: string };
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly format: string;
  readonly channel: string;
  readonly identityVerified: boolean;
  readonly plainEmailAcknowledged: boolean | null;
  readonly completedAt: string | null;
}

/** The patients' access requests, newest first; the reading (it names patients) audited. */
export async function accessRequestsAs(caller: WebCaller, deps: PolicyDeps): Promise<AccessRequestView[]> {
  const actor = await keeper(caller, "access-requests", deps);
  const rows = await listAccessRequests(deps);
  await deps.audit.append({ time: deps.now(), actor, action: "access-request.list", objects: rows.map((r) => `access-request:${r.id}`), purpose: "operations", outcome: "success" });
  const names = await namesOf(deps, rows.map((r) => r.requesterId));
  const out: AccessRequestView[] = [];
  for (const r of rows) {
    out.push({
      id: r.id, requester: { id: r.requesterId, name: names.get(r.requesterId)! }, receivedAt: r.receivedAt, dueAt: r.dueAt, overdue: r.overdue, format: r.format, channel: r.channel,
      identityVerified: r.identityVerifiedAt !== null, plainEmailAcknowledged: r.channel === "plain-email" ? r.plainEmailAckAt !== null : null, completedAt: r.completedAt,
    });
  }
  return out.reverse();
}

export async function completeAccessRequestAs(caller: WebCaller, id: string, deps: PolicyDeps): Promise<void> {
  const actor = await keeper(caller, "access-requests", deps);
  await completeAccessRequest({ actor, id }, deps);
}

// ---- The review queue (164.510, 164.512) ----

export async function reviewsAs(caller: WebCaller, deps: PolicyDeps): Promise<Array<{ id: string; studyId: string; recipient: { id: string; name: string }; purpose: string; requestedAt: string; outcome: string | null; citation: string | null; decidedAt: string | null }>> {
  const actor = await keeper(caller, "reviews", deps);
  const rows = await listReviews(false, deps);
  // The queue names recipients (patients among them): reading it is audited.
  await deps.audit.append({ time: deps.now(), actor, action: "review.list", objects: rows.map((r) => `review:${r.id}`), purpose: "operations", outcome: "success" });
  const names = await namesOf(deps, rows.map((r) => r.recipientId));
  const out = [];
  for (const r of rows) {
    out.push({ id: r.id, studyId: r.studyId, recipient: { id: r.recipientId, name: names.get(r.recipientId)! }, purpose: r.purpose, requestedAt: r.requestedAt, outcome: r.outcome, citation: r.citation, decidedAt: r.decidedAt });
  }
  return out;
}

export async function decideReviewAs(caller: WebCaller, req: { id: string; outcome: string; citation: string; note: string }, deps: PolicyDeps): Promise<void> {
  const actor = await keeper(caller, "reviews", deps);
  if (req.outcome !== "approved" && req.outcome !== "refused") throw new RayvaultError(ErrorCode.UsageInvalid, "outcome: approved or refused");
  await decideReview({ actor, id: req.id, outcome: req.outcome, citation: req.citation.trim(), note: req.note }, deps);
}

// ---- Signed documents ----

/** A document signed on paper and scanned, as the portal takes it: a PDF (its header within the first KiB, as readers accept). */
function assertSignedPdf(document: Uint8Array): void {
  if (document.length === 0) throw new RayvaultError(ErrorCode.UsageInvalid, "the signed document is empty");
  if (!new TextDecoder("latin1").decode(document.subarray(0, 1024)).includes("%PDF-")) throw new RayvaultError(ErrorCode.UnsupportedInput, "the signed document must be a PDF");
}

// ---- Agreements (BAA 164.504(e), DUA 164.514(e)(4)) ----

export interface AgreementView {
  readonly id: string;
  readonly kind: string;
  readonly recipient: { readonly id: string; readonly name: string };
  readonly parties: string;
  readonly scope: readonly string[];
  readonly effectiveAt: string;
  readonly endsAt: string | null;
  readonly terminatedAt: string | null;
  /** Effective, not ended, not terminated: what the decision relies on now. */
  readonly inForce: boolean;
  readonly createdAt: string;
}

export async function agreementsAs(caller: WebCaller, deps: PolicyDeps): Promise<AgreementView[]> {
  await keeper(caller, "agreements", deps);
  const now = deps.now();
  const rows = await deps.policy.find("agreements", {});
  const names = await namesOf(deps, rows.map((a) => a.recipientId));
  const out: AgreementView[] = [];
  for (const a of rows) {
    out.push({
      id: a.id, kind: a.kind, recipient: { id: a.recipientId, name: names.get(a.recipientId)! }, parties: decryptField(deps.fields, "agreements.parties", a.partiesEnc),
      scope: a.scope, effectiveAt: a.effectiveAt, endsAt: a.endsAt, terminatedAt: a.terminatedAt, createdAt: a.createdAt,
      inForce: inForceAt(a, now),
    });
  }
  return out.reverse();
}

export async function addAgreementAs(
  caller: WebCaller,
  req: { recipientId: string; kind: string; parties: string; effective: string; ends?: string; scope: readonly string[]; document: Uint8Array },
  deps: RecordDeps,
): Promise<{ readonly id: string }> {
  const actor = await keeper(caller, "agreements", deps);
  const { kind } = req;
  if (kind !== "baa" && kind !== "dua") throw new RayvaultError(ErrorCode.UsageInvalid, "kind: baa (business associate agreement) or dua (data use agreement)");
  if (req.effective.trim() === "") throw new RayvaultError(ErrorCode.UsageInvalid, "the date the agreement takes effect is required");
  assertSignedPdf(req.document);
  return { id: await addAgreement({ ...req, actor, kind }, deps) };
}

export async function terminateAgreementAs(caller: WebCaller, req: { id: string; at?: string }, deps: PolicyDeps): Promise<void> {
  const actor = await keeper(caller, "agreements", deps);
  await terminateAgreement({ actor, ...req }, deps);
}

// ---- Authorizations (164.508) ----

export interface AuthorizationView {
  readonly id: string;
  readonly filedAt: string;
  readonly description: string;
  readonly recipients: { readonly description: string; readonly named: ReadonlyArray<{ readonly id: string; readonly name: string }>; readonly kinds: readonly string[] };
  readonly purposes: readonly string[];
  readonly expiresAt: string | null;
  readonly expirationEvent: string | null;
  readonly signedAt: string | null;
  readonly revokedAt: string | null;
  /** As the decision would see it now: revoked, expired, defective (164.508(b)(2)) or valid. */
  readonly status: "valid" | "defective" | "expired" | "revoked";
  /** What makes it defective, each with its paragraph (the revocation itself is the status, not a defect). */
  readonly defects: AuthorizationVerdict["defects"];
}

/** A patient's authorizations, newest first; the patient named by MRN (never a URL), the reading audited. */
export async function authorizationsAs(caller: WebCaller, patientMrn: string, deps: PolicyDeps): Promise<AuthorizationView[]> {
  const actor = await keeper(caller, "authorizations", deps);
  const patientId = await patientByMrn(patientMrn, deps);
  const rows = await deps.policy.find("authorizations", { patientId });
  await deps.audit.append({ time: deps.now(), actor, action: "authorization.list", objects: [`patient:${patientId}`, ...rows.map((r) => `authorization:${r.id}`)], purpose: "operations", outcome: "success" });
  const now = deps.now();
  const out: AuthorizationView[] = [];
  for (const row of rows) {
    const a = authorizationOf(row, deps);
    const verdict = validateAuthorization(a, now);
    const revoked = a.revokedAt !== undefined && a.revokedAt <= now;
    const expired = verdict.defects.some((d) => d.citation === "164.508(b)(2)(i)");
    const names = await namesOf(deps, a.recipients.ids ?? []);
    const named = (a.recipients.ids ?? []).map((id) => ({ id, name: names.get(id)! }));
    out.push({
      id: row.id, filedAt: row.createdAt, description: a.description, recipients: { description: a.recipients.description, named, kinds: a.recipients.kinds ?? [] },
      purposes: a.purposes, expiresAt: a.expiresAt ?? null, expirationEvent: a.expirationEvent ?? null, signedAt: a.signedAt ?? null, revokedAt: row.revokedAt,
      status: revoked ? "revoked" : expired ? "expired" : verdict.valid ? "valid" : "defective",
      defects: verdict.defects.filter((d) => d.citation !== "164.508(b)(5)"),
    });
  }
  return out.reverse();
}

export async function addAuthorizationAs(caller: WebCaller, req: { form: AuthorizationForm; document: Uint8Array }, deps: RecordDeps): ReturnType<typeof addAuthorization> {
  const actor = await keeper(caller, "authorizations", deps);
  assertSignedPdf(req.document);
  return addAuthorization({ actor, ...req }, deps);
}

export async function revokeAuthorizationAs(caller: WebCaller, req: { id: string; receivedAt?: string }, deps: PolicyDeps): Promise<void> {
  const actor = await keeper(caller, "authorizations", deps);
  await revokeAuthorization({ actor, ...req }, deps);
}
