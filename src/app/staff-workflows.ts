/**
 * @module app/staff-workflows
 * The records staff keep in the portal, for the roles that keep them: the directory (add a recipient,
 * record how an identity or an address was verified — front desk and privacy officer), the patients'
 * access requests (front desk, privacy officer) and the privacy officer's review queue. Each refusal is
 * audited with the rule; each change is audited by the use-case it calls.
 */
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { decryptField } from "../core/crypto/field-crypto.ts";
import type { Role } from "../core/access/decide-access.ts";
import { subjectOf, type WebCaller } from "./dicomweb.ts";
import { addRecipient, verifyAddress, verifyIdentity, type PolicyDeps } from "./manage-directory.ts";
import { completeAccessRequest, decideReview, listAccessRequests, listReviews } from "./manage-records.ts";

/** Who keeps which records (164.514(h) checks and the directory; 164.524 requests; 164.512 reviews). */
const KEEPERS = {
  directory: ["front-desk", "privacy-officer"],
  "access-requests": ["front-desk", "privacy-officer"],
  reviews: ["privacy-officer"],
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

// ---- Directory ----

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

export async function accessRequestsAs(caller: WebCaller, deps: PolicyDeps): Promise<AccessRequestView[]> {
  await keeper(caller, "access-requests", deps);
  const out: AccessRequestView[] = [];
  for (const r of await listAccessRequests(deps)) {
    const who = await deps.policy.get("recipients", r.requesterId);
    out.push({
      id: r.id, requester: { id: r.requesterId, name: name(deps, who?.nameEnc) }, receivedAt: r.receivedAt, dueAt: r.dueAt, overdue: r.overdue, format: r.format, channel: r.channel,
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
  await keeper(caller, "reviews", deps);
  const rows = await listReviews(false, deps);
  const out = [];
  for (const r of rows) {
    const who = await deps.policy.get("recipients", r.recipientId);
    out.push({ id: r.id, studyId: r.studyId, recipient: { id: r.recipientId, name: name(deps, who?.nameEnc) }, purpose: r.purpose, requestedAt: r.requestedAt, outcome: r.outcome, citation: r.citation, decidedAt: r.decidedAt });
  }
  return out;
}

export async function decideReviewAs(caller: WebCaller, req: { id: string; outcome: string; citation: string; note: string }, deps: PolicyDeps): Promise<void> {
  const actor = await keeper(caller, "reviews", deps);
  if (req.outcome !== "approved" && req.outcome !== "refused") throw new RayvaultError(ErrorCode.UsageInvalid, "outcome: approved or refused");
  await decideReview({ actor, id: req.id, outcome: req.outcome, citation: req.citation.trim(), note: req.note }, deps);
}
