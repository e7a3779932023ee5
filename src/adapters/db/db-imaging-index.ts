/**
 * @module adapters/db/db-imaging-index
 * The ImagingIndex in the database. A batch of imports is one transaction: patient, study and series are
 * found by blind index or created; the blob and instance rows are inserted unless the same instance is already
 * there (unique identity index: concurrent imports of one file leave one copy); the audit record is
 * chained in the same transaction.
 */
import { randomUUID } from "node:crypto";
import { and, count, desc, eq, inArray, isNotNull, TransactionRollbackError } from "drizzle-orm";
import type { AuditEvent } from "../../core/audit/audit-chain.ts";
import type { ImagingIndex, ImportRecord, RecordedImport } from "../../ports/imaging-index.ts";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import { appendAuditIn, appendAuditsIn } from "./db-audit-log.ts";
import type { Db } from "./open-database.ts";
import { agreements, authorizations, blobs, deliveries, instances, patients, photos, portalLinks, series, studies } from "./schema.ts";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** The first item of each key, in order. */
function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const t of items) if (!seen.has(key(t))) seen.set(key(t), t);
  return [...seen.values()];
}

/**
 * A batch of imports in the caller's transaction, a statement per table rather than per file: parents
 * inserted unless present and read back by blind index, then blobs, then instances (a unique identity
 * index turns a concurrent or repeated import into a duplicate), then one audit record per new instance.
 */
async function recordBatch(tx: Tx, items: ReadonlyArray<{ readonly rec: ImportRecord; readonly audit: AuditEvent }>, at: string): Promise<RecordedImport[]> {
  const recs = items.map((i) => i.rec);
  const patientRows = uniqueBy(recs.map((r) => r.patient), (p) => p.keyIdx);
  await tx.insert(patients).values(patientRows.map((p) => ({ id: randomUUID(), createdAt: at, ...p }))).onConflictDoNothing({ target: patients.keyIdx });
  const patientId = new Map((await tx.select({ id: patients.id, k: patients.keyIdx }).from(patients).where(inArray(patients.keyIdx, patientRows.map((p) => p.keyIdx)))).map((r) => [r.k, r.id]));

  const studyRows = uniqueBy(recs, (r) => r.study.uidIdx);
  await tx.insert(studies).values(studyRows.map((r) => ({ id: randomUUID(), patientId: patientId.get(r.patient.keyIdx)!, createdAt: at, ...r.study }))).onConflictDoNothing({ target: studies.uidIdx });
  const studyId = new Map((await tx.select({ id: studies.id, k: studies.uidIdx }).from(studies).where(inArray(studies.uidIdx, studyRows.map((r) => r.study.uidIdx)))).map((r) => [r.k, r.id]));

  const seriesRows = uniqueBy(recs, (r) => r.series.uidIdx);
  await tx.insert(series).values(seriesRows.map((r) => ({ id: randomUUID(), studyId: studyId.get(r.study.uidIdx)!, ...r.series }))).onConflictDoNothing({ target: series.uidIdx });
  const seriesId = new Map((await tx.select({ id: series.id, k: series.uidIdx }).from(series).where(inArray(series.uidIdx, seriesRows.map((r) => r.series.uidIdx)))).map((r) => [r.k, r.id]));

  const blobRows = uniqueBy(recs.map((r) => r.blob), (b) => b.id);
  await tx.insert(blobs).values(blobRows.map((b) => ({ id: b.id, keyId: b.keyId, size: b.size, sha256: b.sha256 }))).onConflictDoNothing({ target: blobs.id });

  const newRows = uniqueBy(recs, (r) => r.instance.identityIdx).map((r) => ({ id: randomUUID(), seriesId: seriesId.get(r.series.uidIdx)!, blobId: r.blob.id, importedAt: at, ...r.instance }));
  const inserted = await tx.insert(instances).values(newRows).onConflictDoNothing({ target: instances.identityIdx }).returning({ id: instances.id, k: instances.identityIdx });
  const created = new Map(inserted.map((r) => [r.k, r.id]));
  const existing = new Map((await tx.select({ id: instances.id, k: instances.identityIdx }).from(instances).where(inArray(instances.identityIdx, recs.map((r) => r.instance.identityIdx)))).map((r) => [r.k, r.id]));

  // One record per instance created here, in input order; a repeat of the same identity is a duplicate.
  const firstOf = new Set<string>();
  const results = items.map(({ rec, audit }) => {
    const k = rec.instance.identityIdx;
    const isNew = created.has(k) && !firstOf.has(k);
    firstOf.add(k);
    return { instanceId: existing.get(k)!, created: isNew, audit: isNew ? { ...audit, objects: [...audit.objects, `instance:${existing.get(k)!}`] } : undefined };
  });
  const records = await appendAuditsIn(tx, results.flatMap((r) => (r.audit ? [r.audit] : [])));
  let next = 0;
  return results.map((r) => (r.created ? { instanceId: r.instanceId, created: true, audit: records[next++]! } : { instanceId: r.instanceId, created: false }));
}

