/**
 * @module interfaces/http/web-security
 * The browser-facing protections of the HTTP server, in one place: security headers on every response
 * (a strict Content-Security-Policy for the portal, HSTS, no-store, no sniffing, no referrer, no framing),
 * cross-site request refusal for state-changing requests (Origin / Sec-Fetch-Site, beside SameSite=Strict
 * cookies), rate limits for sign-in, codes and links (counted in the database, so they hold across
 * instances), and the session cookie's attributes.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import { ErrorCode } from "../../core/errors.ts";
import type { RateCounter } from "../../ports/rate-counter.ts";

/** The portal's policy: our own scripts and styles only; camera frames and previews as blob: URLs. */
export const PORTAL_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "media-src 'self' blob: mediastream:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join("; ");

/** API responses are data, never documents: nothing may run or load from them. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Session cookies: HttpOnly, SameSite=Strict, Secure (browsers accept Secure on http://127.0.0.1 and localhost). */
export function sessionCookie(name: string, value: string, path = "/", maxAgeSeconds?: number): string {
  return `${name}=${value}; HttpOnly; Secure; SameSite=Strict; Path=${path}${maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ""}`;
}

/** Per-route rate limits (per client address, per minute); the account lockout and link locks are beside them. */
export const RATE_LIMITS = {
  login: { max: 20, timeWindow: "1 minute" },
  portalCode: { max: 20, timeWindow: "1 minute" },
  portalLink: { max: 60, timeWindow: "1 minute" },
} as const;

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * A state-changing request a browser sent from another site: its Origin is not ours, or Fetch Metadata
 * says cross-site. Clients that are not browsers send neither header and authenticate with a bearer
 * token or a cookie they hold themselves, so they pass.
 */
export function crossSite(req: FastifyRequest, allowedOrigins: ReadonlySet<string>): boolean {
  if (!UNSAFE.has(req.method)) return false;
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const host = req.headers.host;
  return !(allowedOrigins.has(origin) || (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)));
}

/**
 * @fastify/rate-limit's store interface over a shared RateCounter: one counter per route and client
 * address, keyed by a hash (a client's IP address is an identifier; only its hash is stored).
 */
function sharedRateStore(counter: RateCounter): FastifyRateLimitStoreCtor {
  const storeFor = (scope: string): FastifyRateLimitStoreCtor =>
    class SharedRateStore implements FastifyRateLimitStore {
      // The plugin passes the route's window as a third argument (its typings leave it out).
      incr(key: string, cb: (err: Error | null, res?: { current: number; ttl: number }) => void, timeWindow?: number): void {
        const hashed = createHash("sha256").update(`rayvault-rate-v1\u0000${scope}\u0000${key}`).digest("hex");
        counter.hit(hashed, timeWindow ?? 60_000).then((r) => cb(null, { current: r.count, ttl: r.ttlMs }), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
      }
      // The plugin hands each route's options with `routeInfo` (the route); its typings name them RouteOptions.
      child(options: object): FastifyRateLimitStore {
        const route = (options as { readonly routeInfo?: { readonly method?: string | string[]; readonly url?: string } }).routeInfo;
        const method = Array.isArray(route?.method) ? route.method.join(",") : (route?.method ?? "");
        const Store = storeFor(`${method} ${route?.url ?? ""}`);
        return new Store({});
      }
    };
  return storeFor("global");
}

export function registerWebSecurity(app: FastifyInstance, publicUrl: string | undefined, counter?: RateCounter): void {
  const origins = new Set<string>(publicUrl ? [new URL(publicUrl).origin] : []);
  // With a shared counter (the database) the limits hold across every instance; without one, per process.
  void app.register(rateLimit, {
    global: false, ...(counter ? { store: sharedRateStore(counter) } : {}),
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: ErrorCode.RateLimited, message: `too many requests: try again in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });
  app.addHook("onRequest", async (req, reply) => {
    if (crossSite(req, origins)) await reply.code(403).send({ error: ErrorCode.AccessDenied, message: "cross-site request refused" });
  });
  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("x-content-type-options", "nosniff").header("referrer-policy", "no-referrer").header("cache-control", "no-store").header("x-frame-options", "DENY")
      .header("cross-origin-opener-policy", "same-origin").header("cross-origin-resource-policy", "same-origin").header("permissions-policy", "camera=(self), microphone=(), geolocation=()");
    // Browsers honour HSTS only when it arrives over https (RFC 6797 §8.1), so the plain-http loopback
    // development server is not locked out; behind the clinic's TLS proxy it pins https for a year.
    reply.header("strict-transport-security", "max-age=31536000; includeSubDomains");
    if (!reply.hasHeader("content-security-policy")) {
      const type = String(reply.getHeader("content-type") ?? "");
      reply.header("content-security-policy", type.startsWith("text/html") ? PORTAL_CSP : API_CSP);
    }
    return payload;
  });
}
