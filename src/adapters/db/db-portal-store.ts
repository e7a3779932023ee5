/**
 * @module adapters/db/db-portal-store
 * The PortalStore in the database: each change with its audit record; a download is counted with a
 * conditional update, so two at once cannot pass the limit.
 */
import { and, asc, desc, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { PortalLinkRow, PortalStore } from "../../ports/portal-store.ts";
import { appendAuditIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { disclosures, portalLinks } from "./schema.ts";

const toRow = (r: typeof portalLinks.$inferSelect): PortalLinkRow => ({ ...r, factor: r.factor as PortalLinkRow["factor"] });

export function dbPortalStore(db: Db): PortalStore {
  return {
    create(row, audit) {
      return db.transaction(async (tx) => {
        await tx.insert(portalLinks).values(row);
        await appendAuditIn(tx, audit);
      });
    },
    async byTokenHash(hash) {
      const [r] = await db.select().from(portalLinks).where(eq(portalLinks.tokenHash, hash));
      return r ? toRow(r) : undefined;
    },
    async get(id) {
      const [r] = await db.select().from(portalLinks).where(eq(portalLinks.id, id));
      return r ? toRow(r) : undefined;
    },
    async byShareKey(key) {
      const [r] = await db.select().from(portalLinks).where(eq(portalLinks.shareKey, key)).orderBy(desc(portalLinks.createdAt)).limit(1);
      return r ? toRow(r) : undefined;
    },
    update(id, patch, audit) {
      return db.transaction(async (tx) => {
        await tx.update(portalLinks).set(patch).where(eq(portalLinks.id, id));
        await appendAuditIn(tx, audit);
      });
    },
    issueCode(id, limits, patch, audit) {
      return db.transaction(async (tx) => {
        const done = await tx
          .update(portalLinks)
          .set({ ...patch, codesIssued: sql`${portalLinks.codesIssued} + 1` })
          .where(and(eq(portalLinks.id, id), lt(portalLinks.codesIssued, limits.maxCodes), or(isNull(portalLinks.codeExpiresAt), lte(portalLinks.codeExpiresAt, limits.expiresBefore))))
          .returning({ id: portalLinks.id });
        if (done.length === 0) return false;
        await appendAuditIn(tx, audit);
        return true;
      });
    },
    failAttempt(id, audit) {
      return db.transaction(async (tx) => {
        const [r] = await tx.update(portalLinks).set({ failedAttempts: sql`${portalLinks.failedAttempts} + 1` }).where(eq(portalLinks.id, id)).returning({ n: portalLinks.failedAttempts });
        const n = r?.n ?? 0;
        await appendAuditIn(tx, audit(n));
        return n;
      });
    },
    updateIfUnlocked(id, maxFailed, patch, audit) {
      return db.transaction(async (tx) => {
        const done = await tx.update(portalLinks).set(patch).where(and(eq(portalLinks.id, id), lt(portalLinks.failedAttempts, maxFailed))).returning({ id: portalLinks.id });
        if (done.length === 0) return false;
        await appendAuditIn(tx, audit);
        return true;
      });
    },
    download(id, disclosure, audit) {
      return db.transaction(async (tx) => {
        const done = await tx.update(portalLinks).set({ downloads: sql`${portalLinks.downloads} + 1` }).where(and(eq(portalLinks.id, id), lt(portalLinks.downloads, portalLinks.maxDownloads))).returning({ n: portalLinks.downloads });
        if (done.length === 0) return false;
        if (disclosure && done[0]!.n === 1) await tx.insert(disclosures).values(disclosure);
        await appendAuditIn(tx, audit);
        return true;
      });
    },
    async list() {
      return (await db.select().from(portalLinks).orderBy(asc(portalLinks.createdAt))).map(toRow);
    },
  };
}
