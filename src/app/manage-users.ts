/**
 * @module app/manage-users
 * Use-cases `rayvault user add` and `rayvault user login`: a user is created only with a password that
 * passes the policy and, for administrators and privacy officers (or when configured for everyone), a
 * TOTP second factor whose enrolment link is shown once. Every login, failed login and lockout is an
 * audit record; a lockout raises an alert.
 */
import { randomUUID } from "node:crypto";
import { Role } from "../core/access/decide-access.ts";
import { decryptField, encryptField, type FieldKeys } from "../core/crypto/field-crypto.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { decideLogin, type LoginAttempt, type LoginOutcome } from "../core/identity/login-policy.ts";
import { checkPassword } from "../core/identity/password-policy.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { RandomSource } from "../ports/random.ts";
import type { Credentials, UserDirectory, UserRecord } from "../ports/user-directory.ts";
import { AlertKind } from "../core/alerts/alert.ts";
import { raiseAlert, type AlertDeps } from "./alerts.ts";

export interface UserDeps extends AlertDeps {
  readonly users: UserDirectory;
  readonly credentials: Credentials;
  readonly audit: AuditLog;
  readonly fields: FieldKeys;
  readonly random: RandomSource;
  readonly now: () => string;
}

/** Roles a user or token may hold (a routing rule acts only as itself). */
const ROLES: ReadonlySet<string> = new Set(Object.values(Role).filter((r) => r !== Role.RoutingRule));
const MFA_ROLES: ReadonlySet<string> = new Set([Role.Administrator, Role.PrivacyOfficer]);

export interface AddUserResult {
  readonly id: string;
  /** otpauth:// link to enrol the authenticator app; shown once, never stored in clear. */
  readonly totpUri?: string;
}

/** Refuses an invalid user name or a password the policy rejects (RV_USAGE_INVALID, with the reasons). */
export function validateNewUser(username: string, password: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{2,63}$/.test(username)) throw new RayvaultError(ErrorCode.UsageInvalid, "user name: 3–64 of a–z, 0–9, '.', '_', '-'");
  const verdict = checkPassword(password, { username });
  if (!verdict.ok) throw new RayvaultError(ErrorCode.UsageInvalid, `password refused: ${verdict.reasons.join("; ")}`);
}

export async function addUser(req: { username: string; roles: readonly string[]; password: string; requireMfa?: boolean; actor: string }, deps: UserDeps): Promise<AddUserResult> {
  const unknown = req.roles.filter((r) => !ROLES.has(r));
  if (req.roles.length === 0 || unknown.length > 0) throw new RayvaultError(ErrorCode.UsageInvalid, `roles must be among ${[...ROLES].join(", ")}`);
  validateNewUser(req.username, req.password);
  const mfaRequired = req.requireMfa === true || req.roles.some((r) => MFA_ROLES.has(r));
  const secret = mfaRequired ? deps.credentials.newTotpSecret() : undefined;
  const id = randomUUID();
  await deps.users.add({
    id,
    username: req.username,
    roles: req.roles,
    passwordHash: await deps.credentials.hashPassword(req.password),
    totpSecretEnc: secret ? encryptField(deps.fields, "users.totp_secret", secret, deps.random.bytes(12)) : null,
    mfaRequired,
  });
  await deps.audit.append({ time: deps.now(), actor: req.actor, action: "user.add", objects: [`user:${id}`], purpose: "operations", outcome: "success" });
  return { id, ...(secret ? { totpUri: deps.credentials.totpUri(secret, req.username) } : {}) };
}

let dummyHash: string | undefined;

export interface LoginResult {
  readonly outcome: LoginOutcome | "unknown-user";
  readonly userId?: string;
  readonly roles?: readonly string[];
  readonly alert: boolean;
}

/**
 * The login policy applied to one attempt on a known user, with its consequences: the failure count or
 * lockout saved, the audit record (`extra` objects beside the user), and the alert on a lockout. Shared
 * by the password sign-in and the second step after the hospital's sign-in.
 */
export async function recordLogin(user: UserRecord, attempt: LoginAttempt, deps: UserDeps, extra: readonly string[] = []): Promise<LoginResult> {
  const now = deps.now();
  const decision = decideLogin(user.state, attempt, now);
  await deps.users.saveState(user.id, decision.state);
  const action = decision.outcome === "ok" ? "login" : decision.alert ? "login.lockout" : "login.fail";
  await deps.audit.append({ time: now, actor: `user:${user.id}`, action, objects: [`user:${user.id}`, ...extra], purpose: "operations", outcome: decision.outcome === "ok" ? "success" : "failure" });
  if (decision.alert) await raiseAlert(AlertKind.AccountLocked, [`user:${user.id}`], deps);
  return { outcome: decision.outcome, userId: user.id, ...(decision.outcome === "ok" ? { roles: user.roles } : {}), alert: decision.alert };
}

export async function loginUser(req: { username: string; password: string; totp?: string }, deps: UserDeps): Promise<LoginResult> {
  const now = deps.now();
  const user = await deps.users.find(req.username);
  if (!user) {
    // Same work as a real check, so a missing user is not told apart by timing; audited by reference.
    dummyHash ??= await deps.credentials.hashPassword("rayvault timing equaliser, never a real password");
    await deps.credentials.verifyPassword(dummyHash, req.password);
    await deps.audit.append({ time: now, actor: "anonymous", action: "login.fail", objects: [], purpose: "operations", outcome: "failure" });
    return { outcome: "unknown-user", alert: false };
  }
  const passwordOk = await deps.credentials.verifyPassword(user.passwordHash, req.password);
  const totpOk =
    user.mfaRequired && req.totp !== undefined && user.totpSecretEnc
      ? await deps.credentials.verifyTotp(decryptField(deps.fields, "users.totp_secret", user.totpSecretEnc), req.totp)
      : undefined;
  return recordLogin(user, { passwordOk, mfaRequired: user.mfaRequired, ...(totpOk === undefined ? {} : { totpOk }) }, deps);
}
