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
import { download, linkState, sendCode, verifyCode, type PortalDeps } from "../../app/portal.ts";
import { decide } from "../../app/decide.ts";
import { runOutbox, share, type ShareRequest } from "../../app/share.ts";
import type { Role } from "../../core/access/decide-access.ts";
import type { DicomwebDeps } from "../../app/dicomweb.ts";
import type { ImportDeps } from "../../app/import-files.ts";
import type { ImageRenderer } from "../../ports/image-renderer.ts";
import { registerDicomweb } from "./dicomweb-routes.ts";

const COOKIE = "rv_session";

const OPENAPI = {
  openapi: "3.1.0",
  info: { title: "Rayvault", version: "0.1.0" },
  paths: {
    "/healthz": { get: { summary: "liveness", responses: { "200": { description: "ok" } } } },
    "/api/setup": { post: { summary: "create the first administrator from the one-time setup link", responses: { "201": { description: "created; TOTP enrolment link" }, "403": { description: "link not valid" } } } },
    "/api/login": { post: { summary: "password (+ TOTP) login; sets an HttpOnly session cookie", responses: { "200": { description: "signed in" }, "401": { description: "refused" } } } },
    "/api/logout": { post: { summary: "end the session", responses: { "204": { description: "signed out" } } } },
    "/api/me": { get: { summary: "the signed-in user", responses: { "200": { description: "user" }, "401": { description: "not signed in" } } } },
    "/api/break-glass": { post: { summary: "declare emergency access: reason (10–500 characters), minutes (1–60); audited, privacy officer alerted", responses: { "200": { description: "until" } } } },
    "/api/instances/{id}": {
      get: {
        summary: "download one stored DICOM instance; header X-Purpose-Of-Use is required; access decided and audited first",
        responses: { "200": { description: "application/dicom" }, "403": { description: "refused, with the rule" }, "404": { description: "no such instance" } },
      },
    },
    "/api/decisions": { post: { summary: "may this study go to this recipient for this purpose by this channel: {study, to, purpose, channel?, selection?}; the decision with its rules, plan, preview and what is missing", responses: { "200": { description: "decision" }, "401": { description: "not signed in" } } } },
    "/api/shares": { post: { summary: "decide, prepare, encrypt and send: {study, to, purpose, channel?, smimeProfile?, passcode?, expiresDays?, maxDownloads?, previews?: jpeg|png, photos?: boolean}", responses: { "202": { description: "queued or sent" }, "403": { description: "refused, with the decision" } } } },
    "/api/deliveries/{id}": { get: { summary: "a delivery's status (queued, sending, sent, retrying, failed, delivered, bounced) and the DSNs/MDNs received; the sender or a privacy officer", responses: { "200": { description: "delivery and reports" }, "404": { description: "unknown, or not yours" } } } },
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

const SETUP_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rayvault setup</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head><body>
<h1>Rayvault: first administrator</h1>
<p>This link works once. The administrator signs in with a password and an authenticator app.</p>
<form id="f"><label>User name <input name="username" required pattern="[a-z0-9][a-z0-9._-]{2,63}"></label><br>
<label>Password (12+ characters, hard to guess) <input name="password" type="password" required minlength="12"></label><br>
<button>Create administrator</button></form><pre id="out"></pre>
<script>
document.getElementById("f").onsubmit = async (e) => {
  e.preventDefault();
  const d = new FormData(e.target);
  const token = new URLSearchParams(location.search).get("token");
  const r = await fetch("/api/setup", { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, username: d.get("username"), password: d.get("password") }) });
  const j = await r.json();
  document.getElementById("out").textContent = r.ok ? "Created. Add this to your authenticator app now (shown once):\\n" + j.totpUri : "Refused: " + j.message;
};
</script></body></html>`;

function cookieToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie ?? "";
  const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]{20,})`).exec(header);
  return m?.[1];
}

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

