/**
 * @module adapters/db/db-imaging-index
 * The ImagingIndex in the database. An import is one transaction: patient, study and series are found by
 * blind index or created; the blob and instance rows are inserted unless the same instance is already
 * there (unique identity index: concurrent imports of one file leave one copy); the audit record is
 * chained in the same transaction.
 */
import { randomUUID } from "node:crypto";
import { count, eq } from "drizzle-orm";
import type { AuditEvent } from "../../core/audit/audit-chain.ts";
import type { ImagingIndex, ImportRecord } from "../../ports/imaging-index.ts";
import { appendAuditIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { blobs, instances, patients, series, studies } from "./schema.ts";

export function dbImagingIndex(db: Db, now: () => string): ImagingIndex {
  return {
    async findInstance(identityIdx) {
      const [row] = await db.select({ id: instances.id, blobId: instances.blobId }).from(instances).where(eq(instances.identityIdx, identityIdx)).limit(1);
      return row;
    },

    recordImport(rec: ImportRecord, audit: AuditEvent) {
      return db.transaction(async (tx) => {
        const at = now();
        await tx.insert(patients).values({ id: randomUUID(), createdAt: at, ...rec.patient }).onConflictDoNothing({ target: patients.keyIdx });
        const [patient] = await tx.select({ id: patients.id }).from(patients).where(eq(patients.keyIdx, rec.patient.keyIdx));
        await tx.insert(studies).values({ id: randomUUID(), patientId: patient!.id, createdAt: at, ...rec.study }).onConflictDoNothing({ target: studies.uidIdx });
        const [study] = await tx.select({ id: studies.id }).from(studies).where(eq(studies.uidIdx, rec.study.uidIdx));
        await tx.insert(series).values({ id: randomUUID(), studyId: study!.id, ...rec.series }).onConflictDoNothing({ target: series.uidIdx });
        const [one] = await tx.select({ id: series.id }).from(series).where(eq(series.uidIdx, rec.series.uidIdx));
        await tx.insert(blobs).values({ id: rec.blob.id, keyId: rec.blob.keyId, size: rec.blob.size, sha256: rec.blob.sha256 }).onConflictDoNothing({ target: blobs.id });
        const inserted = await tx
          .insert(instances)
          .values({ id: randomUUID(), seriesId: one!.id, blobId: rec.blob.id, importedAt: at, ...rec.instance })
          .onConflictDoNothing({ target: instances.identityIdx })
          .returning({ id: instances.id });
        if (inserted.length === 0) {
          const [existing] = await tx.select({ id: instances.id }).from(instances).where(eq(instances.identityIdx, rec.instance.identityIdx));
          return { instanceId: existing!.id, created: false };
        }
        const record = await appendAuditIn(tx, { ...audit, objects: [...audit.objects, `instance:${inserted[0]!.id}`] });
        return { instanceId: inserted[0]!.id, created: true, audit: record };
      });
    },

    async instanceBlob(instanceId) {
      const [r] = await db.select({ blobId: instances.blobId }).from(instances).where(eq(instances.id, instanceId)).limit(1);
      return r?.blobId;
    },

    async markShredded(blobId) {
      await db.update(blobs).set({ shredded: true }).where(eq(blobs.id, blobId));
    },

    async shreddedIds() {
      return (await db.select({ id: blobs.id }).from(blobs).where(eq(blobs.shredded, true))).map((r) => r.id);
    },

    async blobIds() {
      return (await db.select({ id: instances.blobId }).from(instances)).map((r) => r.id);
    },

    async counts() {
      const n = async (t: typeof patients | typeof studies | typeof series | typeof instances): Promise<number> => (await db.select({ n: count() }).from(t))[0]?.n ?? 0;
      return { patients: await n(patients), studies: await n(studies), series: await n(series), instances: await n(instances) };
    },
  };
}
