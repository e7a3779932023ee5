/**
 * @module app/sessions
 * Sessions and the first-administrator setup: a session is a random 256-bit token whose SHA-256 alone is
 * stored, checked on every request against the idle and absolute limits (automatic logoff,
 * 164.312(a)(2)(iii)); the setup link is a one-time, 24-hour token offered only while no user exists.
 */
import { AlertKind } from "../core/alerts/alert.ts";
import { raiseAlert } from "./alerts.ts";
import { createHash } from "node:crypto";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { sessionStatus } from "../core/identity/login-policy.ts";
import { addUser, loginUser, validateNewUser, type AddUserResult, type LoginResult, type UserDeps } from "./manage-users.ts";

const sha256 = (token: string): string => createHash("sha256").update(token).digest("hex");
const newToken = (deps: UserDeps): string => Buffer.from(deps.random.bytes(32)).toString("base64url");

export interface SessionUser {
  readonly userId: string;
  readonly username: string;
  readonly roles: readonly string[];
  /** Signed in with a second factor (users who need one cannot sign in without it). */
  readonly mfa: boolean;
  readonly breakGlass?: { readonly reason: string; readonly expiresAt: string };
}

/** Logs in; on success opens a session and returns its token (to be set as an HttpOnly cookie). */
export async function openSession(req: { username: string; password: string; totp?: string }, deps: UserDeps): Promise<LoginResult & { token?: string }> {
  const r = await loginUser(req, deps);
  if (r.outcome !== "ok" || !r.userId) return r;
  return { ...r, token: await startSession(r.userId, deps) };
}

/** A new session for a user the sign-in (password or hospital) has accepted: its token, stored only as a hash. */
export async function startSession(userId: string, deps: UserDeps): Promise<string> {
  const token = newToken(deps);
  await deps.users.createSession(sha256(token), userId, deps.now());
  return token;
}

/** The session's user, or undefined when the token is unknown, idle too long or too old (then it ends). */
export async function checkSession(token: string | undefined, deps: UserDeps): Promise<SessionUser | undefined> {
  if (!token) return undefined;
  const hash = sha256(token);
  const s = await deps.users.findSession(hash);
  if (!s) return undefined;
  const now = deps.now();
  if (sessionStatus(s, now) !== "ok") {
    await deps.users.deleteSession(hash);
    await deps.audit.append({ time: now, actor: `user:${s.userId}`, action: "logout.timeout", objects: [`user:${s.userId}`], purpose: "operations", outcome: "success" });
    return undefined;
  }
  await deps.users.touchSession(hash, now);
  const user = await deps.users.findById(s.userId);
  if (!user) return undefined;
  return { userId: user.id, username: user.username, roles: user.roles, mfa: user.mfaRequired, ...(s.breakGlass ? { breakGlass: s.breakGlass } : {}) };
}

/**
 * Emergency access (164.312(a)(2)(ii)): the user states why, for at most 60 minutes; it is audited with
 * an alert for the privacy officer, and the access decision then allows emergency treatment viewing.
 */
export async function declareBreakGlass(token: string | undefined, req: { reason: string; minutes: number }, deps: UserDeps): Promise<{ readonly expiresAt: string }> {
  const user = await checkSession(token, deps);
  if (!user || !token) throw new RayvaultError(ErrorCode.AccessDenied, "not signed in");
  const reason = req.reason.trim();
  if (reason.length < 10 || reason.length > 500) throw new RayvaultError(ErrorCode.UsageInvalid, "break-glass needs a reason of 10–500 characters");
  if (!Number.isInteger(req.minutes) || req.minutes < 1 || req.minutes > 60) throw new RayvaultError(ErrorCode.UsageInvalid, "break-glass lasts 1–60 minutes");
  const expiresAt = new Date(Date.parse(deps.now()) + req.minutes * 60_000).toISOString();
  await deps.users.setBreakGlass(sha256(token), reason, expiresAt);
  await deps.audit.append({ time: deps.now(), actor: `user:${user.userId}`, action: "break-glass.declare", objects: [`user:${user.userId}`], purpose: "emergency-treatment", outcome: "success" });
  await raiseAlert(AlertKind.BreakGlassDeclared, [`user:${user.userId}`], deps);
  return { expiresAt };
}

/** A new API token for a user (shown once); only its hash is kept. Audited. */
export async function createApiToken(username: string, actor: string, deps: UserDeps): Promise<{ readonly id: string; readonly token: string }> {
  const user = await deps.users.find(username);
  if (!user) throw new RayvaultError(ErrorCode.NotFound, "no such user");
  const token = `rv_${newToken(deps)}`;
  const id = `tok-${Buffer.from(deps.random.bytes(8)).toString("hex")}`;
  await deps.users.createApiToken(id, user.id, sha256(token), deps.now());
  await deps.audit.append({ time: deps.now(), actor, action: "user.token.create", objects: [`user:${user.id}`, `token:${id}`], purpose: "operations", outcome: "success" });
  return { id, token };
}

export async function revokeApiToken(id: string, actor: string, deps: UserDeps): Promise<void> {
  if (!(await deps.users.revokeApiToken(id, deps.now()))) throw new RayvaultError(ErrorCode.NotFound, "no such live token");
  await deps.audit.append({ time: deps.now(), actor, action: "user.token.revoke", objects: [`token:${id.slice(0, 40)}`], purpose: "operations", outcome: "success" });
}

/** The user behind a bearer API token, or undefined. */
export async function checkApiToken(token: string | undefined, deps: UserDeps): Promise<SessionUser | undefined> {
  if (!token?.startsWith("rv_")) return undefined;
  const userId = await deps.users.findApiToken(sha256(token));
  const user = userId ? await deps.users.findById(userId) : undefined;
  return user ? { userId: user.id, username: user.username, roles: user.roles, mfa: false } : undefined;
}

export async function closeSession(token: string | undefined, deps: UserDeps): Promise<void> {
  if (token) await deps.users.deleteSession(sha256(token));
}

/** While no user exists, a fresh one-time setup token (its link is printed at start); otherwise undefined. */
export async function offerSetup(deps: UserDeps): Promise<string | undefined> {
  if ((await deps.users.count()) > 0) return undefined;
  const token = newToken(deps);
  await deps.users.createSetupToken(sha256(token), new Date(Date.parse(deps.now()) + 24 * 3_600_000).toISOString());
  return token;
}

/** Creates the first administrator (with TOTP) from a valid, unused setup token. */
export async function completeSetup(req: { token: string; username: string; password: string }, deps: UserDeps): Promise<AddUserResult> {
  // Check what the user typed before spending the one-time token on it.
  validateNewUser(req.username, req.password);
  if ((await deps.users.count()) > 0 || !(await deps.users.consumeSetupToken(sha256(req.token), deps.now()))) {
    throw new RayvaultError(ErrorCode.AccessDenied, "this setup link is not valid (used, expired, or setup is already done)");
  }
  return addUser({ username: req.username, roles: ["administrator"], password: req.password, requireMfa: true, actor: "setup-link" }, deps);
}
