/**
 * @module core/identity/login-policy
 * Authentication decisions (164.312(d), 164.308(a)(5)(ii)(C)): lockout after repeated failures with an
 * alert, MFA where the role or the configuration requires it, automatic logoff after inactivity and an
 * absolute session lifetime (164.312(a)(2)(iii)). Pure: state in, decision and new state out.
 */

export interface LoginPolicy {
  readonly maxFailures: number;
  readonly lockMinutes: number;
  readonly idleMinutes: number;
  readonly absoluteHours: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = { maxFailures: 5, lockMinutes: 15, idleMinutes: 15, absoluteHours: 12 };

export interface LoginState {
  readonly failedAttempts: number;
  /** ISO time until which the account is locked. */
  readonly lockedUntil?: string | null;
}

export interface LoginAttempt {
  readonly passwordOk: boolean;
  /** undefined when no code was given. */
  readonly totpOk?: boolean;
  readonly mfaRequired: boolean;
}

export type LoginOutcome = "ok" | "locked" | "bad-credentials" | "mfa-required" | "mfa-wrong";

export interface LoginDecision {
  readonly outcome: LoginOutcome;
  readonly state: LoginState;
  /** This attempt locked the account: tell the privacy/security officer (possible attack). */
  readonly alert: boolean;
}

export function decideLogin(state: LoginState, attempt: LoginAttempt, now: string, policy: LoginPolicy = DEFAULT_LOGIN_POLICY): LoginDecision {
  if (state.lockedUntil && Date.parse(state.lockedUntil) > Date.parse(now)) return { outcome: "locked", state, alert: false };
  const fail = (outcome: LoginOutcome): LoginDecision => {
    const failed = state.failedAttempts + 1;
    if (failed >= policy.maxFailures) {
      const until = new Date(Date.parse(now) + policy.lockMinutes * 60_000).toISOString();
      return { outcome: "locked", state: { failedAttempts: 0, lockedUntil: until }, alert: true };
    }
    return { outcome, state: { failedAttempts: failed, lockedUntil: null }, alert: false };
  };
  if (!attempt.passwordOk) return fail("bad-credentials");
  if (attempt.mfaRequired) {
    if (attempt.totpOk === undefined) return { outcome: "mfa-required", state, alert: false };
    if (!attempt.totpOk) return fail("mfa-wrong");
  }
  return { outcome: "ok", state: { failedAttempts: 0, lockedUntil: null }, alert: false };
}

export interface SessionTimes {
  readonly createdAt: string;
  readonly lastSeenAt: string;
}

/** "ok", or why the session has ended (automatic logoff). */
export function sessionStatus(s: SessionTimes, now: string, policy: LoginPolicy = DEFAULT_LOGIN_POLICY): "ok" | "idle-timeout" | "expired" {
  const t = Date.parse(now);
  if (t - Date.parse(s.createdAt) > policy.absoluteHours * 3_600_000) return "expired";
  if (t - Date.parse(s.lastSeenAt) > policy.idleMinutes * 60_000) return "idle-timeout";
  return "ok";
}