export function dbImagingIndex(db: Db, now: () => string): ImagingIndex {
  return {
    async findInstances(identityIdxs) {
      if (identityIdxs.length === 0) return new Map<string, string>();
      const rows = await db.select({ id: instances.id, k: instances.identityIdx }).from(instances).where(inArray(instances.identityIdx, [...identityIdxs]));
      return new Map(rows.map((r) => [r.k, r.id]));
    },

    recordImports(items) {
      return db.transaction(async (tx) => {
        return items.length === 0 ? [] : recordBatch(tx, items, now());
      });
    },

    async rehearseImports(items) {
      await db
        .transaction(async (tx) => {
          await recordBatch(tx, items, now());
          tx.rollback();
        })
        .catch((e: unknown) => {
          if (!(e instanceof TransactionRollbackError)) throw e;
        });
    },

    async findPhoto(identityIdx) {
      const [r] = await db.select({ id: photos.id }).from(photos).where(eq(photos.identityIdx, identityIdx)).limit(1);
      return r?.id;
    },

    recordPhoto(rec, audit) {
      return db.transaction(async (tx) => {
        const at = now();
        const byMrn = await tx.select({ id: patients.id }).from(patients).where(eq(patients.mrnIdx, rec.patient.mrnIdx));
        if (byMrn.length > 1) throw new RayvaultError(ErrorCode.UsageInvalid, "that MRN names several patients (different issuers): resolve them first");
        let patientId = byMrn[0]?.id;
        if (patientId === undefined) {
          await tx.insert(patients).values({ id: randomUUID(), createdAt: at, ...rec.patient }).onConflictDoNothing({ target: patients.keyIdx });
          patientId = (await tx.select({ id: patients.id }).from(patients).where(eq(patients.keyIdx, rec.patient.keyIdx)))[0]!.id;
        }
        await tx.insert(blobs).values({ id: rec.blob.id, keyId: rec.blob.keyId, size: rec.blob.size, sha256: rec.blob.sha256 }).onConflictDoNothing({ target: blobs.id });
        const inserted = await tx
          .insert(photos)
          .values({ id: randomUUID(), patientId, blobId: rec.blob.id, importedAt: at, ...rec.photo })
          .onConflictDoNothing({ target: photos.identityIdx })
          .returning({ id: photos.id });
        if (inserted.length === 0) {
          const [existing] = await tx.select({ id: photos.id }).from(photos).where(eq(photos.identityIdx, rec.photo.identityIdx));
          return { instanceId: existing!.id, created: false, patientId };
        }
        const record = await appendAuditIn(tx, { ...audit, objects: [...audit.objects, `photo:${inserted[0]!.id}`, `patient:${patientId}`] });
        return { instanceId: inserted[0]!.id, created: true, audit: record, patientId };
      });
    },

    async catalog(f) {
      const conds = [
        f.studyId !== undefined ? eq(studies.id, f.studyId) : undefined,
        f.studyUidIdx !== undefined ? eq(studies.uidIdx, f.studyUidIdx) : undefined,
        f.seriesUidIdx !== undefined ? eq(series.uidIdx, f.seriesUidIdx) : undefined,
        f.mrnIdx !== undefined ? eq(patients.mrnIdx, f.mrnIdx) : undefined,
        f.nameIdx !== undefined ? eq(patients.nameIdx, f.nameIdx) : undefined,
        f.modality !== undefined ? eq(series.modality, f.modality) : undefined,
      ].filter((c) => c !== undefined);
      return db
        .select({
          instanceId: instances.id, blobId: instances.blobId, sopUidEnc: instances.sopUidEnc, sopClassUid: instances.sopClassUid,
          seriesId: series.id, seriesUidEnc: series.uidEnc, modality: series.modality,
          studyId: studies.id, studyUidEnc: studies.uidEnc, studyDateEnc: studies.studyDateEnc, descriptionEnc: studies.descriptionEnc,
          patientId: patients.id, nameEnc: patients.nameEnc, mrnEnc: patients.mrnEnc, birthDateEnc: patients.birthDateEnc,
        })
        .from(instances)
        .innerJoin(series, eq(series.id, instances.seriesId))
        .innerJoin(studies, eq(studies.id, series.studyId))
        .innerJoin(patients, eq(patients.id, studies.patientId))
        .where(conds.length > 0 ? and(...conds) : undefined)
        .orderBy(...(f.newestFirst ? [desc(studies.createdAt), desc(studies.id)] : [studies.createdAt, studies.id]), series.id, instances.importedAt, instances.id)
        .limit(f.limit);
    },

    async instanceLocation(instanceId) {
      const [r] = await db
        .select({ blobId: instances.blobId, patientId: studies.patientId })
        .from(instances)
        .innerJoin(series, eq(series.id, instances.seriesId))
        .innerJoin(studies, eq(studies.id, series.studyId))
        .where(eq(instances.id, instanceId))
        .limit(1);
      return r;
    },

    async findStudy(by) {
      const cond = by.id !== undefined ? eq(studies.id, by.id) : by.uidIdx !== undefined ? eq(studies.uidIdx, by.uidIdx) : undefined;
      if (!cond) return undefined;
      const [r] = await db.select({ id: studies.id, patientId: studies.patientId, studyDateEnc: studies.studyDateEnc }).from(studies).where(cond).limit(1);
      return r;
    },

    async patientPhotos(patientId) {
      return db.select({ blobId: photos.blobId, mediaType: photos.mediaType }).from(photos).where(eq(photos.patientId, patientId)).orderBy(photos.importedAt, photos.id);
    },

    async studyInstances(studyId) {
      return db
        .select({ blobId: instances.blobId, seriesId: instances.seriesId, sopClassUid: instances.sopClassUid })
        .from(instances)
        .innerJoin(series, eq(series.id, instances.seriesId))
        .where(eq(series.studyId, studyId))
        .orderBy(series.id, instances.importedAt, instances.id);
    },

    async recordDocument(blob) {
      await db.insert(blobs).values({ id: blob.id, keyId: blob.keyId, size: blob.size, sha256: blob.sha256 }).onConflictDoNothing({ target: blobs.id });
    },

    async patientsByMrn(mrnIdx) {
      return (await db.select({ id: patients.id }).from(patients).where(eq(patients.mrnIdx, mrnIdx))).map((r) => r.id);
    },

    async markShredded(blobId) {
      await db.update(blobs).set({ shredded: true }).where(eq(blobs.id, blobId));
    },

    async shreddedIds() {
      return (await db.select({ id: blobs.id }).from(blobs).where(eq(blobs.shredded, true))).map((r) => r.id);
    },

    async blobDigests() {
      return new Map((await db.select({ id: blobs.id, size: blobs.size, sha256: blobs.sha256 }).from(blobs)).map((r) => [r.id, { size: r.size, sha256: r.sha256 }]));
    },

    async blobIds() {
      const a = await db.select({ id: instances.blobId }).from(instances);
      const b = await db.select({ id: photos.blobId }).from(photos);
      // Documents (signed BAAs, authorizations) are stored objects too.
      const c = await db.select({ id: agreements.documentBlobId }).from(agreements).where(isNotNull(agreements.documentBlobId));
      const d = await db.select({ id: authorizations.documentBlobId }).from(authorizations).where(isNotNull(authorizations.documentBlobId));
      // Messages built for delivery are kept encrypted in the vault until (and after) they are sent.
      const e = await db.select({ id: deliveries.messageBlobId }).from(deliveries);
      const f = await db.select({ id: portalLinks.packageBlobId }).from(portalLinks);
      return [...a, ...b, ...c, ...d, ...e, ...f].map((r) => r.id!);
    },

    async counts() {
      const n = async (t: typeof patients | typeof studies | typeof series | typeof instances): Promise<number> => (await db.select({ n: count() }).from(t))[0]?.n ?? 0;
      return { patients: await n(patients), studies: await n(studies), series: await n(series), instances: await n(instances) };
    },
  };
}