function body(req: FastifyRequest): Record<string, unknown> {
  return typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

const PICKUP_COOKIE = "rv_pickup";

/** The pickup page: no PHI (not even the clinic's patient name), a code box, a download button. */
const PICKUP_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Secure pickup</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head><body>
<h1>Secure pickup</h1><p id="why">Before anything is shown, prove it is you.</p>
<button id="send">Send me a code</button>
<form id="f"><label>Code or passcode <input name="code" autocomplete="one-time-code" required></label> <button>Check</button></form>
<p><button id="dl" disabled>Download</button></p><pre id="out"></pre>
<script>
const token = location.pathname.split("/").pop();
const out = (t) => { document.getElementById("out").textContent = t; };
document.getElementById("send").onclick = async () => { const r = await fetch("/api/portal/" + token + "/code", { method: "POST" }); const j = await r.json(); out(r.ok ? (j.factor === "passcode" ? "Enter the passcode the sender gave you." : "A code was sent to your address.") : j.message); };
document.getElementById("f").onsubmit = async (e) => { e.preventDefault(); const r = await fetch("/api/portal/" + token + "/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ code: new FormData(e.target).get("code") }) }); const j = await r.json(); out(r.ok ? "Verified." : j.message); document.getElementById("dl").disabled = !r.ok; };
document.getElementById("dl").onclick = () => { location.href = "/api/portal/" + token + "/package"; };
</script></body></html>`;

function pickupCookie(req: FastifyRequest): string | undefined {
  return new RegExp(`(?:^|;\\s*)${PICKUP_COOKIE}=([A-Za-z0-9_-]{20,})`).exec(req.headers.cookie ?? "")?.[1];
}

/** Portal errors: unknown 404, gone (expired, revoked, used up) 410, locked 429, not verified 401. */
function sendPortalError(reply: FastifyReply, e: unknown): FastifyReply {
  const code = errorCodeOf(e);
  const message = safeMessageOf(e);
  const status = code === ErrorCode.NotFound ? 404 : code === ErrorCode.StateLocked || code === ErrorCode.RateLimited ? 429 : code === ErrorCode.LinkGone ? 410 : code === ErrorCode.AccessDenied ? 401 : code === ErrorCode.UsageInvalid ? 400 : 500;
  return reply.code(status).send({ error: code, message });
}

export function buildServer(deps: UserDeps & ReadDeps & Partial<PortalDeps> & Partial<ImportDeps & { readonly renderer: ImageRenderer }>, logger?: Logger): FastifyInstance {
  const app = Fastify({ ...(logger ? { loggerInstance: logger } : { logger: false }), bodyLimit: 64 * 1024 }) as unknown as FastifyInstance;
  app.addHook("onSend", async (_req, reply) => {
    reply.header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer").header("cache-control", "no-store");
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/api/openapi.json", async () => OPENAPI);
  app.get("/setup", async (_req, reply) => reply.type("text/html; charset=utf-8").header("content-security-policy", "default-src 'self'; script-src 'unsafe-inline'").send(SETUP_PAGE));
  app.post("/api/setup", async (req, reply) => {
    try {
      const b = body(req);
      const r = await completeSetup({ token: str(b["token"]), username: str(b["username"]), password: str(b["password"]) }, deps);
      return await reply.code(201).send({ userId: r.id, totpUri: r.totpUri });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/login", async (req, reply) => {
    try {
      const b = body(req);
      const totp = str(b["totp"]);
      const r = await openSession({ username: str(b["username"]), password: str(b["password"]), ...(totp ? { totp } : {}) }, deps);
      if (r.outcome !== "ok" || !r.token) return await reply.code(401).send({ error: ErrorCode.AccessDenied, outcome: r.outcome === "unknown-user" ? "bad-credentials" : r.outcome });
      return await reply.header("set-cookie", `${COOKIE}=${r.token}; HttpOnly; SameSite=Strict; Path=/`).send({ roles: r.roles ?? [] });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/logout", async (req, reply) => {
    await closeSession(cookieToken(req), deps);
    return reply.code(204).header("set-cookie", `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`).send();
  });
  app.get("/api/me", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    return { userId: user.userId, username: user.username, roles: user.roles };
  });
  app.post("/api/break-glass", async (req, reply) => {
    try {
      const b = body(req);
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
  if (deps.portal && deps.publicUrl) {
    registerPortal(app, deps as PortalDeps);
    registerSharing(app, deps as PortalDeps & UserDeps);
  }
  if (deps.publicUrl && deps.inputs) registerDicomweb(app, deps as DicomwebDeps & ImportDeps & { publicUrl: string }, (req) => caller(req, deps));
  return app;
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
      return await reply.send(await decide(shareRequest(user, body(req)), deps));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/shares", async (req, reply) => {
    const user = await caller(req, deps);
    if (!user) return reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
    try {
      const r = await share(shareRequest(user, body(req)), deps);
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

function registerPortal(app: FastifyInstance, deps: PortalDeps): void {
  app.get<{ Params: { token: string } }>("/p/:token", async (req, reply) => {
    const state = await linkState(req.params.token, deps);
    const csp = "default-src 'self'; script-src 'unsafe-inline'; frame-ancestors 'none'";
    if (state.state !== "ok") return reply.code(state.state === "unknown" ? 404 : state.state === "locked" ? 429 : 410).type("text/html; charset=utf-8").header("content-security-policy", csp).send(`<!doctype html><title>Secure pickup</title><h1>This link cannot be used</h1><p>${state.reason.replace(/[<>&]/g, "")}</p>`);
    return reply.type("text/html; charset=utf-8").header("content-security-policy", csp).send(PICKUP_PAGE);
  });
  app.post<{ Params: { token: string } }>("/api/portal/:token/code", async (req, reply) => {
    try {
      return await reply.send({ factor: await sendCode(req.params.token, deps) });
    } catch (e) {
      return sendPortalError(reply, e);
    }
  });
  app.post<{ Params: { token: string } }>("/api/portal/:token/verify", async (req, reply) => {
    try {
      const session = await verifyCode(req.params.token, str(body(req)["code"]), deps);
      return await reply.header("set-cookie", `${PICKUP_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/api/portal/${req.params.token}`).send({ verified: true });
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
