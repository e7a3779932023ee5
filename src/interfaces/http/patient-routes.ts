/**
 * @module interfaces/http/patient-routes
 * The patient's right-of-access API (no account): the risk warning's text, the identity check (details,
 * then a mailed code; a session cookie scoped to /api/patient), filing a request and seeing one's own.
 * Rate-limited; errors carry no PHI and do not say whether the details matched anyone.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { ErrorCode, errorCodeOf, safeMessageOf } from "../../core/errors.ts";
import { PLAIN_EMAIL_WARNING } from "../../app/manage-records.ts";
import { fileAccessRequest, myAccessRequests, startPatientSignin, verifyPatientCode } from "../../app/patient-requests.ts";
import type { PortalDeps } from "../../app/portal.ts";
import { RATE_LIMITS, sessionCookie } from "./web-security.ts";
import { bodyOf, cookieOf, str } from "./request-parts.ts";

const COOKIE = "rv_patient";

function sendError(reply: FastifyReply, e: unknown): FastifyReply {
  const code = errorCodeOf(e);
  const status = code === ErrorCode.AccessDenied ? 401 : code === ErrorCode.StateLocked || code === ErrorCode.RateLimited ? 429 : code === ErrorCode.UsageInvalid ? 400 : code === ErrorCode.NotFound ? 404 : 500;
  return reply.code(status).send({ error: code, message: safeMessageOf(e) });
}


export function registerPatient(app: FastifyInstance, deps: PortalDeps): void {
  app.get("/api/patient/warning", async () => ({ version: PLAIN_EMAIL_WARNING.version, text: PLAIN_EMAIL_WARNING.text }));
  app.post("/api/patient/code", { config: { rateLimit: RATE_LIMITS.portalCode } }, async (req, reply) => {
    try {
      const b = bodyOf(req);
      return await reply.send({ signin: await startPatientSignin({ email: str(b["email"]), mrn: str(b["mrn"]), birthDate: str(b["birthDate"]) }, deps) });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/patient/verify", { config: { rateLimit: RATE_LIMITS.portalCode } }, async (req, reply) => {
    try {
      const b = bodyOf(req);
      const session = await verifyPatientCode(str(b["signin"]), str(b["code"]), deps);
      return await reply.header("set-cookie", sessionCookie(COOKIE, session, "/api/patient", 30 * 60)).send({ verified: true });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.post("/api/patient/requests", async (req, reply) => {
    try {
      const b = bodyOf(req);
      const ack = str(b["acknowledgedWarning"]);
      const r = await fileAccessRequest(cookieOf(req, COOKIE), { format: str(b["format"]), channel: str(b["channel"]), ...(ack ? { acknowledgedWarning: ack } : {}) }, deps);
      return await reply.code(201).send({ id: r.id, dueAt: r.dueAt });
    } catch (e) {
      return sendError(reply, e);
    }
  });
  app.get("/api/patient/requests", async (req, reply) => {
    try {
      const rows = await myAccessRequests(cookieOf(req, COOKIE), deps);
      return await reply.send({ requests: rows.map((r) => ({ id: r.id, receivedAt: r.receivedAt, dueAt: r.dueAt, format: r.format, channel: r.channel, completedAt: r.completedAt })) });
    } catch (e) {
      return sendError(reply, e);
    }
  });
}
