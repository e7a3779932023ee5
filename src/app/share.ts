/**
 * @module app/share
 * Use-case `rayvault share`: decide (#4) → prepare (the minimum-necessary plan applied to each instance
 * and checked, packaged as a zip with a DICOMDIR) → build the message for the channel the decision
 * allows (S/MIME signed then encrypted, PGP/MIME, or plain only to the patient who asked) → keep it
 * encrypted in the vault and queue it in the durable outbox → the worker sends it over SMTP with TLS and
 * records the disclosure (164.528) with its audit record. Nothing is built for a "no", and nothing
 * leaves by a channel the decision did not allow. The same request twice is one delivery.
 */
import { createHash, randomUUID } from "node:crypto";
import * as openpgp from "openpgp";
import { decryptField, encryptField } from "../core/crypto/field-crypto.ts";
import { DeliveryRefusedError, ErrorCode, RayvaultError, safeMessageOf } from "../core/errors.ts";
import type { KeyTransport, ContentCipher } from "../core/mail/cms.ts";
import { pgpMessage } from "../core/mail/pgp-message.ts";
import { newMessageId, plainMessage, smimeMessage, type MailEnvelope, type SecureContent } from "../core/mail/smime-message.ts";
import type { Channel } from "../core/policy/vocabulary.ts";
import { readBlob, type BlobStore } from "../ports/blob-store.ts";
import type { ClinicIdentity } from "../ports/clinic-identity.ts";
import type { DeliveryRow, DeliveryStore } from "../ports/delivery-store.ts";
import type { ImageRenderer, PreviewFormat } from "../ports/image-renderer.ts";
import type { MailTransport } from "../ports/mail-transport.ts";
import type { PhotoCodec } from "../ports/photo-codec.ts";
import type { PortalStore } from "../ports/portal-store.ts";
import type { CleanPixelsDeps } from "./clean-pixels.ts";
import { decide, pushable, type DecideDeps, type DecideRequest, type DecideResult } from "./decide.ts";
import { currentAddress, usableKeys } from "./manage-directory.ts";
import { packageStudy, prepareStudyInstances } from "./prepare-package.ts";
import { bundleFiles, outgoingInstance, unbundleFiles } from "../core/delivery/push-bundle.ts";
import type { DicomNodeStore, DicomSender } from "../ports/dicom-network.ts";

export interface ShareDeps extends DecideDeps {
  readonly blobs: BlobStore;
  /** Renders package previews (optional: without it, previews are refused). */
  readonly renderer?: ImageRenderer;
  /** Burned-in text search and cleaning (optional: without it, de-identified disclosures are refused). */
  readonly pixels?: CleanPixelsDeps;
  /** Cleans the labels of photos that leave under a de-identified plan. */
  readonly photos?: PhotoCodec;
  readonly deliveries: DeliveryStore;
  readonly clinic: ClinicIdentity;
  /** Undefined when no relay is configured: deliveries stay queued. */
  readonly transport?: MailTransport;
  /** The sender ("Name <address>") and its bare address. */
  readonly mail: { readonly from: string; readonly address: string; readonly maxBytes: number; readonly staleSeconds: number };
  /** Portal links (optional: without them, the portal channel is refused). */
  readonly portal?: PortalStore;
  readonly publicUrl?: string;
  /** Test seam: called at named points of delivery N so a test can kill the process there. */
  readonly deliveryFault?: (point: "mid-send" | "after-send", n: number) => void;
  /** DICOM push (optional: without them, the dicom-push channel is refused). */
  readonly dicomNodes?: DicomNodeStore;
  readonly dicomSender?: DicomSender;
  /** Our AE title, the calling AE of a push. */
  readonly dicomAeTitle?: string;
}

