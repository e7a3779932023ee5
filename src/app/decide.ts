/**
 * @module app/decide
 * Use-case `rayvault decide`: gathers the facts for one proposed disclosure — the sender's own access
 * (core/access, with their care relationship), the study and its patient, the recipient and the address
 * and keys chosen, agreements, authorizations, restrictions, the patient's access request, the privacy
 * officer's review — asks the pure decision (core/policy), previews exactly what would leave (each
 * attribute of the study's headers kept, changed or removed under the plan), queues a review when one is
 * needed, and audits the decision with its references.
 */
import { Action, decideAccess, Purpose, type AccessSubject } from "../core/access/decide-access.ts";
import { decryptField } from "../core/crypto/field-crypto.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { codecOfDataset, elementText } from "../core/dicom/text.ts";
import type { DicomElement } from "../core/dicom/dataset.ts";
import { decideDisclosure, type DisclosureDecision, type DisclosureFacts, type Restriction } from "../core/policy/decide-disclosure.ts";
import { inForceAt } from "../core/policy/dated-rules.ts";
import { findLookalike } from "../core/policy/lookalike.ts";
import { isValidNpi } from "../core/policy/npi.ts";
import { previewPlan, type DisclosurePreview, type PreviewAttribute } from "../core/policy/minimum-necessary.ts";
import { isDisclosurePurpose, type Channel, type DisclosurePurpose } from "../core/policy/vocabulary.ts";
import { memorySource } from "../ports/byte-source.ts";
import { readBlob, type BlobStore } from "../ports/blob-store.ts";
import type { CareTeam } from "../ports/care-team.ts";
import { currentAddress, usableKeys, type PolicyDeps } from "./manage-directory.ts";
import { authorizationsOf, requestReview, studyRef } from "./manage-records.ts";
import type { DicomNodeRow, DicomNodeStore } from "../ports/dicom-network.ts";

/** A node we may push PHI to: an address, and TLS or the operator's attestation of a private network. */
export function pushable(n: DicomNodeRow): boolean {
  return n.removedAt === null && n.recipientId !== null && n.host !== null && n.port !== null && (n.tls || n.privateNetwork);
}

export type DecideDeps = PolicyDeps & { readonly blobs: BlobStore; readonly care: CareTeam; readonly dicomNodes?: DicomNodeStore };

export interface DecideRequest {
  /** The sender: whose disclosure this is (their role and purpose of use are decided first). */
  readonly actor: AccessSubject;
  readonly study: string;
  readonly recipientId: string;
  readonly purpose: string;
  readonly channel?: string;
  /** Which of the recipient's addresses; default: their verified current one. */
  readonly email?: string;
  readonly selection: "study" | "entire-record";
  readonly justification?: string;
  readonly emergency?: boolean;
  readonly relationshipAttested?: boolean;
  /** What the sender's access is decided for: asking (decide) or sending (share). Default: decide. */
  readonly action?: "decide" | "send";
}

export interface DecideResult {
  readonly decision: DisclosureDecision;
  readonly preview?: DisclosurePreview;
  /** The review queued for the privacy officer (needs-review). */
  readonly reviewId?: string;
  readonly study: string;
  readonly recipient: string;
}

/** The purpose of use the sender's access is decided for (core/access), from the disclosure purpose. */
function purposeOfUse(p: string): string {
  if (p === "treatment" || p === "payment" || p === "operations") return p;
  // Disclosures the patient asked for or authorized are handled at the patient's request.
  if (p === "patient-access" || p === "authorized" || p === "underwriting" || p === "marketing" || p === "sale") return Purpose.PatientRequest;
  return isDisclosurePurpose(p) ? Purpose.Operations : p;
}

