/**
 * @module app/sso-sessions
 * Hospital single sign-on: the identity the provider vouches for is mapped to the local user of the same
 * name (roles, lockout and audit stay Rayvault's). A user whose role needs a second factor gets a session
 * only if the provider says it used one (amr), or after the authenticator code asked here, counted
 * against the same lockout as a password sign-in. The short-lived browser state (the flow's checks, the
 * pending second step) travels in cookies sealed with an HMAC under the vault's index key.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { decryptField } from "../core/crypto/field-crypto.ts";
import { decideLogin } from "../core/identity/login-policy.ts";
import type { SsoIdentity } from "../ports/sso.ts";
import { recordLogin, type LoginResult, type UserDeps } from "./manage-users.ts";
import { startSession } from "./sessions.ts";
import { addMinutes } from "../core/policy/dated-rules.ts";

const PENDING_MINUTES = 5;

/** A value the browser carries but cannot alter: base64url(JSON) "." HMAC-SHA256 under the index key. */
export function seal(deps: Pick<UserDeps, "fields">, purpose: string, value: Record<string, string>): string {
  const body = Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${body}.${createHmac("sha256", deps.fields.index).update(`rayvault-sealed-v1\u0000${purpose}\u0000${body}`).digest("base64url")}`;
}

/** The sealed value, if its MAC holds and its `exp` (ISO time) is in the future. */
export function unseal(deps: Pick<UserDeps, "fields" | "now">, purpose: string, sealed: string | undefined): Record<string, string> | undefined {
  const [body, mac] = (sealed ?? "").split(".");
  if (!body || !mac) return undefined;
  const want = createHmac("sha256", deps.fields.index).update(`rayvault-sealed-v1\u0000${purpose}\u0000${body}`).digest();
  const got = Buffer.from(mac, "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  const value = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<string, string>;
  return typeof value["exp"] === "string" && value["exp"] > deps.now() ? value : undefined;
}

export type SsoResult =
  | { readonly outcome: "ok"; readonly token: string }
  | { readonly outcome: "totp-needed"; readonly pending: string }
  | { readonly outcome: "unknown-user" | "locked" };

const sha256 = (v: string): string => createHash("sha256").update(v).digest("hex");

/** The provider's identity → a session, a second step, or a refusal (each audited, by reference). */
export async function openSsoSession(id: SsoIdentity, deps: UserDeps): Promise<SsoResult> {
  const now = deps.now();
  const who = `sso-subject:${sha256(`${id.issuer}\u0000${id.subject}`).slice(0, 16)}`;
  const user = /^[a-z0-9][a-z0-9._-]{2,63}$/.test(id.username) ? await deps.users.find(id.username) : undefined;
  if (!user) {
    await deps.audit.append({ time: now, actor: "anonymous", action: "login.sso.fail", objects: [who], purpose: "operations", outcome: "failure" });
    return { outcome: "unknown-user" };
  }
  // The password sign-in's policy decides the lockout (the provider stands for the password).
  const decision = decideLogin(user.state, { passwordOk: true, mfaRequired: false }, now);
  if (decision.outcome === "locked") {
    await deps.audit.append({ time: now, actor: `user:${user.id}`, action: "login.sso.fail", objects: [`user:${user.id}`, who, "locked"], purpose: "operations", outcome: "failure" });
    return { outcome: "locked" };
  }
  if (user.mfaRequired && !id.mfa) {
    await deps.audit.append({ time: now, actor: `user:${user.id}`, action: "login.sso.second-factor", objects: [`user:${user.id}`, who], purpose: "operations", outcome: "success" });
    return { outcome: "totp-needed", pending: seal(deps, "sso-pending", { u: user.id, exp: addMinutes(now, PENDING_MINUTES) }) };
  }
  // A sign-in that succeeds clears the count of earlier failures, as the password sign-in does.
  await deps.users.saveState(user.id, decision.state);
  await deps.audit.append({ time: now, actor: `user:${user.id}`, action: "login.sso", objects: [`user:${user.id}`, who, ...(id.mfa ? ["mfa:provider"] : [])], purpose: "operations", outcome: "success" });
  return { outcome: "ok", token: await startSession(user.id, deps) };
}

/** The second step after the provider: the authenticator code, under the same lockout as a password sign-in. */
export async function completeSsoTotp(pending: string | undefined, totp: string, deps: UserDeps): Promise<LoginResult & { token?: string }> {
  const p = unseal(deps, "sso-pending", pending);
  const user = p?.["u"] ? await deps.users.findById(p["u"]) : undefined;
  if (!user?.totpSecretEnc) return { outcome: "bad-credentials", alert: false };
  const totpOk = /^\d{6}$/.test(totp) ? await deps.credentials.verifyTotp(decryptField(deps.fields, "users.totp_secret", user.totpSecretEnc), totp) : false;
  // The provider vouched for the person; the code is the second factor, under the password sign-in's lockout.
  const r = await recordLogin(user, { passwordOk: true, mfaRequired: true, totpOk }, deps, ["via:sso", "mfa:totp"]);
  return r.outcome === "ok" ? { ...r, token: await startSession(user.id, deps) } : r;
}
