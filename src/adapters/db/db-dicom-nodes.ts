/**
 * @module adapters/db/db-dicom-nodes
 * The DicomNodeStore in the database: nodes and routing rules, each change with its audit record in one
 * transaction. Removal is a timestamp, so past deliveries and audit records keep their references.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { DicomNodeStore } from "../../ports/dicom-network.ts";
import { appendAuditIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { dicomNodes, routingRules } from "./schema.ts";

export function dbDicomNodes(db: Db): DicomNodeStore {
  return {
    addNode(row, audit) {
      return db.transaction(async (tx) => {
        await tx.insert(dicomNodes).values(row);
        await appendAuditIn(tx, audit);
      });
    },
    removeNode(id, at, audit) {
      return db.transaction(async (tx) => {
        const done = await tx.update(dicomNodes).set({ removedAt: at }).where(and(eq(dicomNodes.id, id), isNull(dicomNodes.removedAt))).returning({ id: dicomNodes.id });
        if (done.length === 0) return false;
        await tx.update(routingRules).set({ removedAt: at }).where(and(eq(routingRules.fromNodeId, id), isNull(routingRules.removedAt)));
        await appendAuditIn(tx, audit);
        return true;
      });
    },
    async node(id) {
      const [r] = await db.select().from(dicomNodes).where(eq(dicomNodes.id, id));
      return r;
    },
    nodes() {
      return db.select().from(dicomNodes).where(isNull(dicomNodes.removedAt)).orderBy(asc(dicomNodes.createdAt));
    },
    async inboundByAeTitle(aeTitle) {
      const [r] = await db.select().from(dicomNodes).where(and(eq(dicomNodes.aeTitle, aeTitle), eq(dicomNodes.inbound, true), isNull(dicomNodes.removedAt))).limit(1);
      return r;
    },
    nodesOf(recipientId) {
      return db.select().from(dicomNodes).where(and(eq(dicomNodes.recipientId, recipientId), isNull(dicomNodes.removedAt))).orderBy(asc(dicomNodes.createdAt));
    },
    addRoute(row, audit) {
      return db.transaction(async (tx) => {
        await tx.insert(routingRules).values(row);
        await appendAuditIn(tx, audit);
      });
    },
    removeRoute(id, at, audit) {
      return db.transaction(async (tx) => {
        const done = await tx.update(routingRules).set({ removedAt: at }).where(and(eq(routingRules.id, id), isNull(routingRules.removedAt))).returning({ id: routingRules.id });
        if (done.length === 0) return false;
        await appendAuditIn(tx, audit);
        return true;
      });
    },
    routesFrom(nodeId) {
      return db.select().from(routingRules).where(and(eq(routingRules.fromNodeId, nodeId), isNull(routingRules.removedAt))).orderBy(asc(routingRules.createdAt));
    },
    routes() {
      return db.select().from(routingRules).where(isNull(routingRules.removedAt)).orderBy(asc(routingRules.createdAt));
    },
  };
}
