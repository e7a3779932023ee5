/**
 * @module app/portal
 * Portal links (the secure "pull" delivery): the study, prepared under the minimum-necessary plan, waits
 * encrypted in the vault; the recipient gets a notification with no PHI and an unguessable link (256
 * bits, only its hash stored); before anything is shown they prove who they are (164.514(h)) with a
 * one-time code sent to their verified address, or a passcode the sender gave them by phone; the link
 * expires, has a download limit, and can be revoked. Every step is audited, and the first download is
 * the disclosure recorded for the accounting.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { decryptField, encryptField } from "../core/crypto/field-crypto.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import type { DeliveryRow } from "../ports/delivery-store.ts";
import type { PortalLinkRow, PortalStore } from "../ports/portal-store.ts";
import { messageHeaders, newMessageId } from "../core/mail/smime-message.ts";
import type { ShareDeps } from "./share.ts";
import type { ArchiveReader } from "../ports/archive-reader.ts";
import { readBlob } from "../ports/blob-store.ts";

export type PortalDeps = ShareDeps & {
  readonly portal: PortalStore;
  /** Reads a package back for the in-browser viewer; without it the viewer is off (download only). */
  readonly archive?: ArchiveReader;
  /** The address recipients reach the server at (the links point there). */
  readonly publicUrl: string;
};

/** SHA-256 of a value under a salt (a link's or a sign-in's id): what tokens, codes and sessions are kept as. */
export const saltedHash = (salt: string, v: string): string => createHash("sha256").update(salt).update("\u0000").update(v).digest("hex");
const MAX_ATTEMPTS = 5;
const CODE_MINUTES = 10;
/** Codes a link may send in all, and the wait between two: the link cannot flood the mailbox. */
const MAX_CODES = 5;
const CODE_INTERVAL_SECONDS = 60;

const ev = (deps: PortalDeps, actor: string, action: string, objects: string[], purpose = "operations", outcome: AuditEvent["outcome"] = "success"): AuditEvent => ({ time: deps.now(), actor, action, objects, purpose, outcome });

/** A notification with no PHI (a link, a one-time code): queued in the outbox to the recipient's address. */
export async function queueNotification(deps: PortalDeps, link: { id: string; studyId: string; recipientId: string; addressId: string; purpose: string; citation: string; actor: string }, subject: string, text: string, idempotencyKey?: string): Promise<DeliveryRow> {
  const address = await deps.policy.get("addresses", link.addressId);
  const to = decryptField(deps.fields, "recipient_addresses.address", address!.addressEnc);
  const messageId = newMessageId(deps.mail.address);
  const head = messageHeaders({ from: deps.mail.from, to, subject, messageId, date: new Date(deps.now()) }, ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]);
  const blob = await deps.blobs.put(`ntf-${randomUUID()}`, (async function* () { yield Buffer.from(`${head}${text.replace(/\r?\n/g, "\r\n")}\r\n`, "utf8"); })());
  await deps.index.recordDocument(blob);
  const now = deps.now();
  const row: DeliveryRow = {
    id: `dlv-${randomUUID()}`, kind: "notification", idempotencyKey: idempotencyKey ?? `${link.id}:${randomUUID()}`, messageId, channel: "portal", recipientId: link.recipientId, addressId: link.addressId,
    studyId: link.studyId, purpose: link.purpose, citation: link.citation, accountable: false, messageBlobId: blob.id, status: "queued", attempts: 0, nextAttemptAt: now, lastError: null,
    createdAt: now, createdBy: link.actor, sentAt: null,
  };
  return (await deps.deliveries.enqueue(row, ev(deps, link.actor, "notification.queue", [`portal-link:${link.id}`, `delivery:${row.id}`]))).delivery;
}

export interface PortalShareRequest {
  readonly actor: string;
  readonly studyId: string;
  readonly recipientId: string;
  readonly addressId: string;
  readonly purpose: string;
  readonly citation: string;
  readonly accountable: boolean;
  readonly package: AsyncIterable<Uint8Array>;
  /** A passcode the sender gives the recipient by phone (a factor independent of the mailbox). */
  readonly passcode?: string;
  readonly expiresDays: number;
  readonly maxDownloads: number;
  /** The share's idempotency key, given to the link's notification: the same share twice is one link. */
  readonly idempotencyKey: string;
}

