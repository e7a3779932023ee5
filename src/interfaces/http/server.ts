/**
 * @module interfaces/http/server
 * The HTTP interface (fastify): health, the OpenAPI description, the one-time first-administrator setup
 * page, login and logout with an HttpOnly session cookie, and the signed-in user. Thin: every decision is
 * in the use-cases; errors become JSON with the error code, never PHI. Binds to loopback by default.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../../core/errors.ts";
import { Readable } from "node:stream";
import { checkApiToken, checkSession, closeSession, completeSetup, declareBreakGlass, openSession, type SessionUser } from "../../app/sessions.ts";
import type { UserDeps } from "../../app/manage-users.ts";
import { readInstance, type ReadDeps } from "../../app/read-instance.ts";
import type { Logger } from "../../adapters/log/logger.ts";
import { download, linkState, openViewer, sendCode, verifyCode, viewImage, type PortalDeps } from "../../app/portal.ts";
import { decide } from "../../app/decide.ts";
import { runOutbox, share, type ShareRequest } from "../../app/share.ts";
import type { Role } from "../../core/access/decide-access.ts";
import type { DicomwebDeps } from "../../app/dicomweb.ts";
import type { ImportDeps } from "../../app/import-files.ts";
import type { ImageRenderer } from "../../ports/image-renderer.ts";
import { registerDicomweb } from "./dicomweb-routes.ts";
import { registerStaff, type StaffDeps } from "./staff-routes.ts";
import { bodyOf, cookieOf, str } from "./request-parts.ts";
import { registerPatient } from "./patient-routes.ts";
import { registerSso } from "./sso-routes.ts";
import type { SsoProvider } from "../../ports/sso.ts";
import type { RateCounter } from "../../ports/rate-counter.ts";
import { registerPortalApp, type PortalPage } from "./portal-app.ts";
import { RATE_LIMITS, registerWebSecurity, sessionCookie } from "./web-security.ts";
import type { CleanPixelsDeps } from "../../app/clean-pixels.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";

const COOKIE = "rv_session";

const OPENAPI = {
  openapi: "3.1.0",
  info: { title: "Rayvault", version: "0.1.0" },
  paths: {
    "/healthz": { get: { summary: "liveness", responses: { "200": { description: "ok" } } } },
    "/api/setup": { post: { summary: "create the first administrator from the one-time setup link", responses: { "201": { description: "created; TOTP enrolment link" }, "403": { description: "link not valid" } } } },
    "/api/login": { post: { summary: "password (+ TOTP) login; sets an HttpOnly session cookie", responses: { "200": { description: "signed in" }, "401": { description: "refused" } } } },
    "/api/sso": { get: { summary: "whether hospital sign-in (OpenID Connect) is offered", responses: { "200": { description: "{enabled}" } } } },
    "/api/sso/start": { get: { summary: "redirect to the hospital's identity provider (authorization code + PKCE, state, nonce)", responses: { "302": { description: "to the provider, or back to the sign-in page when it cannot be reached" } } } },
    "/api/sso/callback": { get: { summary: "the provider's redirect: the identity checked and mapped to the local user of the same name", responses: { "302": { description: "to the portal signed in, or to the sign-in page with ?sso=totp|unknown-user|locked|expired|failed" } } } },
    "/api/sso/totp": { post: { summary: "the authenticator code after hospital sign-in, for roles that need a second factor the provider did not assert", responses: { "200": { description: "signed in" }, "401": { description: "refused, with the outcome" } } } },
    "/api/logout": { post: { summary: "end the session", responses: { "204": { description: "signed out" } } } },
    "/api/me": { get: { summary: "the signed-in user", responses: { "200": { description: "user" }, "401": { description: "not signed in" } } } },
    "/api/break-glass": { post: { summary: "declare emergency access: reason (10–500 characters), minutes (1–60); audited, privacy officer alerted", responses: { "200": { description: "{expiresAt}" }, "400": { description: "reason or minutes out of range" }, "403": { description: "not signed in, or not a treating role" } } } },
    "/api/instances/{id}": {
      get: {
        summary: "download one stored DICOM instance; header X-Purpose-Of-Use is required; access decided and audited first",
        responses: { "200": { description: "application/dicom" }, "403": { description: "refused, with the rule" }, "404": { description: "no such instance" } },
      },
    },
    "/api/decisions": { post: { summary: "may this study go to this recipient for this purpose by this channel: {study, to, purpose, channel?, selection?}; the decision with its rules, plan, preview and what is missing", responses: { "200": { description: "decision" }, "401": { description: "not signed in" } } } },
    "/api/shares": { post: { summary: "decide, prepare, encrypt and send: {study, to, purpose, channel?, smimeProfile?, passcode?, expiresDays?, maxDownloads?, previews?: jpeg|png, photos?: boolean}", responses: { "202": { description: "queued or sent" }, "403": { description: "refused, with the decision" } } } },
    "/api/deliveries/{id}": { get: { summary: "a delivery's status (queued, sending, sent, retrying, failed, delivered, bounced) and the DSNs/MDNs received; the sender or a privacy officer", responses: { "200": { description: "delivery and reports" }, "404": { description: "unknown, or not yours" } } } },
    "/": { get: { summary: "the portal (staff pages; the recipient's pickup page at /p/{token})", responses: { "200": { description: "text/html" }, "503": { description: "the portal is not built" } } } },
    "/setup": { get: { summary: "the one-time first-administrator setup page", responses: { "200": { description: "text/html" } } } },
    "/api/studies/search": { post: { summary: "the studies of one patient: {patientId (exact)} in the body, never the URL; X-Purpose-Of-Use required; audited", responses: { "200": { description: "{studies}" }, "401": { description: "not signed in" }, "403": { description: "refused, with the rule" } } } },
    "/api/studies": { get: { summary: "the studies the caller may see, newest first; X-Purpose-Of-Use required; audited", responses: { "200": { description: "{studies: [{id, patientName, patientId, studyDate, description, modalities, instances}]}" }, "401": { description: "not signed in" }, "403": { description: "refused, with the rule" } } } },
    "/api/studies/{id}": { get: { summary: "one study: series and instances (references); X-Purpose-Of-Use required; audited", responses: { "200": { description: "{id, patientName, patientId, studyDate, description, series: [{id, modality, instances: [{id, kind}]}]}" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "not found or not yours to see" } } } },
    "/api/instances/{id}/preview": { get: { summary: "the instance's first frame as PNG (header window, or window=auto to stretch to the image's range; MONOCHROME1 inverted), size ≤ 2048; X-Purpose-Of-Use required; audited", responses: { "200": { description: "image/png" }, "422": { description: "could not be processed (pixels undecodable, OCR failed…): the error code says why" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such instance" } } } },
    "/api/instances/{id}/phi": { get: { summary: "the PHI report of one instance: header findings with masked values; pixels=1 adds the regions of burned-in text (OCR)", responses: { "200": { description: "{findings: [{where, attribute, kind, value}], burnedIn?}" }, "422": { description: "could not be processed (pixels undecodable, OCR failed…): the error code says why" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such instance" } } } },
    "/api/uploads": { post: { summary: "multipart/form-data: purpose, then files (DICOM, zip, photos with patientMrn); each streamed to disk and imported", responses: { "200": { description: "{files: [{name, status, findings?, reason?}], studies}" }, "400": { description: "no files, or purpose missing" }, "422": { description: "could not be processed (pixels undecodable, OCR failed…): the error code says why" }, "401": { description: "not signed in" }, "403": { description: "import refused" }, "413": { description: "a file too large" }, "415": { description: "not multipart/form-data" } } } },
    "/api/captures": { post: { summary: "multipart/form-data: patientMrn, purpose, then one photo (JPEG, PNG, HEIC); metadata stripped, scanned, stored", responses: { "201": { description: "{photo, status, findings}" }, "400": { description: "missing patient or purpose" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "413": { description: "too large" }, "415": { description: "not multipart/form-data" }, "422": { description: "not a photo" } } } },
    "/api/recipients/search": { post: { summary: "directory search by name: {q} in the body, never the URL; for roles that share or keep the directory; audited", responses: { "200": { description: "{recipients: [{id, kind, name, verified}]}" }, "401": { description: "not signed in" }, "403": { description: "an administrator or other role that reads no PHI" } } } },
    "/api/recipients": {
      post: { summary: "add a recipient {kind, name, organization?, npi?, email?, patientMrn?} (front desk, privacy officer); a look-alike address is reported", responses: { "201": { description: "{id, lookalike?}" }, "400": { description: "invalid" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no patient with that MRN" } } },
    },
    "/api/audit": { get: { summary: "the newest audit records (privacy officers, administrators); reading is audited", responses: { "200": { description: "{records: [{seq, time, actor, action, objects, purpose, outcome}]}" }, "401": { description: "not signed in" }, "403": { description: "refused" } } } },
    "/api/accounting": { post: { summary: "a patient's accounting of disclosures (164.528): {patientMrn, all}; format=csv for the file; audited", responses: { "200": { description: "{lines: [{date, recipient, description, purpose, citation, accountable}]} or text/csv" }, "400": { description: "MRN missing" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such patient" } } } },
    "/api/portal/{token}/images": { get: { summary: "opens the viewer for a verified recipient: one use of the link (the first use is the disclosure); the list of shared images", responses: { "200": { description: "{images: [{n, kind}]}" }, "401": { description: "not verified" }, "404": { description: "unknown link" }, "410": { description: "gone or used up" }, "429": { description: "locked or too many requests" } } } },
    "/api/portal/{token}/images/{n}": { get: { summary: "one shared image (DICOM rendered as PNG, or the packaged photo); audited", responses: { "200": { description: "image/png or image/jpeg" }, "401": { description: "not verified, or viewer not opened" }, "404": { description: "no such image" }, "410": { description: "gone" } } } },
    "/request": { get: { summary: "the patient's right-of-access request page (no account)", responses: { "200": { description: "text/html" }, "503": { description: "the portal is not built" } } } },
    "/api/patient/warning": { get: { summary: "the unencrypted e-mail risk warning (versioned text)", responses: { "200": { description: "{version, text}" } } } },
    "/api/patient/code": { post: { summary: "the patient's details {email, mrn, birthDate}; on a match a one-time code goes to the verified address; the same answer either way", responses: { "200": { description: "{signin}" }, "429": { description: "too many requests" } } } },
    "/api/patient/verify": { post: { summary: "{signin, code}: sets the patient session cookie (30 minutes)", responses: { "200": { description: "verified" }, "401": { description: "wrong or expired code" }, "429": { description: "locked or too many requests" } } } },
    "/api/patient/requests": {
      post: { summary: "file a right-of-access request {format: dicom|jpeg|pdf, channel: portal|plain-email, acknowledgedWarning?}", responses: { "201": { description: "{id, dueAt}" }, "400": { description: "bad format or channel, or the warning not acknowledged" }, "401": { description: "not verified" } } },
      get: { summary: "the patient's own requests", responses: { "200": { description: "{requests}" }, "401": { description: "not verified" } } },
    },
    "/api/recipients/{id}/verify-identity": { post: { summary: "record how the recipient's identity was verified {method} (front desk, privacy officer)", responses: { "204": { description: "recorded" }, "400": { description: "unknown method" }, "401": { description: "not signed in" }, "403": { description: "not a role that keeps the directory" }, "404": { description: "no such recipient" } } } },
    "/api/recipients/{id}/verify-address": { post: { summary: "record how the recipient's current address was verified {method}", responses: { "204": { description: "recorded" }, "400": { description: "unknown method" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such recipient" } } } },
    "/api/access-requests": { get: { summary: "the patients' access requests with their clocks (front desk, privacy officer)", responses: { "200": { description: "{requests}" }, "401": { description: "not signed in" }, "403": { description: "refused" } } } },
    "/api/access-requests/{id}/complete": { post: { summary: "mark an access request answered", responses: { "204": { description: "done" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such request" } } } },
    "/api/reviews": { get: { summary: "the privacy officer's review queue", responses: { "200": { description: "{reviews}" }, "401": { description: "not signed in" }, "403": { description: "refused" } } } },
    "/api/reviews/{id}": { post: { summary: "approve or refuse {outcome, citation, note}", responses: { "204": { description: "decided" }, "400": { description: "wrong paragraph, note too short, already decided" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such review" } } } },
    "/api/agreements": {
      get: { summary: "business associate and data use agreements, newest first (privacy officer)", responses: { "200": { description: "{agreements: [{id, kind, recipient: {id, name}, parties, scope, effectiveAt, endsAt, terminatedAt, inForce, createdAt}]}" }, "401": { description: "not signed in" }, "403": { description: "not the privacy officer (audited)" } } },
      post: {
        summary: "multipart/form-data: recipientId, kind (baa|dua), parties, effective, ends?, scope (repeated: treatment, payment, operations, research), and the signed agreement as a PDF in the part named document (≤ 20 MB, kept encrypted in the vault)",
        responses: { "201": { description: "{id}" }, "400": { description: "a field missing or invalid (a BAA with a recipient that is not a business associate, dates out of order)" }, "401": { description: "not signed in" }, "403": { description: "not the privacy officer" }, "404": { description: "no such recipient" }, "413": { description: "the document or the form too large" }, "415": { description: "not multipart/form-data" }, "422": { description: "the document is not a PDF" } },
      },
    },
    "/api/agreements/{id}/terminate": { post: { summary: "terminate an agreement {at?} (default now); decisions after it no longer rely on it", responses: { "204": { description: "terminated" }, "400": { description: "already terminated, or a date before it took effect" }, "401": { description: "not signed in" }, "403": { description: "not the privacy officer" }, "404": { description: "no such agreement" } } } },
    "/api/authorizations/search": { post: { summary: "a patient's authorizations (164.508): {patientMrn} in the body, never the URL; each with its status (valid, defective, expired, revoked) and defects; reading audited (front desk, privacy officer)", responses: { "200": { description: "{authorizations: [{id, filedAt, description, recipients: {description, named, kinds}, purposes, expiresAt, expirationEvent, signedAt, revokedAt, status, defects: [{element, citation}]}]}" }, "400": { description: "MRN missing, or it names several patients" }, "401": { description: "not signed in" }, "403": { description: "refused (audited)" }, "404": { description: "no patient with that MRN" } } } },
    "/api/authorizations": {
      post: {
        summary: "multipart/form-data: the 164.508(c) elements (patientMrn, description, studyUid*, scopeFrom, scopeTo, disclosers, recipientId*, recipientKind*, recipientDescription, purpose*, expiresAt or expirationEvent, signedAt, signedBy, representativeAuthority, rightToRevoke, conditioning, redisclosure, remunerationStatement, compound, conditionedTreatment; * repeats) and the signed form as a PDF in the part named document (≤ 20 MB); filed with its verdict",
        responses: { "201": { description: "{id, verdict: {valid, defects: [{element, citation}]}}" }, "400": { description: "unknown purpose or recipient kind, a study of another patient" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such patient, recipient or study" }, "413": { description: "the document or the form too large" }, "415": { description: "not multipart/form-data" }, "422": { description: "the document is not a PDF" } },
      },
    },
    "/api/authorizations/{id}/revoke": { post: { summary: "record the patient's written revocation {receivedAt?} (default now; 164.508(b)(5)); decisions after it are refused", responses: { "204": { description: "revoked" }, "400": { description: "already revoked, or a time in the future" }, "401": { description: "not signed in" }, "403": { description: "refused" }, "404": { description: "no such authorization" } } } },
    "/dicomweb/studies": {
      get: { summary: "QIDO-RS: search studies (exact PatientID, PatientName, StudyInstanceUID, ModalitiesInStudy; limit, offset); X-Purpose-Of-Use required; audited", responses: { "200": { description: "application/dicom+json" }, "204": { description: "no match" }, "400": { description: "wildcards or ranges (PHI is searched by blind index only)" }, "401": { description: "not signed in" }, "403": { description: "refused, with the rule" } } },
      post: { summary: "STOW-RS: store instances (multipart/related; type=application/dicom) through the import use-case", responses: { "200": { description: "all stored" }, "202": { description: "some failed (FailedSOPSequence)" }, "409": { description: "none stored" }, "415": { description: "not multipart/related" } } },
    },
    "/dicomweb/studies/{study}": { get: { summary: "WADO-RS: the study's instances (multipart/related; type=application/dicom)", responses: { "200": { description: "multipart" }, "404": { description: "not found or not yours to see" } } }, post: { summary: "STOW-RS into this study (parts of other studies refused, 0xA900)", responses: { "200": { description: "stored" } } } },
    "/dicomweb/studies/{study}/metadata": { get: { summary: "WADO-RS: DICOM JSON of every instance, binary values as BulkDataURI", responses: { "200": { description: "application/dicom+json" } } } },
    "/dicomweb/studies/{study}/series": { get: { summary: "QIDO-RS: the study's series", responses: { "200": { description: "application/dicom+json" } } } },
    "/dicomweb/studies/{study}/instances": { get: { summary: "QIDO-RS: the study's instances", responses: { "200": { description: "application/dicom+json" } } } },
    "/dicomweb/studies/{study}/series/{series}": { get: { summary: "WADO-RS: the series' instances", responses: { "200": { description: "multipart" } } } },
    "/dicomweb/studies/{study}/series/{series}/metadata": { get: { summary: "WADO-RS: the series' metadata", responses: { "200": { description: "application/dicom+json" } } } },
    "/dicomweb/studies/{study}/series/{series}/instances": { get: { summary: "QIDO-RS: the series' instances", responses: { "200": { description: "application/dicom+json" } } } },
    "/dicomweb/studies/{study}/series/{series}/instances/{instance}": { get: { summary: "WADO-RS: one instance", responses: { "200": { description: "multipart" } } } },
    "/dicomweb/studies/{study}/series/{series}/instances/{instance}/metadata": { get: { summary: "WADO-RS: one instance's metadata", responses: { "200": { description: "application/dicom+json" } } } },
    "/dicomweb/studies/{study}/series/{series}/instances/{instance}/frames/{frames}": { get: { summary: "WADO-RS: frames (1-based, comma-separated) as stored (multipart/related; type=application/octet-stream)", responses: { "200": { description: "multipart" } } } },
    "/dicomweb/studies/{study}/series/{series}/instances/{instance}/rendered": { get: { summary: "WADO-RS: the first frame rendered (Accept image/png, else JPEG)", responses: { "200": { description: "image" } } } },
    "/p/{token}": { get: { summary: "portal pickup page (no PHI)", responses: { "200": { description: "page" }, "404": { description: "unknown link" }, "410": { description: "expired, revoked or used up" }, "429": { description: "locked" } } } },
    "/api/portal/{token}/code": { post: { summary: "send a one-time code to the recipient's verified address (or say a passcode is needed)", responses: { "200": { description: "factor" } } } },
    "/api/portal/{token}/verify": { post: { summary: "check the code or passcode {code}; sets the pickup cookie", responses: { "200": { description: "verified" }, "401": { description: "wrong, expired or used" }, "429": { description: "locked" } } } },
    "/api/portal/{token}/package": { get: { summary: "the study as a zip with a DICOMDIR, once verified, within the download limit", responses: { "200": { description: "application/zip" }, "401": { description: "not verified" }, "410": { description: "gone" } } } },
  },
};



const cookieToken = (req: FastifyRequest): string | undefined => cookieOf(req, COOKIE);

/** The caller: a browser session (cookie) or an integration (Authorization: Bearer rv_…). */
async function caller(req: FastifyRequest, deps: UserDeps): Promise<SessionUser | undefined> {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.startsWith("Bearer ")) return checkApiToken(auth.slice(7).trim(), deps);
  return checkSession(cookieToken(req), deps);
}

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const code = errorCodeOf(e);
  const status = code === ErrorCode.AccessDenied ? 403 : code === ErrorCode.UsageInvalid ? 400 : code === ErrorCode.NotFound ? 404 : e instanceof RayvaultError ? 422 : 500;
  return reply.code(status).send({ error: code, message: safeMessageOf(e) });
}


