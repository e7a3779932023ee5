/**
 * @module app/manage-records
 * Use-cases behind `rayvault agreement|authorization|restriction|access-request|review|incident …`: the
 * records a disclosure decision rests on. Signed documents go into the vault; forms and free text are
 * stored encrypted; every change is audited. Authorizations are validated when filed (the defects are
 * shown) and again at every decision; access requests carry the 30-day clock and its one extension
 * (dated data); the unencrypted-e-mail warning is versioned text whose acknowledgement is recorded.
 */
import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { blindIndex, decryptField, encryptField } from "../core/crypto/field-crypto.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { validateAuthorization, type Authorization, type AuthorizationVerdict } from "../core/policy/authorization.ts";
import { addDays, deadline } from "../core/policy/dated-rules.ts";
import { assessIncident, IncidentKind, type IncidentAssessment, type IncidentFacts } from "../core/policy/incident.ts";
import { isChannel, isDisclosurePurpose, isRecipientKind, REVIEW_PATHS, type DisclosurePurpose } from "../core/policy/vocabulary.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import type { AccessRequestRow, AuthorizationRow, ReviewRow } from "../ports/policy-store.ts";
import { patientByMrn, recipientById, type PolicyDeps } from "./manage-directory.ts";

export type RecordDeps = PolicyDeps & { readonly blobs: BlobStore };

const event = (deps: PolicyDeps, actor: string, action: string, objects: string[], purpose = "operations"): AuditEvent => ({ time: deps.now(), actor, action, objects, purpose, outcome: "success" });
const iso = (d: string, what: string): string => {
  const t = Date.parse(d);
  if (Number.isNaN(t)) throw new RayvaultError(ErrorCode.UsageInvalid, `${what} must be a date (YYYY-MM-DD or an ISO time)`);
  return new Date(t).toISOString();
};

/** Stores a signed document in the vault and records it; returns its blob id. */
async function storeDocument(bytes: Uint8Array, deps: RecordDeps): Promise<string> {
  if (bytes.length === 0) throw new RayvaultError(ErrorCode.UsageInvalid, "the signed document is empty");
  const id = `doc-${randomUUID()}`;
  const blob = await deps.blobs.put(id, (async function* () { yield bytes; })());
  await deps.index.recordDocument(blob);
  return id;
}