export async function createPortalShare(req: PortalShareRequest, deps: PortalDeps): Promise<{ readonly link: PortalLinkRow; readonly notification: DeliveryRow }> {
  if (req.passcode !== undefined && req.passcode.trim().length < 6) throw new RayvaultError(ErrorCode.UsageInvalid, "a passcode has at least 6 characters");
  if (!(req.expiresDays >= 1 && req.expiresDays <= 30) || !(req.maxDownloads >= 1 && req.maxDownloads <= 20)) throw new RayvaultError(ErrorCode.UsageInvalid, "a link lasts 1–30 days and allows 1–20 downloads");
  const pkg = await deps.blobs.put(`pkg-${randomUUID()}`, req.package);
  await deps.index.recordDocument(pkg);
  const token = randomBytes(32).toString("base64url");
  const id = `lnk-${randomUUID()}`;
  const now = deps.now();
  const row: PortalLinkRow = {
    id, tokenHash: saltedHash("portal-token", token), studyId: req.studyId, recipientId: req.recipientId, addressId: req.addressId, purpose: req.purpose, citation: req.citation, accountable: req.accountable,
    packageBlobId: pkg.id, factor: req.passcode ? "passcode" : "mailbox", passcodeHash: req.passcode ? saltedHash(id, req.passcode.trim()) : null, codeHash: null, codeExpiresAt: null, failedAttempts: 0,
    codesIssued: 0, shareKey: req.idempotencyKey, sessionHash: null, expiresAt: new Date(Date.parse(now) + req.expiresDays * 86_400_000).toISOString(), maxDownloads: req.maxDownloads, downloads: 0, revokedAt: null, createdAt: now, createdBy: req.actor,
  };
  await deps.portal.create(row, ev(deps, req.actor, "portal.link.create", [`portal-link:${id}`, `study:${req.studyId}`, `recipient:${req.recipientId}`, `factor:${row.factor}`], req.purpose.slice(0, 40)));
  const notification = await queueNotification(deps, { ...req, id, actor: req.actor }, "A secure message is waiting for you",
    [`Medical images were shared with you through a secure portal.`, "", `Open: ${deps.publicUrl.replace(/\/$/, "")}/p/${token}`, "",
      req.passcode ? "Before anything is shown, enter the passcode the sender gave you by phone." : "Before anything is shown, you will receive a one-time code at this address.",
      `The link expires on ${row.expiresAt.slice(0, 10)} and can be used ${row.maxDownloads} time(s). If you did not expect this message, ignore it.`].join("\n"), `${req.idempotencyKey}:${id}`);
  return { link: row, notification };
}

/**
 * Why a link can no longer be used (revoked, expired, used up: gone; too many wrong codes: locked), or
 * undefined. `forNewUse` false asks within a use already counted (the images of an opened viewer): the
 * use count does not stop it then.
 */
function unusable(link: PortalLinkRow, now: string, forNewUse = true): RayvaultError | undefined {
  if (link.revokedAt !== null) return new RayvaultError(ErrorCode.LinkGone, "the sender revoked this link");
  if (link.expiresAt <= now) return new RayvaultError(ErrorCode.LinkGone, "this link has expired");
  if (forNewUse && link.downloads >= link.maxDownloads) return new RayvaultError(ErrorCode.LinkGone, "this link has been used as many times as allowed");
  if (link.failedAttempts >= MAX_ATTEMPTS) return new RayvaultError(ErrorCode.StateLocked, "locked after too many wrong codes: ask the sender for a new link");
  return undefined;
}

/** Whether a link can still be used. */
export function linkUsable(link: PortalLinkRow, now: string): boolean {
  return unusable(link, now) === undefined;
}

/** The link behind a token, or why it cannot be used (404 unknown, 410 over, 429 locked). */
async function usable(token: string, deps: PortalDeps, forNewUse = true): Promise<PortalLinkRow> {
  const link = await deps.portal.byTokenHash(saltedHash("portal-token", token));
  if (!link) throw new RayvaultError(ErrorCode.NotFound, "no such link");
  const why = unusable(link, deps.now(), forNewUse);
  if (why) throw why;
  return link;
}

export type LinkState = { readonly state: "ok"; readonly factor: "mailbox" | "passcode" } | { readonly state: "gone" | "locked" | "unknown"; readonly reason: string };

export async function linkState(token: string, deps: PortalDeps): Promise<LinkState> {
  try {
    const l = await usable(token, deps);
    await deps.audit.append(ev(deps, `recipient:${l.recipientId}`, "portal.link.view", [`portal-link:${l.id}`], l.purpose.slice(0, 40)));
    return { state: "ok", factor: l.factor };
  } catch (e) {
    if (!(e instanceof RayvaultError) || ![ErrorCode.NotFound, ErrorCode.StateLocked, ErrorCode.LinkGone].includes(e.code as never)) throw e;
    return { state: e.code === ErrorCode.NotFound ? "unknown" : e.code === ErrorCode.StateLocked ? "locked" : "gone", reason: e.message };
  }
}