/** S/MIME profiles: standard (RSA-OAEP, AES-256-CBC: every current client), aead (AES-256-GCM), legacy (PKCS#1 v1.5: gpgsm 2.2, older Outlook). */
export const SMIME_PROFILES: Readonly<Record<string, { readonly keyTransport: KeyTransport; readonly cipher: ContentCipher }>> = {
  standard: { keyTransport: "rsa-oaep-sha256", cipher: "aes-256-cbc" },
  aead: { keyTransport: "rsa-oaep-sha256", cipher: "aes-256-gcm" },
  legacy: { keyTransport: "rsa-pkcs1v15", cipher: "aes-256-cbc" },
};

export interface ShareRequest extends DecideRequest {
  readonly smimeProfile?: string;
  /** Portal: a passcode the sender gives by phone; days the link lasts; downloads it allows. */
  readonly passcode?: string;
  readonly expiresDays?: number;
  readonly maxDownloads?: number;
  /** A JPEG or PNG preview of each image beside the DICOM files. */
  readonly previews?: PreviewFormat;
  /** The patient's photos (of films, screens) beside the study. */
  readonly photos?: boolean;
}

export interface ShareResult {
  readonly decision: DecideResult;
  readonly delivery?: DeliveryRow;
  /** Portal shares: the link (its token is only in the notification). */
  readonly link?: { readonly id: string; readonly expiresAt: string; readonly factor: string };
  /** False when the same share was already queued or sent (idempotent). */
  readonly created?: boolean;
  /** The message was too large for e-mail, so a portal link was sent instead. */
  readonly fellBackToPortal?: boolean;
}

const EMAIL_CHANNELS: ReadonlySet<Channel> = new Set(["smime", "pgp", "plain-email"]);
const SENDABLE: ReadonlySet<Channel> = new Set(["smime", "pgp", "plain-email", "portal", "dicom-push"]);

