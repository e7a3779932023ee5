/**
 * @module adapters/db/db-delivery-store
 * The DeliveryStore in the database. A claim takes the row with `FOR UPDATE SKIP LOCKED`, so several
 * workers (or instances) never send the same delivery at once; a "sending" row left by a crash is
 * claimed again once stale. Sending and its disclosure record commit together with the audit record.
 */
import { and, asc, eq, inArray, lte, or, sql } from "drizzle-orm";
import type { DeliveryReportRow, DeliveryRow, DeliveryStore } from "../../ports/delivery-store.ts";
import { appendAuditIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { deliveries, deliveryReports, disclosures, recipients } from "./schema.ts";

const toRow = (r: typeof deliveries.$inferSelect): DeliveryRow => ({ ...r, status: r.status as DeliveryRow["status"], kind: r.kind === "notification" ? "notification" : "message" });

export function dbDeliveryStore(db: Db): DeliveryStore {
  return {
    enqueue(row, audit) {
      return db.transaction(async (tx) => {
        const inserted = await tx.insert(deliveries).values(row).onConflictDoNothing({ target: deliveries.idempotencyKey }).returning();
        if (inserted.length === 0) {
          const [existing] = await tx.select().from(deliveries).where(eq(deliveries.idempotencyKey, row.idempotencyKey));
          return { delivery: toRow(existing!), created: false };
        }
        await appendAuditIn(tx, audit);
        return { delivery: toRow(inserted[0]!), created: true };
      });
    },
    async findByKey(key) {
      const [r] = await db.select().from(deliveries).where(eq(deliveries.idempotencyKey, key));
      return r ? toRow(r) : undefined;
    },
    async find(id) {
      const [r] = await db.select().from(deliveries).where(eq(deliveries.id, id));
      return r ? toRow(r) : undefined;
    },
    async findByMessageId(messageId) {
      const [r] = await db.select().from(deliveries).where(eq(deliveries.messageId, messageId)).orderBy(asc(deliveries.createdAt)).limit(1);
      return r ? toRow(r) : undefined;
    },
    recordReport(report, status, audit) {
      return db.transaction(async (tx) => {
        await tx.insert(deliveryReports).values(report);
        // Only a sent message can be delivered or bounced; "bounced" is not undone by a later receipt.
        if (status === "bounced") await tx.update(deliveries).set({ status }).where(and(eq(deliveries.id, report.deliveryId), inArray(deliveries.status, ["sent", "delivered"])));
        if (status === "delivered") await tx.update(deliveries).set({ status }).where(and(eq(deliveries.id, report.deliveryId), eq(deliveries.status, "sent")));
        await appendAuditIn(tx, audit);
      });
    },
    async reportsOf(deliveryId) {
      const rows = await db.select().from(deliveryReports).where(eq(deliveryReports.deliveryId, deliveryId)).orderBy(asc(deliveryReports.receivedAt));
      return rows.map((r): DeliveryReportRow => ({ ...r, kind: r.kind === "mdn" ? "mdn" : "dsn" }));
    },
    claim(now, staleBefore, id, channels) {
      return db.transaction(async (tx) => {
        const [due] = await tx
          .select()
          .from(deliveries)
          .where(and(
            or(and(inArray(deliveries.status, ["queued", "retrying"]), lte(deliveries.nextAttemptAt, now)), and(eq(deliveries.status, "sending"), lte(deliveries.nextAttemptAt, staleBefore))),
            id === undefined ? undefined : eq(deliveries.id, id),
            channels === undefined ? undefined : inArray(deliveries.channel, [...channels]),
          ))
          .orderBy(asc(deliveries.nextAttemptAt))
          .limit(1)
          .for("update", { skipLocked: true });
        if (!due) return undefined;
        const [claimed] = await tx.update(deliveries).set({ status: "sending", attempts: sql`${deliveries.attempts} + 1`, nextAttemptAt: now }).where(eq(deliveries.id, due.id)).returning();
        return toRow(claimed!);
      });
    },
    markSent(id, at, disclosure, audit) {
      return db.transaction(async (tx) => {
        const [d] = await tx.update(deliveries).set({ status: "sent", sentAt: at, lastError: null }).where(eq(deliveries.id, id)).returning();
        if (disclosure) await tx.insert(disclosures).values(disclosure);
        if (d?.addressId) await tx.update(recipients).set({ lastDisclosedAddressId: d.addressId }).where(eq(recipients.id, d.recipientId));
        await appendAuditIn(tx, audit);
      });
    },
    markRetry(id, error, next, failed, audit) {
      return db.transaction(async (tx) => {
        await tx.update(deliveries).set({ status: failed ? "failed" : "retrying", lastError: error.slice(0, 300), nextAttemptAt: next }).where(eq(deliveries.id, id));
        await appendAuditIn(tx, audit);
      });
    },
    async list() {
      return (await db.select().from(deliveries).orderBy(asc(deliveries.createdAt))).map(toRow);
    },
    async disclosuresOf(patientId) {
      return db.select().from(disclosures).where(eq(disclosures.patientId, patientId)).orderBy(asc(disclosures.disclosedAt));
    },
  };
}
