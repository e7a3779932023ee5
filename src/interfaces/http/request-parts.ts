/**
 * @module interfaces/http/request-parts
 * Reading what a request carries, the same way in every route file: its JSON body as a record, a
 * string field, and a cookie by name (token-shaped values only: anything else is as if absent).
 */
import type { FastifyRequest } from "fastify";

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