export async function share(req: ShareRequest, deps: ShareDeps): Promise<ShareResult> {
  // The sender must be allowed to send, not only to ask.
  const result = await decide({ ...req, action: "send" }, deps);
  const d = result.decision;
  if (d.outcome !== "permit" || !d.plan || !d.permission) return { decision: result };
  const channel = (req.channel ?? d.channels.find((c) => EMAIL_CHANNELS.has(c)) ?? d.channels.find((c) => c === "portal")) as Channel | undefined;
  if (!channel || !d.channels.includes(channel)) throw new RayvaultError(ErrorCode.UsageInvalid, `no channel to send by: allowed ${d.channels.join(", ") || "none"}`);
  if (!SENDABLE.has(channel)) throw new RayvaultError(ErrorCode.UsageInvalid, `${channel} is not a delivery channel: use smime, pgp, portal, dicom-push or (for the patient) plain-email`);
  const profile = SMIME_PROFILES[req.smimeProfile ?? "standard"];
  if (!profile) throw new RayvaultError(ErrorCode.UsageInvalid, `S/MIME profile: ${Object.keys(SMIME_PROFILES).join(", ")}`);

  // One delivery per study, recipient, purpose, channel and permission, however often it is asked.
  const key = createHash("sha256").update(JSON.stringify([result.study, req.recipientId, req.purpose, channel, d.permission.citation, req.selection, req.previews ?? null, req.photos === true])).digest("hex");
  const existing = await deps.deliveries.findByKey(key);
  if (existing && existing.status !== "failed") return { decision: result, delivery: existing, created: false };
  if (channel === "portal" && deps.portal) {
    // A portal share is the same while its link can still be used; a revoked, expired or used-up link gets a new one.
    const { linkUsable } = await import("./portal.ts");
    const link = await deps.portal.byShareKey(key);
    const notification = link ? await deps.deliveries.findByKey(`${key}:${link.id}`) : undefined;
    if (link && notification && notification.status !== "failed" && linkUsable(link, deps.now())) return { decision: result, delivery: notification, created: false };
  }

  if (channel === "dicom-push") return pushShare(req, result, key, deps);
  const address = await currentAddress(req.recipientId, req.email, deps);
  if (!address || address.verifiedAt === null) throw new RayvaultError(ErrorCode.UsageInvalid, "the recipient's address is not verified");
  const to = decryptField(deps.fields, "recipient_addresses.address", address.addressEnc);
  const packageOptions = { ...(req.previews ? { previews: req.previews } : {}), ...(req.photos ? { photos: true } : {}) };
  const { stream } = await packageStudy(result.study, d.plan, deps, packageOptions);
  /** The study as a portal link instead of a message: the package waits in the vault, a notification goes. */
  const viaPortal = async (pkg: AsyncIterable<Uint8Array>, fellBack: boolean): Promise<ShareResult> => {
    if (!deps.portal || !deps.publicUrl) throw new RayvaultError(ErrorCode.UsageInvalid, "portal links need the server's public address (RAYVAULT_PUBLIC_URL)");
    const { createPortalShare } = await import("./portal.ts");
    const made = await createPortalShare({
      actor: req.actor.id, studyId: result.study, recipientId: req.recipientId, addressId: address.id, purpose: req.purpose, citation: d.permission!.citation, accountable: d.accountable,
      package: pkg, idempotencyKey: key, expiresDays: req.expiresDays ?? 7, maxDownloads: req.maxDownloads ?? 3, ...(req.passcode !== undefined ? { passcode: req.passcode } : {}),
    }, { ...deps, portal: deps.portal, publicUrl: deps.publicUrl });
    return { decision: result, delivery: made.notification, created: true, link: { id: made.link.id, expiresAt: made.link.expiresAt, factor: made.link.factor }, ...(fellBack ? { fellBackToPortal: true } : {}) };
  };
  if (channel === "portal") return viaPortal(stream, false);
  const messageId = newMessageId(deps.mail.address);
  // Encrypted messages ask for the recipient system's disposition notification (Direct); plain ones do not.
  const envelope: MailEnvelope = { from: deps.mail.from, to, subject: "Secure message from your care provider", messageId, date: new Date(deps.now()), ...(channel === "plain-email" ? {} : { receiptTo: deps.mail.address }) };
  const content: SecureContent = {
    text: `Imaging shared with you through Rayvault. The attached zip holds DICOM files with a DICOMDIR${req.previews ? ` and a ${req.previews.toUpperCase()} preview of each image (folder PREVIEW)` : ""}${req.photos ? "; photos of the patient's films are in the folder PHOTO" : ""}. It was sent to you alone; do not forward it.`,
    attachment: { filename: "study.zip", contentType: "application/zip", bytes: stream },
  };
  let message: AsyncIterable<Uint8Array>;
  if (channel === "smime") {
    const signer = deps.clinic.smimeSigner();
    if (!signer) throw new RayvaultError(ErrorCode.KeyMissing, "the clinic's S/MIME certificate is not installed (rayvault mail identity)");
    const cert = (await usableKeys(req.recipientId, address.addressIdx, "smime", deps.now(), deps)).at(-1);
    if (!cert) throw new RayvaultError(ErrorCode.KeyMissing, "no S/MIME certificate for this address");
    const pem = decryptField(deps.fields, "recipient_keys.material", cert.materialEnc);
    const chain = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => Buffer.from(p.replace(/-----[^-]+-----|\s/g, ""), "base64"));
    // Checked again at sending: validity dates and the path to today's trust anchors.
    const path = await deps.keyReader.verifyChain(chain, deps.trustAnchors(), new Date(deps.now()), deps.crls());
    if (!path.ok) throw new RayvaultError(ErrorCode.KeyMissing, path.reason ?? "the recipient's certificate is no longer valid");
    const der = chain[0]!;
    message = smimeMessage(envelope, content, { recipients: [{ certificate: der, keyTransport: profile.keyTransport }], cipher: profile.cipher, signer });
  } else if (channel === "pgp") {
    const k = (await usableKeys(req.recipientId, address.addressIdx, "pgp", deps.now(), deps)).at(-1);
    if (!k) throw new RayvaultError(ErrorCode.KeyMissing, "no OpenPGP key for this address");
    const signingKey = await openpgp.readPrivateKey({ armoredKey: await deps.clinic.pgpPrivateKey() });
    message = pgpMessage(envelope, content, { recipientKey: decryptField(deps.fields, "recipient_keys.material", k.materialEnc), expectedFingerprint: k.fingerprint, signingKey });
  } else {
    // Plain: only reached when the decision allowed it (the patient's own request, warning acknowledged).
    message = plainMessage(envelope, content);
  }
  // Keep the message encrypted in the vault, counting its size: too big for e-mail is refused, not sent.
  const blobId = `msg-${randomUUID()}`;
  let bytes = 0;
  const counted = (async function* () {
    for await (const c of message) {
      bytes += c.length;
      if (bytes > deps.mail.maxBytes) throw new RayvaultError(ErrorCode.InputTooLarge, `the message exceeds ${Math.round(deps.mail.maxBytes / 1e6)} MB, too large to e-mail: use the portal (coming)`);
      yield c;
    }
  })();
  let blob;
  try {
    blob = await deps.blobs.put(blobId, counted);
  } catch (e) {
    // Too big to e-mail: the same study goes by portal link when the decision allows it, and says so.
    if (e instanceof RayvaultError && e.code === ErrorCode.InputTooLarge && d.channels.includes("portal") && deps.portal && deps.publicUrl && channel !== "plain-email") {
      return viaPortal((await packageStudy(result.study, d.plan, deps, packageOptions)).stream, true);
    }
    throw e;
  }
  await deps.index.recordDocument(blob);
  const now = deps.now();
  const row: DeliveryRow = {
    id: `dlv-${randomUUID()}`, kind: "message", idempotencyKey: key, messageId, channel, recipientId: req.recipientId, addressId: address.id, studyId: result.study, purpose: req.purpose,
    citation: d.permission.citation, accountable: d.accountable, messageBlobId: blobId, status: "queued", attempts: 0, nextAttemptAt: now, lastError: null, createdAt: now, createdBy: req.actor.id, sentAt: null,
  };
  const q = await deps.deliveries.enqueue(row, { time: now, actor: req.actor.id, action: "disclosure.queue", objects: [`delivery:${row.id}`, `study:${result.study}`, `recipient:${req.recipientId}`, `channel:${channel}`], purpose: req.purpose.slice(0, 40), outcome: "success" });
  return { decision: result, delivery: q.delivery, created: q.created };
}