/** The distinct top-level attributes of a few of the study's instances (headers only, values only for UIDs). */
async function studyAttributes(studyId: string, deps: DecideDeps): Promise<PreviewAttribute[]> {
  const seen = new Map<string, PreviewAttribute>();
  // The first instance of each series first (attributes differ by series more than within one), then the rest: eight at most.
  const seenSeries = new Set<string>();
  const first: string[] = [];
  const rest: string[] = [];
  for (const i of await deps.index.studyInstances(studyId)) {
    (seenSeries.has(i.seriesId) ? rest : first).push(i.blobId);
    seenSeries.add(i.seriesId);
  }
  for (const blobId of [...first, ...rest].slice(0, 8)) {
    const file = parseDicom(memorySource(await readBlob(deps.blobs, blobId)));
    const codec = codecOfDataset(file.dataset);
    let creator: Map<number, string> | undefined;
    for (const e of file.dataset as readonly DicomElement[]) {
      const group = e.tag >>> 16;
      if (group % 2 === 1 && (e.tag & 0xffff) >= 0x10 && (e.tag & 0xffff) <= 0xff) (creator ??= new Map()).set((group << 16) | (e.tag & 0xff), elementText(e, codec).trim());
      const owner = group % 2 === 1 ? creator?.get((group << 16) | ((e.tag >>> 8) & 0xff)) : undefined;
      const key = `${e.tag}/${owner ?? ""}`;
      if (!seen.has(key)) seen.set(key, { tag: e.tag, vr: e.vr, ...(owner ? { privateCreator: owner } : {}), ...(e.vr === "UI" ? { text: elementText(e, codec) } : {}) });
    }
  }
  return [...seen.values()];
}

