/**
 * @module ports/imaging-index
 * The searchable index of stored images: patient → study → series → instance, PHI columns as field-crypto
 * tokens with blind indexes. Recording an import writes the index rows, the blob row and the audit record
 * in one transaction: there is no import without its record, and no record without its import.
 */
import type { AuditEvent, AuditRecord } from "../core/audit/audit-chain.ts";
import type { StoredBlob } from "./blob-store.ts";

export interface ImportRecord {
  readonly patient: {
    readonly keyIdx: string;
    readonly nameEnc?: string;
    readonly nameIdx?: string;
    readonly mrnEnc?: string;
    readonly mrnIdx?: string;
    readonly birthDateEnc?: string;
  };
  readonly study: { readonly uidIdx: string; readonly uidEnc: string; readonly studyDateEnc?: string; readonly descriptionEnc?: string };
  readonly series: { readonly uidIdx: string; readonly uidEnc: string; readonly modality?: string };
  readonly instance: { readonly identityIdx: string; readonly sopUidEnc: string; readonly sopClassUid?: string; readonly purpose: string; readonly importedBy: string };
  readonly blob: StoredBlob;
}

/** A photo entering the vault, attached to the patient with this MRN (created if the vault has none). */
export interface PhotoRecord {
  readonly patient: { readonly mrnIdx: string; readonly mrnEnc: string; readonly keyIdx: string };
  readonly photo: {
    readonly identityIdx: string;
    readonly mediaType: string;
    readonly cleaning: string;
    readonly findings: number;
    readonly purpose: string;
    readonly importedBy: string;
  };
  readonly blob: StoredBlob;
}

export interface RecordedImport {
  readonly instanceId: string;
  readonly created: boolean;
  readonly audit?: AuditRecord;
}

export interface IndexCounts {
  readonly patients: number;
  readonly studies: number;
  readonly series: number;
  readonly instances: number;
}

/** One stored instance with its series, study and patient, as the catalog (DICOMweb search) reads it. */
export interface CatalogRow {
  readonly instanceId: string;
  readonly blobId: string;
  readonly sopUidEnc: string;
  readonly sopClassUid: string | null;
  readonly seriesId: string;
  readonly seriesUidEnc: string;
  readonly modality: string | null;
  readonly studyId: string;
  readonly studyUidEnc: string;
  readonly studyDateEnc: string | null;
  readonly descriptionEnc: string | null;
  readonly patientId: string;
  readonly nameEnc: string | null;
  readonly mrnEnc: string | null;
  readonly birthDateEnc: string | null;
}

/** Exact filters by blind index (PHI is not searchable otherwise); all given must match. */
export interface CatalogFilter {
  /** A study by its id (a reference, as the portal's pages name it). */
  readonly studyId?: string;
  readonly studyUidIdx?: string;
  readonly seriesUidIdx?: string;
  readonly mrnIdx?: string;
  readonly nameIdx?: string;
  readonly modality?: string;
  /** At most this many instances (the caller pages studies within them). */
  readonly limit: number;
  /** Studies newest import first (within a study, still series by series in import order). */
  readonly newestFirst?: boolean;
}

export interface ImagingIndex {
  /** Stored instances matching the filter, study by study, series by series, in import order. */
  catalog(filter: CatalogFilter): Promise<CatalogRow[]>;
  /** Of these identities (SOP Instance UID + content), the ones already stored, with their instance. */
  findInstances(identityIdxs: readonly string[]): Promise<Map<string, string>>;
  /**
   * Index rows + blob rows + one audit record per new instance, for a batch of imports in one
   * transaction (all or none). `created` is false for a duplicate (concurrent, or twice in the batch).
   */
  recordImports(items: ReadonlyArray<{ readonly rec: ImportRecord; readonly audit: AuditEvent }>): Promise<RecordedImport[]>;
  /**
   * Runs what `recordImports` runs on these rows, then rolls it back: nothing is kept. The embedded
   * database compiles the code it runs as it runs it (WebAssembly tiers); a rehearsal at start-up has
   * it compiled before the first images arrive.
   */
  rehearseImports(items: ReadonlyArray<{ readonly rec: ImportRecord; readonly audit: AuditEvent }>): Promise<void>;
  /** The patient's photos (their vault objects and media types), oldest first. */
  patientPhotos(patientId: string): Promise<Array<{ readonly blobId: string; readonly mediaType: string }>>;
  /** The photo already stored under this identity (the original's content), if any. */
  findPhoto(identityIdx: string): Promise<string | undefined>;
  /**
   * Patient (found by MRN, or created), blob, photo row and audit record in one transaction. Refuses an
   * MRN that names several patients (RV_USAGE_INVALID). `created` is false for a concurrent duplicate.
   */
  recordPhoto(rec: PhotoRecord, audit: AuditEvent): Promise<RecordedImport & { readonly patientId: string }>;
  /** Where an instance is stored and whose it is, by the instance's reference. */
  instanceLocation(instanceId: string): Promise<{ readonly blobId: string; readonly patientId: string } | undefined>;
  /** A study by its id or by the blind index of its Study Instance UID. */
  findStudy(by: { readonly id?: string; readonly uidIdx?: string }): Promise<{ readonly id: string; readonly patientId: string; readonly studyDateEnc: string | null } | undefined>;
  /** Every instance of a study with its series, in series then import order. */
  studyInstances(studyId: string): Promise<Array<{ readonly blobId: string; readonly seriesId: string; readonly sopClassUid: string | null }>>;
  /** Records that a document (a signed BAA or authorization) is stored in the vault. */
  recordDocument(blob: StoredBlob): Promise<void>;
  /** Patients whose MRN has this blind index (exact match; usually one). */
  patientsByMrn(mrnIdx: string): Promise<string[]>;
  /** The size and SHA-256 recorded for each stored object (what it must decrypt to). */
  blobDigests(): Promise<Map<string, { readonly size: number; readonly sha256: string }>>;
  /** Ids of every blob the index refers to. */
  blobIds(): Promise<string[]>;
  /** Records that an object was crypto-shredded on purpose (vault verify then expects it unreadable). */
  markShredded(blobId: string): Promise<void>;
  shreddedIds(): Promise<string[]>;
  counts(): Promise<IndexCounts>;
}