/** Sends a fresh one-time code to the verified address (mailbox links); passcode links need none. */
export async function sendCode(token: string, deps: PortalDeps): Promise<"mailbox" | "passcode"> {
  const link = await usable(token, deps);
  if (link.factor === "passcode") return "passcode";
  const code = String(randomInt(0, 100_000_000)).padStart(8, "0");
  const now = Date.parse(deps.now());
  const issued = await deps.portal.issueCode(
    link.id,
    // The current code must expire within CODE_MINUTES minus the interval, i.e. have been issued an interval ago.
    { maxCodes: MAX_CODES, expiresBefore: new Date(now + (CODE_MINUTES * 60 - CODE_INTERVAL_SECONDS) * 1000).toISOString() },
    { codeHash: saltedHash(link.id, code), codeExpiresAt: new Date(now + CODE_MINUTES * 60_000).toISOString() },
    ev(deps, `recipient:${link.recipientId}`, "portal.code.issue", [`portal-link:${link.id}`], link.purpose.slice(0, 40)),
  );
  if (!issued) {
    await deps.audit.append(ev(deps, `recipient:${link.recipientId}`, "portal.code.refused", [`portal-link:${link.id}`], link.purpose.slice(0, 40), "failure"));
    throw new RayvaultError(ErrorCode.RateLimited, link.codesIssued >= MAX_CODES ? "no more codes can be sent for this link: ask the sender for a new one" : `a code was sent less than ${CODE_INTERVAL_SECONDS} seconds ago: check your mailbox, or try again in a minute`);
  }
  const notification = await queueNotification(deps, { ...link, actor: "system:portal" }, "Your one-time code", [`Your one-time code is ${code}.`, "", `It works once, for ${CODE_MINUTES} minutes. Nobody from the clinic will ask you for it.`].join("\n"));
  // Only this notification is sent now: a request does not run the rest of the outbox.
  const { runOutbox } = await import("./share.ts");
  await runOutbox(deps, 1, notification.id);
  return "mailbox";
}

/** Checks the code (once) or the passcode; opens a pickup session. Wrong five times: locked. */
export async function verifyCode(token: string, code: string, deps: PortalDeps): Promise<string> {
  const link = await usable(token, deps);
  const expected = link.factor === "passcode" ? link.passcodeHash : link.codeExpiresAt !== null && link.codeExpiresAt > deps.now() ? link.codeHash : null;
  const given = Buffer.from(saltedHash(link.id, code.trim()), "hex");
  const ok = expected !== null && timingSafeEqual(Buffer.from(expected, "hex"), given);
  if (!ok) {
    const attempts = await deps.portal.failAttempt(link.id, (n) => ev(deps, `recipient:${link.recipientId}`, n >= MAX_ATTEMPTS ? "portal.code.locked" : "portal.code.wrong", [`portal-link:${link.id}`], link.purpose.slice(0, 40), "failure"));
    throw new RayvaultError(ErrorCode.AccessDenied, attempts >= MAX_ATTEMPTS ? "locked after too many wrong codes" : "that code is not right, or has expired or been used");
  }
  const session = randomBytes(32).toString("base64url");
  // A mailed code works once: it is cleared as it is accepted.
  // Only while not locked: a right code racing wrong ones that reached the limit does not get in.
  const opened = await deps.portal.updateIfUnlocked(link.id, MAX_ATTEMPTS, { sessionHash: saltedHash(link.id, session), ...(link.factor === "mailbox" ? { codeHash: null, codeExpiresAt: null } : {}), failedAttempts: 0 },
    ev(deps, `recipient:${link.recipientId}`, "portal.verify", [`portal-link:${link.id}`, `factor:${link.factor}`], link.purpose.slice(0, 40)));
  if (!opened) throw new RayvaultError(ErrorCode.StateLocked, "locked after too many wrong codes: ask the sender for a new link");
  return session;
}

/** The link, once its recipient proved who they are in this browser session. */
async function verifiedLink(token: string, session: string | undefined, deps: PortalDeps, forNewUse = true): Promise<PortalLinkRow> {
  const link = await usable(token, deps, forNewUse);
  if (!session || link.sessionHash === null || !timingSafeEqual(Buffer.from(link.sessionHash, "hex"), Buffer.from(saltedHash(link.id, session), "hex"))) {
    throw new RayvaultError(ErrorCode.AccessDenied, "prove who you are first (the code or passcode)");
  }
  return link;
}

/**
 * Counts one use of the link (a download, or opening the viewer) if one is left, atomically; the first
 * use records the disclosure for the accounting (164.528).
 */
