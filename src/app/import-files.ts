/**
 * @module app/import-files
 * Use-case `rayvault import`: puts DICOM files into the vault. For each file: the access decision
 * (role, purpose), the PHI finder, the object encrypted into the blob store under an id keyed on its
 * content, then index rows with encrypted PHI columns and blind indexes, and the audit record. Files go in
 * batches: the batch's objects are flushed to disk together, then its rows and records commit in one
 * transaction, so a batch costs one disk flush and one commit instead of one per file. Idempotent by SOP
 * Instance UID + content hash; a crash at any point leaves at most objects that the next run writes again
 * and indexes, never a half-indexed or duplicated instance.
 */
import { createHash } from "node:crypto";
import { decideAccess, Action, type AccessSubject } from "../core/access/decide-access.ts";
import type { AuditEvent } from "../core/audit/audit-chain.ts";
import { blindIndex, encryptField, type FieldKeys } from "../core/crypto/field-crypto.ts";
import { findElement } from "../core/dicom/dataset.ts";
import { Tags } from "../core/dicom/dictionary.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { codecOfDataset, elementText } from "../core/dicom/text.ts";
import { isDicomdir } from "../core/deid/dicomdir.ts";
import { patientKeyOf } from "../core/deid/deidentify-dicom.ts";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../core/errors.ts";
import { findDicomPhi } from "../core/phi/find-dicom-phi.ts";
import type { AuditLog } from "../ports/audit-log.ts";
import type { BlobStore } from "../ports/blob-store.ts";
import { memorySource, type ByteSource, type ClosableByteSource } from "../ports/byte-source.ts";
import type { ImagingIndex, ImportRecord } from "../ports/imaging-index.ts";
import { InputKind, type InputCatalog } from "../ports/input-catalog.ts";
import type { ImageKind } from "../core/photo/image-segments.ts";
import type { PhotoCodec } from "../ports/photo-codec.ts";
import type { RandomSource } from "../ports/random.ts";
import { cleanPhoto } from "./clean-photo.ts";

export interface ImportRequest {
  readonly paths: readonly string[];
  readonly purpose: string;
  readonly actor: AccessSubject;
  /** The MRN of the patient the photos among the inputs show (a photo names no one by itself). */
  readonly photoPatientMrn?: string;
}

export interface ImportDeps {
  readonly inputs: InputCatalog;
  readonly blobs: BlobStore;
  readonly index: ImagingIndex;
  readonly audit: AuditLog;
  readonly fields: FieldKeys;
  readonly random: RandomSource;
  readonly photos: PhotoCodec;
  readonly now: () => string;
  /** Test seam: called at named points so a test can kill the process there (RAYVAULT_TEST_FAULT). */
  readonly fault?: (point: "after-blob" | "after-commit", fileNumber: number) => void;
}

export type ImportStatus = "imported" | "duplicate" | "refused";

export interface ImportFileResult {
  readonly path: string;
  readonly status: ImportStatus;
  /** Reference of the stored instance (not PHI). */
  readonly instance?: string;
  readonly findings?: number;
  /** Blind index of the instance's Study Instance UID (a reference, not the UID): what routing acts on. */
  readonly studyIdx?: string;
  readonly code?: string;
  readonly reason?: string;
}

export interface ImportReport {
  readonly files: ImportFileResult[];
  /** Set when the whole import was refused before any file was read. */
  readonly refusal?: { readonly rule: string; readonly reason: string };
}

const PIECE = 4 * 1024 * 1024;

async function* bytesOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < source.size; off += PIECE) yield source.read(off, Math.min(PIECE, source.size - off));
}

function sha256Of(source: ByteSource): string {
  const h = createHash("sha256");
  if (source.pieces) for (const p of source.pieces) h.update(p);
  else for (let off = 0; off < source.size; off += PIECE) h.update(source.read(off, Math.min(PIECE, source.size - off)));
  return h.digest("hex");
}

/** A batch is checked, flushed to disk and committed at this many files or bytes, whichever comes first. */
const BATCH_FILES = 64;
const BATCH_BYTES = 256 * 1024 * 1024;

/** A file read, scanned and hashed, waiting for its batch: its index row lacks only the stored object. */
interface Candidate {
  readonly result: number;
  readonly fileNumber: number;
  readonly source: ClosableByteSource;
  readonly size: number;
  readonly contentHash: string;
  readonly rec: Omit<ImportRecord, "blob">;
  readonly blobId: string;
}