/** A study reference from a Study Instance UID (or an internal study id). */
export async function studyRef(study: string, deps: PolicyDeps): Promise<{ id: string; patientId: string; date?: string }> {
  const byId = /^[0-9a-f-]{36}$/.test(study) ? await deps.index.findStudy({ id: study }) : undefined;
  const found = byId ?? (await deps.index.findStudy({ uidIdx: blindIndex(deps.fields, "studies.uid", study) }));
  if (!found) throw new RayvaultError(ErrorCode.NotFound, "no such study in the vault");
  const raw = found.studyDateEnc ? decryptField(deps.fields, "studies.study_date", found.studyDateEnc) : "";
  const date = /^\d{8}$/.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}` : undefined;
  return { id: found.id, patientId: found.patientId, ...(date ? { date } : {}) };
}

// ---- Agreements (BAA 164.504(e), DUA 164.514(e)(4)) ----

export async function addAgreement(
  req: { actor: string; recipientId: string; kind: "baa" | "dua"; parties: string; effective: string; ends?: string; scope: readonly string[]; document: Uint8Array },
  deps: RecordDeps,
): Promise<string> {
  const r = await recipientById(req.recipientId, deps);
  if (req.kind === "baa" && r.kind !== "business-associate") throw new RayvaultError(ErrorCode.UsageInvalid, "a BAA is with a business associate: add the recipient with --kind business-associate");
  if (req.scope.length === 0 || !req.scope.every(isDisclosurePurpose)) throw new RayvaultError(ErrorCode.UsageInvalid, "scope: one or more purposes (treatment, payment, operations, research…)");
  if (req.parties.trim().length < 3) throw new RayvaultError(ErrorCode.UsageInvalid, "the agreement's parties are required");
  const effectiveAt = iso(req.effective, "--effective");
  const endsAt = req.ends !== undefined ? iso(req.ends, "--ends") : null;
  if (endsAt !== null && endsAt <= effectiveAt) throw new RayvaultError(ErrorCode.UsageInvalid, "the agreement ends before it starts");
  const documentBlobId = await storeDocument(req.document, deps);
  const id = `agr-${randomUUID()}`;
  await deps.policy.insert("agreements", {
    id, kind: req.kind, recipientId: req.recipientId, partiesEnc: encryptField(deps.fields, "agreements.parties", req.parties, deps.random.bytes(12)), effectiveAt, endsAt,
    terminatedAt: null, scope: [...req.scope], documentBlobId, createdAt: deps.now(), createdBy: req.actor,
  }, event(deps, req.actor, `agreement.${req.kind}.add`, [`agreement:${id}`, `recipient:${req.recipientId}`, `blob:${documentBlobId}`]));
  return id;
}

export async function terminateAgreement(req: { actor: string; id: string; at?: string }, deps: PolicyDeps): Promise<void> {
  const at = req.at ? iso(req.at, "--at") : deps.now();
  const row = await deps.policy.get("agreements", req.id);
  if (!row) throw new RayvaultError(ErrorCode.NotFound, "no such agreement");
  // A termination in effect is part of the record: it is not moved (a scheduled one may still be brought forward).
  if (row.terminatedAt !== null && row.terminatedAt <= deps.now()) throw new RayvaultError(ErrorCode.UsageInvalid, `the agreement was already terminated on ${row.terminatedAt.slice(0, 10)}`);
  if (at < row.effectiveAt) throw new RayvaultError(ErrorCode.UsageInvalid, "the agreement cannot end before it took effect");
  // Only if no one changed the termination meanwhile (compare-and-set): the checks above hold when it is written.
  const done = await deps.policy.updateIf("agreements", req.id, { terminatedAt: row.terminatedAt }, { terminatedAt: at }, event(deps, req.actor, "agreement.terminate", [`agreement:${req.id}`]));
  if (!done) throw new RayvaultError(ErrorCode.UsageInvalid, "the agreement's termination was changed meanwhile: look at it again");
}

// ---- Authorizations (164.508) ----

/** The form as filed: the Authorization fields, with study UIDs instead of references and the patient's MRN. */
export interface AuthorizationForm extends Omit<Authorization, "id" | "scope" | "revokedAt" | "documentBlob"> {
  readonly patientMrn: string;
  readonly scope: { readonly studyUids?: readonly string[]; readonly from?: string; readonly to?: string };
}

export async function addAuthorization(req: { actor: string; form: AuthorizationForm; document: Uint8Array }, deps: RecordDeps): Promise<{ readonly id: string; readonly verdict: AuthorizationVerdict }> {
  const f = req.form;
  if (typeof f !== "object" || f === null || typeof f.patientMrn !== "string") throw new RayvaultError(ErrorCode.UsageInvalid, "the authorization form must be a JSON object with patientMrn and the 164.508 fields");
  const purposes: unknown = f.purposes;
  if (!Array.isArray(purposes) || !purposes.every((p) => typeof p === "string" && isDisclosurePurpose(p))) throw new RayvaultError(ErrorCode.UsageInvalid, "purposes: a list of disclosure purposes");
  const kinds: readonly unknown[] = f.recipients?.kinds ?? [];
  if (!kinds.every((k) => typeof k === "string" && isRecipientKind(k))) throw new RayvaultError(ErrorCode.UsageInvalid, "recipients.kinds: unknown recipient kind");
  for (const rid of f.recipients?.ids ?? []) await recipientById(rid, deps);
  const patientId = await patientByMrn(f.patientMrn, deps);
  const studyRefs: string[] = [];
  for (const uid of f.scope?.studyUids ?? []) {
    const s = await studyRef(uid, deps);
    if (s.patientId !== patientId) throw new RayvaultError(ErrorCode.UsageInvalid, "a study in the scope belongs to another patient");
    studyRefs.push(s.id);
  }
  const id = `ath-${randomUUID()}`;
  const documentBlobId = await storeDocument(req.document, deps);
  const { patientMrn: _m, scope, ...rest } = f;
  const auth: Authorization = { ...rest, id, scope: { studyRefs, ...(scope?.from ? { from: scope.from } : {}), ...(scope?.to ? { to: scope.to } : {}) }, documentBlob: documentBlobId };
  const verdict = validateAuthorization(auth, deps.now());
  await deps.policy.insert("authorizations", {
    id, patientId, formEnc: encryptField(deps.fields, "authorizations.form", JSON.stringify(auth), deps.random.bytes(12)), documentBlobId, revokedAt: null, createdAt: deps.now(), createdBy: req.actor,
  }, event(deps, req.actor, "authorization.add", [`authorization:${id}`, `patient:${patientId}`, `blob:${documentBlobId}`, `valid:${verdict.valid}`]));
  return { id, verdict };
}

export async function revokeAuthorization(req: { actor: string; id: string; receivedAt?: string }, deps: PolicyDeps): Promise<void> {
  const now = deps.now();
  const at = req.receivedAt ? iso(req.receivedAt, "--received") : now;
  if (at > now) throw new RayvaultError(ErrorCode.UsageInvalid, "a revocation takes effect when it is received: that time cannot be in the future");
  const row = await deps.policy.get("authorizations", req.id);
  if (!row) throw new RayvaultError(ErrorCode.NotFound, "no such authorization");
  // The first revocation received is the one that counts (164.508(b)(5)): it is never moved.
  if (row.revokedAt !== null) throw new RayvaultError(ErrorCode.UsageInvalid, `the authorization was already revoked on ${row.revokedAt.slice(0, 10)}`);
  // Compare-and-set: of two revocations recorded at once, only the first is written.
  const done = await deps.policy.updateIf("authorizations", req.id, { revokedAt: null }, { revokedAt: at }, event(deps, req.actor, "authorization.revoke", [`authorization:${req.id}`]));
  if (!done) throw new RayvaultError(ErrorCode.UsageInvalid, "the authorization was already revoked");
}

/** One filed authorization as the decision sees it: the form decrypted, its revocation applied. */
export function authorizationOf(row: AuthorizationRow, deps: Pick<PolicyDeps, "fields">): Authorization {
  const a = JSON.parse(decryptField(deps.fields, "authorizations.form", row.formEnc)) as Authorization;
  return row.revokedAt ? { ...a, revokedAt: row.revokedAt } : a;
}

/** The patient's authorizations as the decision sees them (forms decrypted, revocation applied). */
export async function authorizationsOf(patientId: string, deps: PolicyDeps): Promise<Authorization[]> {
  return (await deps.policy.find("authorizations", { patientId })).map((row) => authorizationOf(row, deps));
}

export async function checkAuthorization(id: string, deps: PolicyDeps): Promise<AuthorizationVerdict> {
  const row = await deps.policy.get("authorizations", id);
  if (!row) throw new RayvaultError(ErrorCode.NotFound, "no such authorization");
  return validateAuthorization(authorizationOf(row, deps), deps.now());
}

// ---- Restrictions (164.522(a)) ----

export async function addRestriction(
  req: { actor: string; patientMrn: string; kind: "self-pay" | "agreed"; purposes?: readonly string[]; recipientKinds?: readonly string[]; recipientIds?: readonly string[]; studyUids?: readonly string[] },
  deps: PolicyDeps,
): Promise<string> {
  const patientId = await patientByMrn(req.patientMrn, deps);
  if (req.purposes && !req.purposes.every(isDisclosurePurpose)) throw new RayvaultError(ErrorCode.UsageInvalid, "unknown purpose in the restriction");
  if (req.recipientKinds && !req.recipientKinds.every(isRecipientKind)) throw new RayvaultError(ErrorCode.UsageInvalid, "unknown recipient kind in the restriction");
  const studyRefs: string[] = [];
  for (const uid of req.studyUids ?? []) studyRefs.push((await studyRef(uid, deps)).id);
  const spec: Record<string, string[]> = {
    ...(req.purposes ? { purposes: [...req.purposes] } : {}), ...(req.recipientKinds ? { recipientKinds: [...req.recipientKinds] } : {}),
    ...(req.recipientIds ? { recipientIds: [...req.recipientIds] } : {}), ...(studyRefs.length > 0 ? { studyRefs } : {}),
  };
  const id = `rst-${randomUUID()}`;
  await deps.policy.insert("restrictions", { id, patientId, kind: req.kind, spec, agreedAt: deps.now(), terminatedAt: null, createdBy: req.actor }, event(deps, req.actor, "restriction.add", [`restriction:${id}`, `patient:${patientId}`, `kind:${req.kind}`]));
  return id;
}

export async function endRestriction(req: { actor: string; id: string }, deps: PolicyDeps): Promise<void> {
  const r = await deps.policy.get("restrictions", req.id);
  if (!r) throw new RayvaultError(ErrorCode.NotFound, "no such restriction");
  // 164.522(a)(2)(iii): the clinic may not end a self-pay restriction on its own.
  if (r.kind === "self-pay") throw new RayvaultError(ErrorCode.UsageInvalid, "a self-pay restriction cannot be ended by the clinic (164.522(a)(2)(iii)); only the patient can, in writing");
  await deps.policy.update("restrictions", req.id, { terminatedAt: deps.now() }, event(deps, req.actor, "restriction.end", [`restriction:${req.id}`]));
}

// ---- Access requests (164.524) ----

/** The risk warning shown before unencrypted e-mail (164.524(c)(2); 78 FR 5634), versioned. */
export const PLAIN_EMAIL_WARNING = {
  version: "2026-11-1",
  text: "Unencrypted e-mail can be read by others while it travels between mail servers. Your images would leave the clinic's protection once sent; the clinic is not responsible for what happens to them in transit or after they arrive. You can instead get them through the secure portal or by encrypted e-mail. Do you still want them by unencrypted e-mail?",
} as const;

export const ACCESS_FORMATS = ["dicom", "jpeg", "pdf"] as const;

export async function openAccessRequest(req: { actor: string; patientMrn: string; requesterId: string; format: string; channel: string; receivedAt?: string }, deps: PolicyDeps): Promise<AccessRequestRow> {
  const patientId = await patientByMrn(req.patientMrn, deps);
  const requester = await recipientById(req.requesterId, deps);
  return openAccessRequestFor({ ...req, patientId, identityVerifiedAt: requester.identityVerifiedAt }, deps);
}

/**
 * A request by patient reference; `identityVerifiedAt` (and how, for the audit record) when the requester's
 * identity was checked as the request came in (the patient's own page), else the directory's check.
 */
export async function openAccessRequestFor(
  req: { actor: string; patientId: string; requesterId: string; format: string; channel: string; receivedAt?: string; identityVerifiedAt: string | null; identityMethod?: string },
  deps: PolicyDeps,
): Promise<AccessRequestRow> {
  const { patientId } = req;
  const requester = await recipientById(req.requesterId, deps);
  if (requester.patientId !== patientId || (requester.kind !== "patient" && requester.kind !== "personal-representative")) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "the requester must be the patient or their personal representative in the directory (a copy to someone else needs an authorization)");
  }
  if (!(ACCESS_FORMATS as readonly string[]).includes(req.format)) throw new RayvaultError(ErrorCode.UsageInvalid, `format: ${ACCESS_FORMATS.join(", ")}`);
  if (!isChannel(req.channel)) throw new RayvaultError(ErrorCode.UsageInvalid, "channel: smime, pgp, portal, plain-email");
  const receivedAt = req.receivedAt ? iso(req.receivedAt, "--received") : deps.now();
  const row: AccessRequestRow = {
    id: `acc-${randomUUID()}`, patientId, requesterId: req.requesterId, receivedAt, dueAt: addDays(receivedAt, deadline("access-response").days!),
    extendedAt: null, extensionReasonEnc: null, identityVerifiedAt: req.identityVerifiedAt, format: req.format, channel: req.channel,
    warningVersion: null, plainEmailAckAt: null, completedAt: null, createdBy: req.actor,
  };
  const how = req.identityMethod ? [`identity:${req.identityMethod.replace(/\s+/g, "-").slice(0, 80)}`] : [];
  await deps.policy.insert("accessRequests", row, event(deps, req.actor, "access-request.open", [`access-request:${row.id}`, `patient:${patientId}`, `recipient:${req.requesterId}`, ...how], "patient-request"));
  return row;
}

async function accessRequest(id: string, deps: PolicyDeps): Promise<AccessRequestRow> {
  const r = await deps.policy.get("accessRequests", id);
  if (!r) throw new RayvaultError(ErrorCode.NotFound, "no such access request");
  return r;
}

export async function verifyAccessRequester(req: { actor: string; id: string }, deps: PolicyDeps): Promise<void> {
  await accessRequest(req.id, deps);
  await deps.policy.update("accessRequests", req.id, { identityVerifiedAt: deps.now() }, event(deps, req.actor, "access-request.verify-identity", [`access-request:${req.id}`], "patient-request"));
}

export async function acknowledgePlainEmailWarning(req: { actor: string; id: string; version: string }, deps: PolicyDeps): Promise<void> {
  const r = await accessRequest(req.id, deps);
  if (req.version !== PLAIN_EMAIL_WARNING.version) throw new RayvaultError(ErrorCode.UsageInvalid, `the patient must acknowledge the current warning (version ${PLAIN_EMAIL_WARNING.version})`);
  if (r.channel !== "plain-email") throw new RayvaultError(ErrorCode.UsageInvalid, "this request did not ask for unencrypted e-mail");
  await deps.policy.update("accessRequests", req.id, { warningVersion: req.version, plainEmailAckAt: deps.now() }, event(deps, req.actor, "access-request.plain-email-acknowledged", [`access-request:${req.id}`, `warning:${req.version}`], "patient-request"));
}

/** One extension of up to 30 days, with a written reason, decided within the first 30 days (164.524(b)(2)(ii)). */
export async function extendAccessRequest(req: { actor: string; id: string; reason: string }, deps: PolicyDeps): Promise<string> {
  const r = await accessRequest(req.id, deps);
  const ext = deadline("access-extension");
  if (r.extendedAt !== null) throw new RayvaultError(ErrorCode.UsageInvalid, `only ${ext.maxExtensions} extension is allowed (${ext.citation})`);
  if (deps.now() >= r.dueAt) throw new RayvaultError(ErrorCode.UsageInvalid, `the extension must be given within the first ${deadline("access-response").days} days (${ext.citation}); the request is overdue`);
  if (req.reason.trim().length < 10) throw new RayvaultError(ErrorCode.UsageInvalid, "the patient must be told the reason for the delay in writing");
  const due = addDays(r.dueAt, ext.days!);
  await deps.policy.update("accessRequests", req.id, { extendedAt: deps.now(), dueAt: due, extensionReasonEnc: encryptField(deps.fields, "access_requests.extension_reason", req.reason, deps.random.bytes(12)) }, event(deps, req.actor, "access-request.extend", [`access-request:${req.id}`], "patient-request"));
  return due;
}

export async function completeAccessRequest(req: { actor: string; id: string }, deps: PolicyDeps): Promise<void> {
  await accessRequest(req.id, deps);
  await deps.policy.update("accessRequests", req.id, { completedAt: deps.now() }, event(deps, req.actor, "access-request.complete", [`access-request:${req.id}`], "patient-request"));
}

export async function listAccessRequests(deps: PolicyDeps): Promise<Array<AccessRequestRow & { readonly overdue: boolean }>> {
  const now = deps.now();
  return (await deps.policy.find("accessRequests", {})).map((r) => ({ ...r, extensionReasonEnc: null, overdue: r.completedAt === null && r.dueAt <= now }));
}

// ---- The privacy officer's review queue (164.510, 164.512) ----

export async function requestReview(req: { actor: string; studyId: string; recipientId: string; purpose: DisclosurePurpose }, deps: PolicyDeps): Promise<string> {
  const pending = (await deps.policy.find("reviews", { studyId: req.studyId, recipientId: req.recipientId, purpose: req.purpose })).find((r) => r.outcome === null);
  if (pending) return pending.id;
  const id = `rev-${randomUUID()}`;
  await deps.policy.insert("reviews", { id, studyId: req.studyId, recipientId: req.recipientId, purpose: req.purpose, requestedBy: req.actor, requestedAt: deps.now(), outcome: null, citation: null, noteEnc: null, decidedBy: null, decidedAt: null },
    event(deps, req.actor, "disclosure.review.request", [`review:${id}`, `study:${req.studyId}`, `recipient:${req.recipientId}`], "operations"));
  return id;
}

export async function decideReview(req: { actor: string; id: string; outcome: "approved" | "refused"; citation: string; note: string }, deps: PolicyDeps): Promise<void> {
  const r = await deps.policy.get("reviews", req.id);
  if (!r) throw new RayvaultError(ErrorCode.NotFound, "no such review");
  if (r.outcome !== null) throw new RayvaultError(ErrorCode.UsageInvalid, `already ${r.outcome}`);
  const path = REVIEW_PATHS[r.purpose as DisclosurePurpose];
  if (!path) throw new RayvaultError(ErrorCode.UsageInvalid, "this purpose does not go through review");
  if (!req.citation.startsWith(path.citation)) throw new RayvaultError(ErrorCode.UsageInvalid, `the paragraph relied on must be under ${path.citation} (e.g. ${path.citation}(1))`);
  if (req.note.trim().length < 10) throw new RayvaultError(ErrorCode.UsageInvalid, "record why (the documents received, the conditions checked)");
  await deps.policy.update("reviews", req.id, { outcome: req.outcome, citation: req.citation, noteEnc: encryptField(deps.fields, "disclosure_reviews.note", req.note, deps.random.bytes(12)), decidedBy: req.actor, decidedAt: deps.now() },
    event(deps, req.actor, `disclosure.review.${req.outcome === "approved" ? "approve" : "refuse"}`, [`review:${req.id}`, `citation:${req.citation}`]));
}

export async function listReviews(pendingOnly: boolean, deps: PolicyDeps): Promise<ReviewRow[]> {
  return (await deps.policy.find("reviews", {})).filter((r) => !pendingOnly || r.outcome === null).map((r) => ({ ...r, noteEnc: null }));
}

// ---- Incidents (164.402–164.414) ----

export async function openIncident(req: { actor: string; facts: IncidentFacts }, deps: PolicyDeps): Promise<{ readonly id: string; readonly assessment: IncidentAssessment }> {
  if (!(Object.values(IncidentKind) as string[]).includes(req.facts.kind)) throw new RayvaultError(ErrorCode.UsageInvalid, `kind: ${Object.values(IncidentKind).join(", ")}`);
  const facts = { ...req.facts, discoveredAt: iso(req.facts.discoveredAt, "--discovered") };
  const assessment = assessIncident(facts);
  const id = `inc-${randomUUID()}`;
  await deps.policy.insert("incidents", { id, kind: facts.kind, discoveredAt: facts.discoveredAt, factsEnc: encryptField(deps.fields, "incidents.facts", JSON.stringify(facts), deps.random.bytes(12)), status: assessment.status, createdAt: deps.now(), createdBy: req.actor },
    event(deps, req.actor, "incident.open", [`incident:${id}`, `status:${assessment.status}`]));
  return { id, assessment };
}

export async function assessRecordedIncident(req: { actor: string; id: string; assessment?: IncidentFacts["assessment"]; exclusion?: IncidentFacts["exclusion"] }, deps: PolicyDeps): Promise<IncidentAssessment> {
  const row = await deps.policy.get("incidents", req.id);
  if (!row) throw new RayvaultError(ErrorCode.NotFound, "no such incident");
  const facts = { ...(JSON.parse(decryptField(deps.fields, "incidents.facts", row.factsEnc)) as IncidentFacts), ...(req.assessment ? { assessment: req.assessment } : {}), ...(req.exclusion ? { exclusion: req.exclusion } : {}) };
  const a = assessIncident(facts);
  if (req.assessment || req.exclusion) {
    await deps.policy.update("incidents", req.id, { factsEnc: encryptField(deps.fields, "incidents.facts", JSON.stringify(facts), deps.random.bytes(12)), status: a.status }, event(deps, req.actor, "incident.assess", [`incident:${req.id}`, `status:${a.status}`]));
  }
  return a;
}