const PICKUP_COOKIE = "rv_pickup";

const pickupCookie = (req: FastifyRequest): string | undefined => cookieOf(req, PICKUP_COOKIE);

/** Portal errors: unknown 404, gone (expired, revoked, used up) 410, locked 429, not verified 401. */
function sendPortalError(reply: FastifyReply, e: unknown): FastifyReply {
  const code = errorCodeOf(e);
  const message = safeMessageOf(e);
  const status = code === ErrorCode.NotFound ? 404 : code === ErrorCode.StateLocked || code === ErrorCode.RateLimited ? 429 : code === ErrorCode.LinkGone ? 410 : code === ErrorCode.AccessDenied ? 401 : code === ErrorCode.UsageInvalid ? 400 : 500;
  return reply.code(status).send({ error: code, message });
}

export interface ServerOptions {
  /** Where uploads wait while they are imported (default: the system's temporary folder). */
  readonly uploadDir?: string;
  /** The built portal (default web/dist). */
  readonly portalDist?: string;
  /** Proxies whose X-Forwarded-For gives the client's address (for rate limits and logs). */
  readonly trustProxy?: readonly string[];
}

type ServerDeps = UserDeps & ReadDeps & Partial<PortalDeps> & Partial<ImportDeps & { readonly renderer: ImageRenderer; readonly pixels: CleanPixelsDeps; readonly sso: SsoProvider; readonly rateCounter: RateCounter }>;