/** One thing to import, wherever it came from: a file handed over, or an instance received over the network. */
interface ImportItem {
  readonly displayPath: string;
  readonly kind: InputKind;
  readonly imageKind?: ImageKind;
  open(): ClosableByteSource;
  readBytes(): Uint8Array;
}

/** Who imports, why, and (for the network) from which source; the access decision is taken on it first. */
export interface ImportContext {
  readonly purpose: string;
  readonly actor: AccessSubject;
  readonly photoPatientMrn?: string;
}

/** The access decision for an import; a refusal is audited and returned. */
async function refusalOf(ctx: ImportContext, deps: ImportDeps): Promise<ImportReport["refusal"]> {
  const access = decideAccess({ subject: ctx.actor, action: Action.StudyImport, purpose: ctx.purpose, now: deps.now() });
  if (access.allowed) return undefined;
  await deps.audit.append({ time: deps.now(), actor: ctx.actor.id, action: "study.import", objects: [], purpose: ctx.purpose.slice(0, 64), outcome: "refused" });
  return { rule: access.rule, reason: access.reason };
}

export async function importFiles(req: ImportRequest, deps: ImportDeps): Promise<ImportReport> {
  const refusal = await refusalOf(req, deps);
  if (refusal) return { files: [], refusal };
  const inputs = await deps.inputs.collect(req.paths);
  try {
    const items: ImportItem[] = inputs.files.map((f) => ({
      displayPath: f.displayPath, kind: f.kind, ...(f.imageKind ? { imageKind: f.imageKind } : {}),
      open: () => deps.inputs.open(f), readBytes: () => deps.inputs.readBytes(f),
    }));
    const files: ImportFileResult[] = inputs.problems.map((p) => ({ path: p.displayPath, status: "refused", code: p.code, reason: p.message }));
    return { files: await importItems(items, files, req, deps) };
  } finally {
    inputs.dispose();
  }
}

/** Instances received over the network (C-STORE, STOW-RS), each a whole Part 10 file in memory. */
export interface ReceivedInstance {
  /** What reports show: a reference, never a value from the header. */
  readonly label: string;
  readonly bytes: Uint8Array;
}

/**
 * Use-case: instances received from a modality, a PACS or a DICOMweb client go into the vault exactly as
 * files do (access decision, PHI finder, encrypted object, index rows, audit record naming the source as
 * the actor), in one batch: one disk flush and one commit for the lot.
 */
export async function importReceived(req: ImportContext & { readonly instances: readonly ReceivedInstance[] }, deps: ImportDeps): Promise<ImportReport> {
  const refusal = await refusalOf(req, deps);
  if (refusal) return { files: req.instances.map((i) => ({ path: i.label, status: "refused", code: ErrorCode.AccessDenied, reason: refusal.reason })), refusal };
  const items: ImportItem[] = req.instances.map((i) => ({ displayPath: i.label, kind: InputKind.Dicom, open: () => memorySource(i.bytes), readBytes: () => i.bytes }));
  return { files: await importItems(items, [], req, deps) };
}

/** A DICOM instance read for the vault: its index row (without the stored object), content hash and facts. */
export interface ExaminedInstance {
  readonly rec: Omit<ImportRecord, "blob">;
  readonly contentHash: string;
  readonly findings: number;
  /** Blind index of the Study Instance UID (a reference for routing, not the UID). */
  readonly studyIdx: string;
  /** The object id the instance is stored under (keyed on its content: the same bytes, the same object). */
  readonly blobId: string;
}

/** The object id an instance is stored under: keyed on its content (the same bytes, the same object). */
export function instanceBlobId(fields: FieldKeys, contentHash: string): string {
  return `dcm-${blindIndex(fields, "blobs.id", contentHash)}`;
}

/**
 * Parses one DICOM instance, runs the PHI finder, hashes it and builds its index row: PHI columns as
 * field-crypto tokens with blind indexes. Throws (with a reason without PHI) on input the vault must not take.
 * `contentHash`, when given, is the SHA-256 (hex) of exactly `source`'s bytes, computed as they arrived
 * (app/receive-dicom); otherwise they are hashed here.
 */
