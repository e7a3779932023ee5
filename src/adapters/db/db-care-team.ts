/**
 * @module adapters/db/db-care-team
 * The CareTeam in the database: care_relationships rows, each change committed with its audit record.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { CareKind, CareTeam } from "../../ports/care-team.ts";
import { appendAuditIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { careRelationships } from "./schema.ts";

export function dbCareTeam(db: Db): CareTeam {
  return {
    assign(rel, audit) {
      return db.transaction(async (tx) => {
        await tx.insert(careRelationships).values({ ...rel });
        await appendAuditIn(tx, audit);
      });
    },
    end(userId, patientId, at, audit) {
      return db.transaction(async (tx) => {
        const ended = await tx
          .update(careRelationships)
          .set({ endedAt: at })
          .where(and(eq(careRelationships.userId, userId), eq(careRelationships.patientId, patientId), isNull(careRelationships.endedAt)))
          .returning({ id: careRelationships.id });
        if (ended.length > 0) await appendAuditIn(tx, { ...audit, objects: [...audit.objects, ...ended.map((e) => `care:${e.id}`)] });
        return ended.length;
      });
    },
    async isTreating(userId, patientId, now) {
      const rows = await db
        .select({ startsAt: careRelationships.startsAt, endsAt: careRelationships.endsAt })
        .from(careRelationships)
        .where(and(eq(careRelationships.userId, userId), eq(careRelationships.patientId, patientId), isNull(careRelationships.endedAt)));
      const t = Date.parse(now);
      return rows.some((r) => Date.parse(r.startsAt) <= t && (r.endsAt === null || t < Date.parse(r.endsAt)));
    },
    async list(userId) {
      const rows = await db.select().from(careRelationships).where(eq(careRelationships.userId, userId)).orderBy(desc(careRelationships.startsAt));
      return rows.map((r) => ({ ...r, kind: r.kind as CareKind }));
    },
  };
}