export async function decide(req: DecideRequest, deps: DecideDeps): Promise<DecideResult> {
  const now = deps.now();
  const study = await studyRef(req.study, deps);
  const recipient = await deps.policy.get("recipients", req.recipientId);
  const careRelationship = await deps.care.isTreating(req.actor.id.replace(/^user:/, ""), study.patientId, now);
  const access = decideAccess({ subject: req.actor, action: req.action === "send" ? Action.DisclosureSend : Action.DisclosureDecide, purpose: purposeOfUse(req.purpose), careRelationship, now });

  let address: DisclosureFacts["address"];
  let keys = { smime: false, pgp: false, dicomNode: false, portalFactor: false };
  if (recipient) {
    const a = await currentAddress(recipient.id, req.email, deps);
    if (a) {
      const all = (await deps.policy.find("addresses", {})).filter((x) => x.supersededAt === null && x.recipientId !== recipient.id);
      const others = all.map((x) => ({ id: x.recipientId, address: decryptField(deps.fields, "recipient_addresses.address", x.addressEnc) }));
      const flag = findLookalike(decryptField(deps.fields, "recipient_addresses.address", a.addressEnc), others.map((o) => o.address));
      const similar = flag ? others.find((o) => o.address === flag.similarTo || o.address.endsWith(`@${flag.similarTo}`)) : undefined;
      address = {
        verified: a.verifiedAt !== null,
        ...(flag ? { lookalikeOf: { recipientRef: similar ? `recipient:${similar.id}` : `provider-domain:${flag.similarTo}`, reasons: flag.reasons } } : {}),
        ...(recipient.lastDisclosedAddressId !== null && recipient.lastDisclosedAddressId !== a.id ? { changedSinceLastDisclosure: true } : {}),
      };
      const usable = await usableKeys(recipient.id, a.addressIdx, undefined, now, deps);
      keys = { smime: usable.some((k) => k.kind === "smime"), pgp: usable.some((k) => k.kind === "pgp"), dicomNode: false, portalFactor: false };
    }
  }
  // A DICOM node of the recipient's, reachable over TLS or on a network the operator attested as private.
  if (recipient && deps.dicomNodes) keys = { ...keys, dicomNode: (await deps.dicomNodes.nodesOf(recipient.id)).some(pushable) };
  const agreements = recipient ? await deps.policy.find("agreements", { recipientId: recipient.id }) : [];
  const restrictions: Restriction[] = (await deps.policy.find("restrictions", { patientId: study.patientId })).map((x) => ({
    id: x.id, kind: x.kind === "self-pay" ? "self-pay" : "agreed", ...(x.terminatedAt ? { terminatedAt: x.terminatedAt } : {}),
    ...(x.spec["purposes"] ? { purposes: x.spec["purposes"] as DisclosurePurpose[] } : {}), ...(x.spec["recipientKinds"] ? { recipientKinds: x.spec["recipientKinds"] } : {}),
    ...(x.spec["recipientIds"] ? { recipientIds: x.spec["recipientIds"] } : {}), ...(x.spec["studyRefs"] ? { studyRefs: x.spec["studyRefs"] } : {}),
  }));
  const access_ = recipient ? (await deps.policy.find("accessRequests", { patientId: study.patientId, requesterId: recipient.id })).filter((x) => x.completedAt === null).at(-1) : undefined;
  const review = recipient && isDisclosurePurpose(req.purpose) ? (await deps.policy.find("reviews", { studyId: study.id, recipientId: recipient.id, purpose: req.purpose })).filter((x) => x.outcome !== null).at(-1) : undefined;

  const facts: DisclosureFacts = {
    now,
    actor: { allowed: access.allowed, rule: access.rule, reason: `${access.reason} (${access.rule})` },
    study: { ref: study.id, patientRef: study.patientId, ...(study.date ? { date: study.date } : {}) },
    ...(recipient ? { recipient: { id: recipient.id, kind: recipient.kind, identityVerified: recipient.identityVerifiedAt !== null, ...(recipient.kind === "provider" && recipient.npi ? { npiValid: isValidNpi(recipient.npi) } : {}), ...(recipient.patientId ? { patientRef: recipient.patientId } : {}) } } : {}),
    ...(address ? { address } : {}),
    deliveryKeys: keys,
    baas: agreements.filter((x) => x.kind === "baa").map((x) => ({ id: x.id, effectiveAt: x.effectiveAt, scope: x.scope as DisclosurePurpose[], ...(x.endsAt ? { endsAt: x.endsAt } : {}), ...(x.terminatedAt ? { terminatedAt: x.terminatedAt } : {}) })),
    // A data use agreement counts only for the purposes it covers.
    dataUseAgreement: agreements.some((x) => x.kind === "dua" && inForceAt(x, now) && x.scope.includes(req.purpose)),
    authorizations: await authorizationsOf(study.patientId, deps),
    restrictions,
    ...(access_ ? { accessRequest: { id: access_.id, receivedAt: access_.receivedAt, identityVerified: access_.identityVerifiedAt !== null, ...(access_.plainEmailAckAt ? { plainEmailAcknowledgedAt: access_.plainEmailAckAt } : {}) } } : {}),
    ...(access_ ? { confidentialChannels: [access_.channel as Channel, ...(access_.channel === "plain-email" ? [] : ["portal" as Channel])] } : {}),
    relationshipAttested: req.relationshipAttested === true,
    ...(review ? { review: { outcome: review.outcome === "approved" ? "approved" : "refused", citation: review.citation ?? "" } } : {}),
  };
  const decision = decideDisclosure({ purpose: req.purpose, selection: req.selection, ...(req.channel ? { channel: req.channel } : {}), ...(req.justification ? { justification: req.justification } : {}), ...(req.emergency ? { emergency: true } : {}) }, facts);

  const reviewId = decision.outcome === "needs-review" && recipient && isDisclosurePurpose(req.purpose)
    ? await requestReview({ actor: req.actor.id, studyId: study.id, recipientId: recipient.id, purpose: req.purpose }, deps)
    : undefined;
  const preview = decision.plan ? previewPlan(decision.plan, await studyAttributes(study.id, deps)) : undefined;
  await deps.audit.append({
    time: now, actor: req.actor.id, action: "disclosure.decide",
    objects: [`study:${study.id}`, `recipient:${req.recipientId.slice(0, 60)}`, `outcome:${decision.outcome}`, ...(decision.permission ? [`rule:${decision.permission.citation}`] : decision.basis.length > 0 ? [`rule:${decision.basis.at(-1)!.citation}`] : [])],
    purpose: req.purpose.slice(0, 40), outcome: decision.outcome === "permit" ? "success" : "refused",
  });
  return { decision, ...(preview ? { preview } : {}), ...(reviewId ? { reviewId } : {}), study: study.id, recipient: req.recipientId };
}
