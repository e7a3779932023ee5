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

export interface IndexCounts {
  readonly patients: number;
  readonly studies: number;
  readonly series: number;
  readonly instances: number;
}

export interface ImagingIndex {
  /** The instance already stored under this identity (SOP Instance UID + content), if any. */
  findInstance(identityIdx: string): Promise<{ readonly id: string; readonly blobId: string } | undefined>;
  /** Index rows + blob row + audit record, in one transaction. `created` is false for a concurrent duplicate. */
  recordImport(rec: ImportRecord, audit: AuditEvent): Promise<{ readonly instanceId: string; readonly created: boolean; readonly audit?: AuditRecord }>;
  /** The blob holding an instance, by the instance's reference. */
  instanceBlob(instanceId: string): Promise<string | undefined>;
  /** Ids of every blob the index refers to. */
  blobIds(): Promise<string[]>;
  /** Records that an object was crypto-shredded on purpose (vault verify then expects it unreadable). */
  markShredded(blobId: string): Promise<void>;
  shreddedIds(): Promise<string[]>;
  counts(): Promise<IndexCounts>;
}
