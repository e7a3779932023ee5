/**
 * @module adapters/db/db-user-directory
 * The UserDirectory in the database (users table).
 */
import { and, count, eq, gt, isNull } from "drizzle-orm";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { UserDirectory, UserRecord } from "../../ports/user-directory.ts";
import type { Db } from "./open-database.ts";
import { apiTokens, sessions, setupTokens, users } from "./schema.ts";

function toUser(r: typeof users.$inferSelect): UserRecord {
  return {
    id: r.id, username: r.username, roles: r.roles, passwordHash: r.passwordHash, totpSecretEnc: r.totpSecretEnc, mfaRequired: r.mfaRequired,
    state: { failedAttempts: r.failedAttempts, lockedUntil: r.lockedUntil },
  };
}

export function dbUserDirectory(db: Db, now: () => string): UserDirectory {
  return {
    async add(u) {
      const inserted = await db
        .insert(users)
        .values({ id: u.id, username: u.username, roles: [...u.roles], passwordHash: u.passwordHash, totpSecretEnc: u.totpSecretEnc, mfaRequired: u.mfaRequired, createdAt: now() })
        .onConflictDoNothing({ target: users.username })
        .returning({ id: users.id });
      if (inserted.length === 0) throw new RayvaultError(ErrorCode.UsageInvalid, "that user name is taken");
    },
    async find(username): Promise<UserRecord | undefined> {
      const [r] = await db.select().from(users).where(eq(users.username, username)).limit(1);
      return r ? toUser(r) : undefined;
    },
    async findById(id): Promise<UserRecord | undefined> {
      const [r] = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return r ? toUser(r) : undefined;
    },
    async count() {
      return (await db.select({ n: count() }).from(users))[0]?.n ?? 0;
    },
    async createSession(tokenHash, userId, at) {
      await db.insert(sessions).values({ tokenHash, userId, createdAt: at, lastSeenAt: at });
    },
    async findSession(tokenHash) {
      const [s] = await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).limit(1);
      if (!s) return undefined;
      const bg = s.breakGlassReason && s.breakGlassUntil ? { breakGlass: { reason: s.breakGlassReason, expiresAt: s.breakGlassUntil } } : {};
      return { userId: s.userId, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, ...bg };
    },
    async touchSession(tokenHash, at) {
      await db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.tokenHash, tokenHash));
    },
    async createApiToken(id, userId, tokenHash, at) {
      await db.insert(apiTokens).values({ id, userId, tokenHash, createdAt: at });
    },
    async findApiToken(tokenHash) {
      const [t] = await db.select({ userId: apiTokens.userId }).from(apiTokens).where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt))).limit(1);
      return t?.userId;
    },
    async revokeApiToken(id, at) {
      const r = await db.update(apiTokens).set({ revokedAt: at }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning({ id: apiTokens.id });
      return r.length === 1;
    },
    async setBreakGlass(tokenHash, reason, until) {
      await db.update(sessions).set({ breakGlassReason: reason, breakGlassUntil: until }).where(eq(sessions.tokenHash, tokenHash));
    },
    async deleteSession(tokenHash) {
      await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
    },
    async createSetupToken(tokenHash, expiresAt) {
      await db.insert(setupTokens).values({ tokenHash, purpose: "first-administrator", expiresAt });
    },
    async consumeSetupToken(tokenHash, at) {
      const used = await db
        .update(setupTokens)
        .set({ usedAt: at })
        .where(and(eq(setupTokens.tokenHash, tokenHash), isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, at)))
        .returning({ h: setupTokens.tokenHash });
      return used.length === 1;
    },
    async saveState(id, state) {
      await db.update(users).set({ failedAttempts: state.failedAttempts, lockedUntil: state.lockedUntil ?? null }).where(eq(users.id, id));
    },
  };
}
