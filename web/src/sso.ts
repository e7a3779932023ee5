// Hospital sign-in (OpenID Connect): whether the server offers it, the reason codes it sends back, and the second step.
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

/** The authenticator code after the hospital sign-in; the outcome on refusal (as /api/login's). */
export async function ssoTotp(totp: string): Promise<{ ok: true } | { ok: false; outcome: string }> {
  const res = await fetch("/api/sso/totp", { method: "POST", credentials: "same-origin", cache: "no-store", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ totp }) });
  if (res.ok) return { ok: true };
  const body = (await res.json().catch(() => ({}))) as { outcome?: unknown };
  return { ok: false, outcome: typeof body.outcome === "string" ? body.outcome : "failed" };
}