export function examineInstance(source: ByteSource, ctx: ImportContext, deps: Pick<ImportDeps, "fields" | "random">, contentHash = sha256Of(source)): ExaminedInstance {
  const field = (column: string, value: string | undefined): string | undefined =>
    value === undefined || value === "" ? undefined : encryptField(deps.fields, column, value, deps.random.bytes(12));
  const parsed = parseDicom(source);
  if (isDicomdir(parsed.dataset)) throw new RayvaultError(ErrorCode.UnsupportedInput, "a DICOMDIR is an index, not an image: import the files it lists");
  const codec = codecOfDataset(parsed.dataset);
  const text = (tag: number): string => {
    const e = findElement(parsed.dataset, tag);
    return e ? elementText(e, codec) : "";
  };
  const sopUid = text(Tags.SOPInstanceUID);
  const studyUid = text(Tags.StudyInstanceUID);
  const seriesUid = text(Tags.SeriesInstanceUID);
  if (sopUid === "" || studyUid === "" || seriesUid === "") throw new RayvaultError(ErrorCode.UnsupportedInput, "not a composite instance (SOP, study or series UID missing)");
  const findings = findDicomPhi(parsed).findings.length;
  const name = text(Tags.PatientName);
  const mrn = text(Tags.PatientID);
  return {
    contentHash, findings, studyIdx: blindIndex(deps.fields, "studies.uid", studyUid), blobId: instanceBlobId(deps.fields, contentHash),
    rec: {
      patient: {
        keyIdx: blindIndex(deps.fields, "patients.key", patientKeyOf(parsed) || `unidentified:${contentHash}`),
        ...optional("nameEnc", field("patients.name", name)),
        ...optional("nameIdx", name ? blindIndex(deps.fields, "patients.name", name) : undefined),
        ...optional("mrnEnc", field("patients.mrn", mrn)),
        ...optional("mrnIdx", mrn ? blindIndex(deps.fields, "patients.mrn", mrn) : undefined),
        ...optional("birthDateEnc", field("patients.birth_date", text(Tags.PatientBirthDate))),
      },
      study: {
        uidIdx: blindIndex(deps.fields, "studies.uid", studyUid),
        uidEnc: field("studies.uid", studyUid)!,
        ...optional("studyDateEnc", field("studies.study_date", text(Tags.StudyDate))),
        ...optional("descriptionEnc", field("studies.description", text(0x00081030))),
      },
      series: { uidIdx: blindIndex(deps.fields, "series.uid", seriesUid), uidEnc: field("series.uid", seriesUid)!, ...optional("modality", text(Tags.Modality) || undefined) },
      instance: {
        identityIdx: blindIndex(deps.fields, "instances.identity", `${sopUid}\u0000${contentHash}`),
        sopUidEnc: field("instances.sop_uid", sopUid)!,
        ...optional("sopClassUid", text(Tags.SOPClassUID) || undefined),
        purpose: ctx.purpose,
        importedBy: ctx.actor.id,
      },
    },
  };
}