export function buildServer(deps: ServerDeps, logger?: Logger, options: ServerOptions = {}): FastifyInstance {
  const app = Fastify({ ...(logger ? { loggerInstance: logger } : { logger: false }), bodyLimit: 64 * 1024, ...(options.trustProxy ? { trustProxy: [...options.trustProxy] } : {}) }) as unknown as FastifyInstance;
  registerWebSecurity(app, deps.publicUrl, deps.rateCounter);
  // Routes load after the security plugins, so their rate limits apply.
  void app.register(async (api) => routes(api, deps, options));
  return app;
}

function routes(app: FastifyInstance, deps: ServerDeps, options: ServerOptions): void {
  const page = registerPortalApp(app, options.portalDist);
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/api/openapi.json", async () => OPENAPI);
  app.get("/setup", async (_req, reply) => page.send(reply));
  app.post("/api/setup", { config: { rateLimit: RATE_LIMITS.login } }, async (req, reply) => {
    try {
      const b = bodyOf(req);
      const r = await completeSetup({ token: str(b["token"]), username: str(b["username"]), password: str(b["password"]) }, deps);
      return await reply.code(201).send({ userId: r.id, totpUri: r.totpUri });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/login", { config: { rateLimit: RATE_LIMITS.login } }, async (req, reply) => {
    try {
      const b = bodyOf(req);
      const totp = str(b["totp"]);
      const r = await openSession({ username: str(b["username"]), password: str(b["password"]), ...(totp ? { totp } : {}) }, deps);
      if (r.outcome !== "ok" || !r.token) return await reply.code(401).send({ error: ErrorCode.AccessDenied, outcome: r.outcome === "unknown-user" ? "bad-credentials" : r.outcome });
      return await reply.header("set-cookie", sessionCookie(COOKIE, r.token)).send({ roles: r.roles ?? [] });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/logout", async (req, reply) => {
    await closeSession(cookieToken(req), deps);
    return reply.code(204).header("set-cookie", sessionCookie(COOKIE, "", "/", 0)).send();
  });
  app.get("/api/me", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    return { userId: user.userId, username: user.username, roles: user.roles };
  });
  app.post("/api/break-glass", async (req, reply) => {
    try {
      const b = bodyOf(req);
      return await reply.send(await declareBreakGlass(cookieToken(req), { reason: str(b["reason"]), minutes: typeof b["minutes"] === "number" ? b["minutes"] : 0 }, deps));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.get<{ Params: { id: string } }>("/api/instances/:id", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    try {
      const purpose = req.headers["x-purpose-of-use"];
      const stream = await readInstance({ user, instanceId: req.params.id, purpose: typeof purpose === "string" ? purpose : "" }, deps);
      return await reply.type("application/dicom").send(Readable.from(stream));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  registerSso(app, deps, COOKIE);
  if (deps.portal && deps.publicUrl) {
    registerPortal(app, deps as PortalDeps, page);
    registerPatient(app, deps as PortalDeps);
    app.get("/request", async (_req, reply) => page.send(reply));
    registerSharing(app, deps as PortalDeps & UserDeps);
  }
  if (deps.publicUrl && deps.inputs) {
    registerDicomweb(app, deps as DicomwebDeps & ImportDeps & { publicUrl: string }, (req) => caller(req, deps));
    if (deps.deliveries) registerStaff(app, deps as unknown as StaffDeps, { uploadDir: options.uploadDir ?? join(tmpdir(), "rayvault-uploads") }, (req) => caller(req, deps));
  }
}

/** The request fields of /api/decisions and /api/shares (references and codes only, never PHI). */
function shareRequest(user: SessionUser, b: Record<string, unknown>): ShareRequest {
  const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
  const opt = (k: string): Record<string, string> => (str(b[k]) ? { [k]: str(b[k]) } : {});
  return {
    actor: { id: `user:${user.userId}`, roles: user.roles as Role[], mfa: user.mfa, ...(user.breakGlass ? { breakGlass: user.breakGlass } : {}) },
    study: str(b["study"]), recipientId: str(b["to"]), purpose: str(b["purpose"]), selection: b["selection"] === "entire-record" ? "entire-record" : "study",
    ...opt("channel"), ...opt("email"), ...opt("justification"), ...opt("smimeProfile"), ...opt("passcode"),
    ...(num(b["expiresDays"]) !== undefined ? { expiresDays: num(b["expiresDays"])! } : {}), ...(num(b["maxDownloads"]) !== undefined ? { maxDownloads: num(b["maxDownloads"])! } : {}),
    ...(b["previews"] === "jpeg" || b["previews"] === "png" ? { previews: b["previews"] } : {}), ...(b["photos"] === true ? { photos: true } : {}),
    ...(b["emergency"] === true ? { emergency: true } : {}), ...(b["relationshipAttested"] === true ? { relationshipAttested: true } : {}),
  };
}

/** The decision (#4) and the share (#5) for signed-in users and integrations. */
function registerSharing(app: FastifyInstance, deps: PortalDeps & UserDeps): void {
  app.post("/api/decisions", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    try {
      return await reply.send(await decide(shareRequest(user, bodyOf(req)), deps));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/shares", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    try {
      const r = await share(shareRequest(user, bodyOf(req)), deps);
      if (!r.delivery) return await reply.code(403).send({ error: ErrorCode.AccessDenied, decision: r.decision });
      const sent = r.created ? await runOutbox(deps) : [];
      const status = sent.find((x) => x.id === r.delivery!.id)?.status ?? r.delivery.status;
      return await reply.code(202).send({ decision: r.decision, delivery: { id: r.delivery.id, channel: r.delivery.channel, status }, ...(r.link ? { link: r.link } : {}), ...(r.fellBackToPortal ? { fellBackToPortal: true } : {}) });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  // The sender (or a privacy officer) sees what became of a delivery: status and the DSNs/MDNs received.
  app.get<{ Params: { id: string } }>("/api/deliveries/:id", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    const d = await deps.deliveries.find(req.params.id);
    const maySee = d && (d.createdBy === `user:${user.userId}` || user.roles.includes("privacy-officer") || user.roles.includes("administrator"));
    if (!d || !maySee) return reply.code(404).send({ error: ErrorCode.NotFound, message: "no such delivery" });
    const reports = await deps.deliveries.reportsOf(d.id);
    return reply.header("cache-control", "no-store").send({
      delivery: { id: d.id, channel: d.channel, status: d.status, attempts: d.attempts, recipientId: d.recipientId, createdAt: d.createdAt, sentAt: d.sentAt, lastError: d.lastError },
      reports: reports.map((r) => ({ kind: r.kind, outcome: r.outcome, statusCode: r.statusCode, receivedAt: r.receivedAt })),
    });
  });
}

/** The page for a link that cannot be used: why, and what to do; no script, no PHI. */
function goneLinkPage(state: "unknown" | "locked" | "gone", reason: string): string {
  const what = state === "unknown" ? "This link is not known here." : state === "locked" ? "This link is locked after too many wrong codes." : "This link has expired, been revoked or been used as many times as allowed.";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Secure pickup</title></head><body><main><h1>This link cannot be used</h1><p>${what}</p><p>${reason.replace(/[<>&"]/g, "")}</p><p>Ask the sender for a new link. Nothing has been shown or downloaded through this one since it stopped working.</p></main></body></html>`;
}

function registerPortal(app: FastifyInstance, deps: PortalDeps, page: PortalPage): void {
  app.get<{ Params: { token: string } }>("/p/:token", { config: { rateLimit: RATE_LIMITS.portalLink } }, async (req, reply) => {
    const state = await linkState(req.params.token, deps);
    if (state.state !== "ok") return reply.code(state.state === "unknown" ? 404 : state.state === "locked" ? 429 : 410).type("text/html; charset=utf-8").send(goneLinkPage(state.state, state.reason));
    return page.send(reply);
  });
  app.get<{ Params: { token: string } }>("/api/portal/:token/images", { config: { rateLimit: RATE_LIMITS.portalLink } }, async (req, reply) => {
    try {
      return await reply.send({ images: await openViewer(req.params.token, pickupCookie(req), deps) });
    } catch (e) {
      return sendPortalError(reply, e);
    }
  });
  app.get<{ Params: { token: string; n: string } }>("/api/portal/:token/images/:n", async (req, reply) => {
    try {
      const image = await viewImage(req.params.token, pickupCookie(req), Number(req.params.n), deps);
      return await reply.type(image.mediaType).send(Buffer.from(image.bytes));
    } catch (e) {
      return sendPortalError(reply, e);
    }
  });
  app.post<{ Params: { token: string } }>("/api/portal/:token/code", { config: { rateLimit: RATE_LIMITS.portalCode } }, async (req, reply) => {
    try {
      return await reply.send({ factor: await sendCode(req.params.token, deps) });
    } catch (e) {
      return sendPortalError(reply, e);
    }
  });
  app.post<{ Params: { token: string } }>("/api/portal/:token/verify", { config: { rateLimit: RATE_LIMITS.portalCode } }, async (req, reply) => {
    try {
      const session = await verifyCode(req.params.token, str(bodyOf(req)["code"]), deps);
      return await reply.header("set-cookie", sessionCookie(PICKUP_COOKIE, session, `/api/portal/${req.params.token}`)).send({ verified: true });
    } catch (e) {
      return sendPortalError(reply, e);
    }
  });
  app.get<{ Params: { token: string } }>("/api/portal/:token/package", async (req, reply) => {
    try {
      const stream = await download(req.params.token, pickupCookie(req), deps);
      return await reply.type("application/zip").header("content-disposition", 'attachment; filename="study.zip"').send(Readable.from(stream));
    } catch (e) {
      return sendPortalError(reply, e);
    }
  });
}