/**
 * A DICOM push: the study prepared under the plan instance by instance (the same preparation and checks
 * as a package), kept encrypted in the vault as a bundle, queued for the recipient's node.
 */
async function pushShare(req: ShareRequest, result: DecideResult, key: string, deps: ShareDeps): Promise<ShareResult> {
  const d = result.decision;
  if (!deps.dicomNodes || !deps.dicomSender) throw new RayvaultError(ErrorCode.UsageInvalid, "DICOM push is not configured here");
  const node = (await deps.dicomNodes.nodesOf(req.recipientId)).find(pushable);
  if (!node) throw new RayvaultError(ErrorCode.KeyMissing, "no DICOM node for this recipient (with TLS, or attested private)");
  const files = (async function* () {
    for await (const p of prepareStudyInstances(result.study, d.plan!, deps)) yield p.bytes;
  })();
  const blob = await deps.blobs.put(`push-${randomUUID()}`, bundleFiles(files));
  await deps.index.recordDocument(blob);
  const now = deps.now();
  const row: DeliveryRow = {
    id: `dlv-${randomUUID()}`, kind: "message", idempotencyKey: key, messageId: `<${randomUUID()}@dicom-push>`, channel: "dicom-push", recipientId: req.recipientId, addressId: null, nodeId: node.id,
    studyId: result.study, purpose: req.purpose, citation: d.permission!.citation, accountable: d.accountable, messageBlobId: blob.id, status: "queued", attempts: 0, nextAttemptAt: now, lastError: null,
    createdAt: now, createdBy: req.actor.id, sentAt: null,
  };
  const q = await deps.deliveries.enqueue(row, { time: now, actor: req.actor.id, action: "disclosure.queue", objects: [`delivery:${row.id}`, `study:${result.study}`, `recipient:${req.recipientId}`, "channel:dicom-push", `node:${node.id}`], purpose: req.purpose.slice(0, 40), outcome: "success" });
  return { decision: result, delivery: q.delivery, created: q.created };
}

