/**
 * @module ports/user-directory
 * Workforce users and what authentication needs to know about them, plus the password and one-time-code
 * checks behind one interface (argon2id and TOTP today).
 */
import type { LoginState } from "../core/identity/login-policy.ts";

export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly passwordHash: string;
  readonly totpSecretEnc: string | null;
  readonly mfaRequired: boolean;
  readonly state: LoginState;
}

export interface SessionRecord {
  readonly userId: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly breakGlass?: { readonly reason: string; readonly expiresAt: string };
}

export interface UserDirectory {
  /** Refuses a taken user name with RV_USAGE_INVALID. */
  add(user: Omit<UserRecord, "state">): Promise<void>;
  find(username: string): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  saveState(id: string, state: LoginState): Promise<void>;
  count(): Promise<number>;
  /** Sessions and one-time tokens are looked up by the SHA-256 of their token, never stored in clear. */
  createSession(tokenHash: string, userId: string, at: string): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | undefined>;
  touchSession(tokenHash: string, at: string): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  setBreakGlass(tokenHash: string, reason: string, until: string): Promise<void>;
  createApiToken(id: string, userId: string, tokenHash: string, at: string): Promise<void>;
  /** The user of a live (not revoked) API token. */
  findApiToken(tokenHash: string): Promise<string | undefined>;
  /** False when there is no such live token. */
  revokeApiToken(id: string, at: string): Promise<boolean>;
  createSetupToken(tokenHash: string, expiresAt: string): Promise<void>;
  /** Marks the token used if it is unused and unexpired; false otherwise (atomic). */
  consumeSetupToken(tokenHash: string, at: string): Promise<boolean>;
}

export interface Credentials {
  hashPassword(password: string): Promise<string>;
  verifyPassword(hash: string, password: string): Promise<boolean>;
  newTotpSecret(): string;
  totpUri(secret: string, username: string): string;
  verifyTotp(secret: string, code: string): Promise<boolean>;
}