async function importItems(items: readonly ImportItem[], files: ImportFileResult[], req: ImportContext, deps: ImportDeps): Promise<ImportFileResult[]> {
  const refuse = (i: number, e: unknown): void => {
    files[i] = { path: files[i]!.path, status: "refused", code: errorCodeOf(e), reason: safeMessageOf(e) };
  };
  const field = (column: string, value: string | undefined): string | undefined =>
    value === undefined || value === "" ? undefined : encryptField(deps.fields, column, value, deps.random.bytes(12));

  /** Reads one file into a candidate: parse, PHI scan, hash, index fields. Throws on unusable input. */
  const examine = (source: ClosableByteSource, result: number, fileNumber: number): Candidate => {
    const x = examineInstance(source, req, deps);
    files[result] = { ...files[result]!, findings: x.findings, studyIdx: x.studyIdx };
    return { result, fileNumber, source, size: source.size, contentHash: x.contentHash, rec: x.rec, blobId: x.blobId };
  };

  /**
   * One batch: instances already stored are duplicates; the others are encrypted into the blob store
   * (content-keyed ids, so a re-run after a crash writes the same objects), flushed to disk together,
   * then indexed and audited in one transaction.
   */
  const runBatch = async (batch: readonly Candidate[]): Promise<void> => {
    const known = await deps.index.findInstances(batch.map((c) => c.rec.instance.identityIdx));
    const stored: Array<{ readonly c: Candidate; readonly rec: ImportRecord; readonly audit: AuditEvent }> = [];
    for (const c of batch) {
      try {
        const existing = known.get(c.rec.instance.identityIdx);
        if (existing) {
          files[c.result] = { ...files[c.result]!, status: "duplicate", instance: existing };
          continue;
        }
        const blobId = c.blobId;
        const blob = await deps.blobs.put(blobId, bytesOf(c.source), { deferSync: true });
        if (blob.sha256 !== c.contentHash) throw new RayvaultError(ErrorCode.VaultCorrupt, "the file changed while it was being imported");
        deps.fault?.("after-blob", c.fileNumber);
        const audit: AuditEvent = { time: deps.now(), actor: req.actor.id, action: "study.import", objects: [`blob:${blobId}`], purpose: req.purpose, outcome: "success" };
        stored.push({ c, rec: { ...c.rec, blob }, audit });
      } catch (e) {
        refuse(c.result, e);
      } finally {
        c.source.close();
      }
    }
    if (stored.length === 0) return;
    try {
      await deps.blobs.sync(stored.map((s) => s.rec.blob.id));
      const done = await deps.index.recordImports(stored.map((s) => ({ rec: s.rec, audit: s.audit })));
      for (const [i, { c }] of stored.entries()) {
        deps.fault?.("after-commit", c.fileNumber);
        files[c.result] = { ...files[c.result]!, status: done[i]!.created ? "imported" : "duplicate", instance: done[i]!.instanceId };
      }
    } catch (e) {
      for (const { c } of stored) refuse(c.result, e);
    }
  };

  /**
   * A photo: attached to the patient named by MRN, its metadata stripped and the result verified (the
   * vault keeps what the record needs, not the camera's location or serial number), stored, indexed and
   * audited in one transaction. Idempotent by the original's content.
   */
  const importPhoto = async (bytes: Uint8Array, kind: ImageKind, fileNumber: number): Promise<Partial<ImportFileResult>> => {
    const mrn = req.photoPatientMrn?.trim() ?? "";
    if (mrn === "") throw new RayvaultError(ErrorCode.UsageInvalid, "a photo names no patient: give the patient's MRN (rayvault import --photo-patient-stdin)");
    const contentHash = createHash("sha256").update(bytes).digest("hex");
    const identityIdx = blindIndex(deps.fields, "photos.identity", contentHash);
    const existing = await deps.index.findPhoto(identityIdx);
    if (existing) return { status: "duplicate", instance: existing };
    const clean = await cleanPhoto(bytes, kind, deps.photos);
    const blobId = `img-${blindIndex(deps.fields, "blobs.id", contentHash)}`;
    const blob = await deps.blobs.put(blobId, (async function* () { yield clean.bytes; })());
    deps.fault?.("after-blob", fileNumber);
    const audit: AuditEvent = { time: deps.now(), actor: req.actor.id, action: "photo.import", objects: [`blob:${blobId}`], purpose: req.purpose, outcome: "success" };
    const done = await deps.index.recordPhoto(
      {
        patient: { mrnIdx: blindIndex(deps.fields, "patients.mrn", mrn), mrnEnc: field("patients.mrn", mrn)!, keyIdx: blindIndex(deps.fields, "patients.key", `id:\u0000${mrn}`) },
        photo: { identityIdx, mediaType: clean.mediaType, cleaning: clean.method, findings: clean.findings, purpose: req.purpose, importedBy: req.actor.id },
        blob,
      },
      audit,
    );
    deps.fault?.("after-commit", fileNumber);
    return { status: done.created ? "imported" : "duplicate", instance: done.instanceId, findings: clean.findings };
  };

  let batch: Candidate[] = [];
  let batchBytes = 0;
  let n = 0;
  try {
    for (const file of items) {
      if (file.kind === InputKind.Photo) {
        n++;
        const result = files.push({ path: file.displayPath, status: "imported" }) - 1;
        try {
          files[result] = { ...files[result]!, ...(await importPhoto(file.readBytes(), file.imageKind!, n)) };
        } catch (e) {
          refuse(result, e);
        }
        continue;
      }
      if (file.kind !== InputKind.Dicom && file.kind !== InputKind.Gzip) {
        files.push({ path: file.displayPath, status: "refused", code: ErrorCode.UnsupportedInput, reason: "not a DICOM file or a photo (JPEG, PNG, TIFF, WebP, HEIC, AVIF)" });
        continue;
      }
      n++;
      const result = files.push({ path: file.displayPath, status: "imported" }) - 1;
      const source = file.open();
      try {
        const c = examine(source, result, n);
        batch.push(c);
        batchBytes += c.size;
      } catch (e) {
        refuse(result, e);
        source.close();
      }
      if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) {
        await runBatch(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    await runBatch(batch);
  } catch (e) {
    for (const c of batch) c.source.close();
    throw e;
  }
  return files;
}

/** `{ [key]: value }` when the value is defined, `{}` otherwise (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
