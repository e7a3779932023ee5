/**
 * @module interfaces/http/request-parts
 * Reading what a request carries, the same way in every route file: its JSON body as a record, a
 * string field, a cookie by name (token-shaped values only: anything else is as if absent), and the
 * signed-in caller with the purpose of use they declared.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebCaller } from "../../app/dicomweb.ts";
import type { SessionUser } from "../../app/sessions.ts";
import { ErrorCode } from "../../core/errors.ts";

/** The JSON body as a record ({} for anything else). */
export function bodyOf(req: FastifyRequest): Record<string, unknown> {
  return typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
}

/** A string field, "" when absent or not a string. */
export const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** A cookie's value when it looks like one of our tokens (base64url, dot-separated parts allowed). */
export function cookieOf(req: FastifyRequest, name: string): string | undefined {
  return new RegExp(`(?:^|;\\s*)${name}=([A-Za-z0-9_.-]{20,})`).exec(req.headers.cookie ?? "")?.[1];
}

/**
 * The signed-in caller and the purpose of use declared in X-Purpose-Of-Use ("" when none: the access
 * decision refuses it); when there is no caller, 401 is sent and the result is undefined.
 */
export function webCallerOf(callerOf: (req: FastifyRequest) => Promise<SessionUser | undefined>): (req: FastifyRequest, reply: FastifyReply) => Promise<WebCaller | undefined> {
  return async (req, reply) => {
    const user = await callerOf(req);
    if (!user) {
      await reply.code(401).send({ error: ErrorCode.AccessDenied, message: "not signed in" });
      return undefined;
    }
    return { user, purpose: str(req.headers["x-purpose-of-use"]) };
  };
}
