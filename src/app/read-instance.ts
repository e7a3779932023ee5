/**
 * @module app/read-instance
 * Use-case: a signed-in user fetches one stored instance. The pure access decision (role, purpose of use,
 * care relationship, break-glass) runs first; the audit record — success, break-glass, or refusal with
 * its rule — is durable before a single byte is returned.
 */
import { AlertKind } from "../core/alerts/alert.ts";
import { raiseAlert, type AlertDeps } from "./alerts.ts";
import { Action, decideAccess, type Role } from "../core/access/decide-access.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import type { CareTeam } from "../ports/care-team.ts";
import type { ImagingIndex } from "../ports/imaging-index.ts";
import type { SessionUser } from "./sessions.ts";

export interface ReadDeps extends AlertDeps {
  readonly blobs: BlobStore;
  readonly index: ImagingIndex;
  readonly care: CareTeam;
  readonly audit: AuditLog;
  readonly now: () => string;
}

/**
 * The access decision for one stored instance and its audit record (durable before anything is read):
 * `action` says what the caller will do with it (download, view the pixels); the blob's id comes back.
 */
export async function authorizeInstance(req: { user: SessionUser; instanceId: string; purpose: string; action?: Action }, deps: ReadDeps): Promise<string> {
  const now = deps.now();
  const action = req.action ?? Action.StudyDownload;
  const subject = { id: `user:${req.user.userId}`, roles: req.user.roles as Role[], mfa: req.user.mfa, ...(req.user.breakGlass ? { breakGlass: req.user.breakGlass } : {}) };
  // Where the instance is and whose it is, then whether this user treats that patient. An unknown
  // instance is refused like a forbidden one until the decision has run, so ids cannot be probed.
  const location = await deps.index.instanceLocation(req.instanceId);
  const careRelationship = location ? await deps.care.isTreating(req.user.userId, location.patientId, now) : false;
  const decision = decideAccess({ subject, action, purpose: req.purpose, careRelationship, now });
  const purpose = req.purpose.trim().toLowerCase().slice(0, 64);
  if (!decision.allowed) {
    await deps.audit.append({ time: now, actor: subject.id, action, objects: [`instance:${req.instanceId.slice(0, 64)}`, `rule:${decision.rule}`], purpose, outcome: "refused" });
    throw new RayvaultError(ErrorCode.AccessDenied, `${decision.reason} (${decision.rule}, ${decision.citation})`);
  }
  if (!location) throw new RayvaultError(ErrorCode.NotFound, "no such instance");
  const blobId = location.blobId;
  await deps.audit.append({
    time: now, actor: subject.id, action: decision.alertPrivacyOfficer ? `${action}.break-glass` : action,
    objects: [`instance:${req.instanceId}`, `blob:${blobId}`, `rule:${decision.rule}`], purpose, outcome: "success",
  });
  if (decision.alertPrivacyOfficer) await raiseAlert(AlertKind.BreakGlassAccess, [`user:${req.user.userId}`, `instance:${req.instanceId}`], deps);
  return blobId;
}

export async function readInstance(req: { user: SessionUser; instanceId: string; purpose: string }, deps: ReadDeps): Promise<AsyncIterable<Uint8Array>> {
  return deps.blobs.get(await authorizeInstance(req, deps));
}
