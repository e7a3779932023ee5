/**
 * @module interfaces/http/sso-routes
 * Hospital sign-in (OpenID Connect) for the portal: whether it is offered, the redirect to the provider
 * (the flow's state, nonce and PKCE verifier sealed in a cookie that only /api/sso sees, SameSite=Lax so
 * it comes back on the provider's redirect), the callback, and the authenticator code when the user's
 * role needs one and the provider did not say it used a second factor. Failures go back to the sign-in
 * page with a reason code, never a detail.
 */
import type { FastifyInstance } from "fastify";
import { ErrorCode } from "../../core/errors.ts";
import type { UserDeps } from "../../app/manage-users.ts";
import { completeSsoTotp, openSsoSession, seal, unseal } from "../../app/sso-sessions.ts";
import type { SsoProvider } from "../../ports/sso.ts";
import { RATE_LIMITS, sessionCookie } from "./web-security.ts";
import { bodyOf, cookieOf, str } from "./request-parts.ts";
import { addMinutes } from "../../core/policy/dated-rules.ts";

const FLOW = "rv_sso";
const PENDING = "rv_sso_pending";
const FLOW_MINUTES = 10;


export function registerSso(app: FastifyInstance, deps: UserDeps & { readonly sso?: SsoProvider; readonly publicUrl?: string }, sessionCookieName: string): void {
  app.get("/api/sso", async () => ({ enabled: deps.sso !== undefined && deps.publicUrl !== undefined }));
  const sso = deps.sso;
  const publicUrl = deps.publicUrl?.replace(/\/+$/, "");
  if (!sso || !publicUrl) return;
  const callback = `${publicUrl}/api/sso/callback`;
  const back = (why: string): string => `/?sso=${why}`;

  app.get("/api/sso/start", { config: { rateLimit: RATE_LIMITS.login } }, async (_req, reply) => {
    try {
      const start = await sso.start(callback);
      const flow = seal(deps, "sso-flow", { ...start.checks, exp: addMinutes(deps.now(), FLOW_MINUTES) });
      return await reply.header("set-cookie", `${FLOW}=${flow}; HttpOnly; Secure; SameSite=Lax; Path=/api/sso; Max-Age=${FLOW_MINUTES * 60}`).redirect(start.url, 302);
    } catch {
      return reply.redirect(back("unavailable"), 302);
    }
  });

  app.get("/api/sso/callback", { config: { rateLimit: RATE_LIMITS.login } }, async (req, reply) => {
    const clear = `${FLOW}=; HttpOnly; Secure; SameSite=Lax; Path=/api/sso; Max-Age=0`;
    const checks = unseal(deps, "sso-flow", cookieOf(req, FLOW));
    if (!checks?.["state"] || !checks["nonce"] || !checks["verifier"]) return reply.header("set-cookie", clear).redirect(back("expired"), 302);
    try {
      const identity = await sso.finish(`${publicUrl}${req.url}`, { state: checks["state"], nonce: checks["nonce"], verifier: checks["verifier"] });
      const r = await openSsoSession(identity, deps);
      if (r.outcome === "ok") return await reply.header("set-cookie", [clear, sessionCookie(sessionCookieName, r.token)]).redirect("/#/studies", 302);
      if (r.outcome === "totp-needed") return await reply.header("set-cookie", [clear, sessionCookie(PENDING, r.pending, "/api/sso", 300)]).redirect(back("totp"), 302);
      return await reply.header("set-cookie", clear).redirect(back(r.outcome === "locked" ? "locked" : "unknown-user"), 302);
    } catch {
      return reply.header("set-cookie", clear).redirect(back("failed"), 302);
    }
  });

  app.post("/api/sso/totp", { config: { rateLimit: RATE_LIMITS.login } }, async (req, reply) => {
    const r = await completeSsoTotp(cookieOf(req, PENDING), str(bodyOf(req)["totp"]).trim(), deps);
    if (r.outcome !== "ok" || !r.token) return reply.code(401).send({ error: ErrorCode.AccessDenied, outcome: r.outcome === "unknown-user" ? "bad-credentials" : r.outcome });
    return reply.header("set-cookie", [sessionCookie(PENDING, "", "/api/sso", 0), sessionCookie(sessionCookieName, r.token)]).send({ roles: r.roles ?? [] });
  });
}
