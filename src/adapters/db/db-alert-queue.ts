/**
 * @module adapters/db/db-alert-queue
 * The AlertQueue in the database: one row per alert, acknowledged by an officer, marked when pushed.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { AlertKind, AlertSeverity } from "../../core/alerts/alert.ts";
import type { AlertQueue, StoredAlert } from "../../ports/alert-sink.ts";
import type { Db } from "./open-database.ts";
import { alerts } from "./schema.ts";

type Row = typeof alerts.$inferSelect;
const toAlert = (r: Row): StoredAlert => ({ ...r, kind: r.kind as AlertKind, severity: r.severity as AlertSeverity });

export function dbAlertQueue(db: Db): AlertQueue {
  return {
    async raise(a) {
      await db.insert(alerts).values({ ...a, refs: [...a.refs] });
    },
    async list(all) {
      const rows = await db.select().from(alerts).where(all ? undefined : isNull(alerts.acknowledgedAt)).orderBy(desc(alerts.time));
      return rows.map(toAlert);
    },
    async acknowledge(id, by, at) {
      const done = await db.update(alerts).set({ acknowledgedAt: at, acknowledgedBy: by }).where(and(eq(alerts.id, id), isNull(alerts.acknowledgedAt))).returning({ id: alerts.id });
      return done.length > 0;
    },
    async undelivered() {
      return (await db.select().from(alerts).where(isNull(alerts.deliveredAt)).orderBy(alerts.time)).map(toAlert);
    },
    async markDelivered(id, at) {
      await db.update(alerts).set({ deliveredAt: at }).where(eq(alerts.id, id));
    },
  };
}