async function useLink(link: PortalLinkRow, action: string, description: string, deps: PortalDeps): Promise<void> {
  const study = await deps.index.findStudy({ id: link.studyId });
  const at = deps.now();
  const counted = await deps.portal.download(link.id, {
    id: `dsc-${randomUUID()}`, deliveryId: null, patientId: study!.patientId, studyId: link.studyId, recipientId: link.recipientId, purpose: link.purpose, citation: link.citation,
    descriptionEnc: encryptField(deps.fields, "disclosures.description", description, deps.random.bytes(12)), accountable: link.accountable, channel: "portal", disclosedAt: at,
  }, ev(deps, `recipient:${link.recipientId}`, action, [`portal-link:${link.id}`, `study:${link.studyId}`, `rule:${link.citation}`], link.purpose.slice(0, 40)));
  if (!counted) throw new RayvaultError(ErrorCode.LinkGone, "this link has been used as many times as allowed");
}

/** The package, for a verified session, while uses remain; the first use is the disclosure. */
export async function download(token: string, session: string | undefined, deps: PortalDeps): Promise<AsyncIterable<Uint8Array>> {
  const link = await verifiedLink(token, session, deps);
  await useLink(link, "disclosure.download", "imaging study (DICOM), secure portal", deps);
  return deps.blobs.get(link.packageBlobId);
}

/** The package's bytes and the files the viewer shows, in package order: DICOM images and photos (no DICOMDIR, no previews). */
async function viewable(link: PortalLinkRow, deps: PortalDeps): Promise<{ readonly zip: Uint8Array; readonly archive: ArchiveReader; readonly names: string[] }> {
  if (!deps.archive) throw new RayvaultError(ErrorCode.UsageInvalid, "the viewer is not configured: download the package");
  const zip = await readBlob(deps.blobs, link.packageBlobId);
  const names = (await deps.archive.names(zip)).filter((n) => (n !== "DICOMDIR" && !/\.(jpe?g|png)$/i.test(n)) || n.startsWith("PHOTO/"));
  return { zip, archive: deps.archive, names };
}

const MAX_VIEW_SIDE = 1600;

/**
 * Opens the viewer: one use of the link (like a download; the first use records the disclosure), then
 * the list of images shared. Images are rendered one by one by `viewImage`.
 */
export async function openViewer(token: string, session: string | undefined, deps: PortalDeps): Promise<Array<{ readonly n: number; readonly kind: "dicom" | "photo" }>> {
  const link = await verifiedLink(token, session, deps);
  const { names } = await viewable(link, deps);
  await useLink(link, "disclosure.view", "imaging study (images viewed), secure portal", deps);
  return names.map((name, i) => ({ n: i + 1, kind: name.startsWith("PHOTO/") ? "photo" : "dicom" }));
}

/** One shared image as PNG (DICOM rendered with its window) or the photo as packaged; the viewer must be open. */
export async function viewImage(token: string, session: string | undefined, n: number, deps: PortalDeps): Promise<{ readonly bytes: Uint8Array; readonly mediaType: string }> {
  // Within the use that opened the viewer (counted then), even if it was the last one.
  const link = await verifiedLink(token, session, deps, false);
  if (link.downloads < 1) throw new RayvaultError(ErrorCode.AccessDenied, "open the viewer first");
  const { zip, archive, names } = await viewable(link, deps);
  const name = Number.isInteger(n) && n >= 1 ? names[n - 1] : undefined;
  if (!name) throw new RayvaultError(ErrorCode.NotFound, "no such image in this package");
  await deps.audit.append(ev(deps, `recipient:${link.recipientId}`, "portal.view-image", [`portal-link:${link.id}`, `image:${n}`], link.purpose.slice(0, 40)));
  const bytes = await archive.read(zip, name);
  if (name.startsWith("PHOTO/")) return { bytes, mediaType: /\.png$/i.test(name) ? "image/png" : "image/jpeg" };
  if (!deps.renderer) throw new RayvaultError(ErrorCode.UsageInvalid, "rendering is not configured");
  return { bytes: (await deps.renderer.renderPreview(bytes, "png", MAX_VIEW_SIDE)).bytes, mediaType: "image/png" };
}

export async function revokeLink(id: string, actor: string, deps: PortalDeps): Promise<void> {
  const link = await deps.portal.get(id);
  if (!link) throw new RayvaultError(ErrorCode.NotFound, "no such link");
  await deps.portal.update(id, { revokedAt: deps.now() }, ev(deps, actor, "portal.link.revoke", [`portal-link:${id}`]));
}