/** Pushes a queued bundle to its node; every instance must be stored (a retry sends them all again: a PACS keeps one per SOP Instance UID). */
async function sendPush(job: DeliveryRow, deps: ShareDeps): Promise<void> {
  if (!deps.dicomNodes || !deps.dicomSender) throw new RayvaultError(ErrorCode.UsageInvalid, "DICOM push is not configured here");
  const node = job.nodeId ? await deps.dicomNodes.node(job.nodeId) : undefined;
  if (!node || !pushable(node) || node.recipientId !== job.recipientId) throw new RayvaultError(ErrorCode.UsageInvalid, "the delivery's DICOM node was removed or changed");
  const instances = unbundleFiles(await readBlob(deps.blobs, job.messageBlobId)).map(outgoingInstance);
  const results = await deps.dicomSender.store({ aeTitle: node.aeTitle, host: node.host!, port: node.port!, tls: node.tls }, deps.dicomAeTitle ?? "RAYVAULT", instances);
  const bad = results.filter((r) => !r.ok);
  if (bad.length > 0) throw new RayvaultError(ErrorCode.DeliveryFailed, `${bad.length} of ${results.length} instance(s) not stored by ${node.aeTitle}: ${bad[0]!.reason ?? "no reason given"}`);
}

/** Backoff before attempt n+1: 1, 5, 25, 125 minutes; failed after 5 attempts. */
const BACKOFF_MIN = [1, 5, 25, 125];

/**
 * Sends what is due, one delivery at a time; returns what happened. A delivery that was "sending" when a
 * process died is taken again once stale (RAYVAULT_OUTBOX_STALE_SECONDS). A crash before the relay
 * accepted the message sends it once; a crash after the relay accepted it but before the record is
 * written sends it again with the same Message-ID, which receivers use to drop the repeat.
 */
