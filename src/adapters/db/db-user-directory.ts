/**
 * @module adapters/db/db-user-directory
 * The UserDirectory in the database (users table).
 */
import { eq } from "drizzle-orm";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { UserDirectory, UserRecord } from "../../ports/user-directory.ts";
import type { Db } from "./open-database.ts";
import { users } from "./schema.ts";

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
      if (!r) return undefined;
      return {
        id: r.id, username: r.username, roles: r.roles, passwordHash: r.passwordHash, totpSecretEnc: r.totpSecretEnc, mfaRequired: r.mfaRequired,
        state: { failedAttempts: r.failedAttempts, lockedUntil: r.lockedUntil },
      };
    },
    async saveState(id, state) {
      await db.update(users).set({ failedAttempts: state.failedAttempts, lockedUntil: state.lockedUntil ?? null }).where(eq(users.id, id));
    },
  };
}
