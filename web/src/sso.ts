// Hospital sign-in (OpenID Connect): whether the server offers it, the reason codes it sends back, and the second step.
import { json } from "./api";

export const SSO_START = "/api/sso/start";

export const SSO_MESSAGES: Record<string, string> = {
  "unknown-user": "Your hospital account is not set up in Rayvault. Ask an administrator to add a user with the same user name.",
  locked: "This account is locked. Ask an administrator to unlock it.",
  expired: "The hospital sign-in took too long. Try again.",
  failed: "The hospital sign-in did not complete. Try again.",
  unavailable: "The hospital sign-in service cannot be reached. Sign in with your password and code.",
};

export async function ssoEnabled(signal?: AbortSignal): Promise<boolean> {
  const res = await fetch("/api/sso", { credentials: "same-origin", cache: "no-store", ...(signal ? { signal } : {}) });
  if (!res.ok) return false;
  const body = (await res.json()) as { enabled?: unknown };
  return body.enabled === true;
}

/** The authenticator code after the hospital sign-in; refusals are ApiErrors whose body has the outcome (as /api/login's). */
export function ssoTotp(totp: string): Promise<unknown> {
  return json("/api/sso/totp", { json: { totp }, audience: "public" });
}