export async function runOutbox(deps: ShareDeps, limit = 50, only?: string): Promise<Array<{ readonly id: string; readonly status: string; readonly error?: string }>> {
  const out: Array<{ id: string; status: string; error?: string }> = [];
  const push = deps.dicomSender !== undefined && deps.dicomNodes !== undefined;
  if (!deps.transport && !push) return out;
  // Without a relay, e-mail stays queued; without DICOM, pushes do.
  const channels = deps.transport && push ? undefined : deps.transport ? ["smime", "pgp", "plain-email", "portal"] : ["dicom-push"];
  for (let i = 0; i < limit; i++) {
    const now = deps.now();
    const job = await deps.deliveries.claim(now, new Date(Date.parse(now) - deps.mail.staleSeconds * 1000).toISOString(), only, channels);
    if (!job) break;
    if (job.channel === "dicom-push") {
      try {
        const study = await deps.index.findStudy({ id: job.studyId });
        if (!study) throw new RayvaultError(ErrorCode.NotFound, "the delivery's study is gone");
        await sendPush(job, deps);
        const at = deps.now();
        await deps.deliveries.markSent(job.id, at, {
          id: `dsc-${randomUUID()}`, deliveryId: job.id, patientId: study.patientId, studyId: job.studyId, recipientId: job.recipientId, purpose: job.purpose, citation: job.citation,
          descriptionEnc: encryptField(deps.fields, "disclosures.description", "imaging study (DICOM), dicom-push", deps.random.bytes(12)), accountable: job.accountable, channel: job.channel, disclosedAt: at,
        }, { time: at, actor: "system:outbox", action: "disclosure.send", objects: [`delivery:${job.id}`, `study:${job.studyId}`, `recipient:${job.recipientId}`, `node:${job.nodeId ?? ""}`, `rule:${job.citation}`], purpose: job.purpose.slice(0, 40), outcome: "success" });
        out.push({ id: job.id, status: "sent" });
      } catch (e) {
        const failed = job.attempts >= 5;
        const next = new Date(Date.parse(deps.now()) + (BACKOFF_MIN[job.attempts - 1] ?? 125) * 60_000).toISOString();
        await deps.deliveries.markRetry(job.id, safeMessageOf(e), next, failed, { time: deps.now(), actor: "system:outbox", action: failed ? "disclosure.send.failed" : "disclosure.send.retry", objects: [`delivery:${job.id}`], purpose: job.purpose.slice(0, 40), outcome: "failure" });
        out.push({ id: job.id, status: failed ? "failed" : "retrying", error: safeMessageOf(e) });
      }
      continue;
    }
    if (!deps.transport) break;
    const recipientAddress = job.addressId ? await deps.policy.get("addresses", job.addressId) : undefined;
    try {
      // Everything the record needs is looked up before sending: a failure after the relay accepted the
      // message would send it again. The address must still be the recipient's verified, current one.
      if (!recipientAddress || recipientAddress.verifiedAt === null || recipientAddress.supersededAt !== null) throw new RayvaultError(ErrorCode.UsageInvalid, "the delivery's address is no longer a verified, current address of the recipient");
      const to = decryptField(deps.fields, "recipient_addresses.address", recipientAddress.addressEnc);
      const study = await deps.index.findStudy({ id: job.studyId });
      if (!study) throw new RayvaultError(ErrorCode.NotFound, "the delivery's study is gone");
      const n = i + 1;
      const fault = deps.deliveryFault;
      const body = fault
        ? (async function* (src: AsyncIterable<Uint8Array>) {
            let first = true;
            for await (const c of src) {
              yield c;
              if (first) fault("mid-send", n);
              first = false;
            }
          })(deps.blobs.get(job.messageBlobId))
        : deps.blobs.get(job.messageBlobId);
      await deps.transport.send({ from: deps.mail.address, to, envelopeId: job.id }, body);
      deps.deliveryFault?.("after-send", n);
      const at = deps.now();
      await deps.deliveries.markSent(job.id, at, job.kind === "notification" ? undefined : {
        id: `dsc-${randomUUID()}`, deliveryId: job.id, patientId: study.patientId, studyId: job.studyId, recipientId: job.recipientId, purpose: job.purpose, citation: job.citation,
        descriptionEnc: encryptField(deps.fields, "disclosures.description", `imaging study (DICOM), ${job.channel}`, deps.random.bytes(12)), accountable: job.accountable, channel: job.channel, disclosedAt: at,
      }, { time: at, actor: "system:outbox", action: job.kind === "notification" ? "notification.send" : "disclosure.send", objects: [`delivery:${job.id}`, `study:${job.studyId}`, `recipient:${job.recipientId}`, `rule:${job.citation}`], purpose: job.purpose.slice(0, 40), outcome: "success" });
      out.push({ id: job.id, status: "sent" });
    } catch (e) {
      // A relay's permanent refusal (5xx: no such user, policy) is not retried: the sender must act.
      const failed = job.attempts >= 5 || (e instanceof DeliveryRefusedError && e.permanent);
      const next = new Date(Date.parse(deps.now()) + (BACKOFF_MIN[job.attempts - 1] ?? 125) * 60_000).toISOString();
      await deps.deliveries.markRetry(job.id, safeMessageOf(e), next, failed, { time: deps.now(), actor: "system:outbox", action: failed ? "disclosure.send.failed" : "disclosure.send.retry", objects: [`delivery:${job.id}`], purpose: job.purpose.slice(0, 40), outcome: "failure" });
      out.push({ id: job.id, status: failed ? "failed" : "retrying", error: safeMessageOf(e) });
    }
  }
  return out;
}
