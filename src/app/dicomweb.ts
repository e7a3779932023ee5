/**
 * @module app/dicomweb
 * Use-cases behind DICOMweb (PS3.18): QIDO-RS search of studies, series and instances; WADO-RS retrieval
 * of instances, metadata, frames and rendered images; STOW-RS storage. Every request is a PHI access
 * like any other: the caller's role and purpose of use are decided first (core/access), a clinician sees
 * only the patients they treat, and the audit record is durable before a byte is returned. Searching
 * PHI is exact, by keyed blind index (the index holds no PHI in clear): no wildcards, no fuzzy matching.
 */
import { AlertKind } from "../core/alerts/alert.ts";
import { Action, decideAccess, type AccessSubject, type Role } from "../core/access/decide-access.ts";
import { blindIndex, decryptField, type FieldKeys } from "../core/crypto/field-crypto.ts";
import { findElement } from "../core/dicom/dataset.ts";
import { codecOfDataset, elementText } from "../core/dicom/text.ts";
import { toDicomJson, type DicomJson } from "../core/dicom/dicom-json.ts";
import { encapsulatedFrame, nativeFrame } from "../core/dicom/frames.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { readBlob } from "../ports/blob-store.ts";
import { memorySource } from "../ports/byte-source.ts";
import type { ImageRenderer, PreviewFormat } from "../ports/image-renderer.ts";
import type { CatalogFilter, CatalogRow } from "../ports/imaging-index.ts";
import { raiseAlert } from "./alerts.ts";
import { importReceived, type ImportDeps } from "./import-files.ts";
import type { ReadDeps } from "./read-instance.ts";
import type { SessionUser } from "./sessions.ts";

export interface DicomwebDeps extends ReadDeps {
  readonly fields: FieldKeys;
  readonly renderer?: ImageRenderer;
}

/** Who asks and why: every DICOMweb request carries a purpose of use. */
export interface WebCaller {
  readonly user: SessionUser;
  readonly purpose: string;
}

/** The study, series and instance a request names (UIDs from the path). */
export interface Target {
  readonly study?: string;
  readonly series?: string;
  readonly instance?: string;
}

const MAX_ROWS = 20_000;

export function subjectOf(user: SessionUser): AccessSubject {
  return { id: `user:${user.userId}`, roles: user.roles as Role[], mfa: user.mfa, ...(user.breakGlass ? { breakGlass: user.breakGlass } : {}) };
}

/**
 * The catalog rows the caller may see for this action: refused outright (403) when no role of theirs may
 * do it for this purpose; otherwise filtered, patient by patient, by the care relationship where their
 * role needs one. The audit record (success with the count, or the refusal with its rule) comes first.
 */
export async function allowedRows(caller: WebCaller, action: Action, filter: CatalogFilter, auditAction: string, deps: DicomwebDeps): Promise<{ rows: CatalogRow[]; rule: string; breakGlass: boolean }> {
  const now = deps.now();
  const subject = subjectOf(caller.user);
  const purpose = caller.purpose.trim().toLowerCase().slice(0, 64);
  const anyPatient = decideAccess({ subject, action, purpose: caller.purpose, careRelationship: true, now });
  if (!anyPatient.allowed) {
    await deps.audit.append({ time: now, actor: subject.id, action: auditAction, objects: [`rule:${anyPatient.rule}`], purpose, outcome: "refused" });
    throw new RayvaultError(ErrorCode.AccessDenied, `${anyPatient.reason} (${anyPatient.rule}, ${anyPatient.citation})`);
  }
  const rows = await deps.index.catalog(filter);
  const verdict = new Map<string, ReturnType<typeof decideAccess>>();
  for (const patientId of new Set(rows.map((r) => r.patientId))) {
    const treating = await deps.care.isTreating(caller.user.userId, patientId, now);
    verdict.set(patientId, decideAccess({ subject, action, purpose: caller.purpose, careRelationship: treating, now }));
  }
  const visible = rows.filter((r) => verdict.get(r.patientId)?.allowed === true);
  const breakGlass = [...verdict.values()].some((v) => v.allowed && v.alertPrivacyOfficer);
  const studies = [...new Set(visible.map((r) => r.studyId))];
  await deps.audit.append({
    time: now, actor: subject.id, action: breakGlass ? `${auditAction}.break-glass` : auditAction,
    objects: [...studies.slice(0, 20).map((s) => `study:${s}`), `count:${visible.length}`, `rule:${anyPatient.rule}`], purpose, outcome: "success",
  });
  if (breakGlass) await raiseAlert(AlertKind.BreakGlassAccess, [`user:${caller.user.userId}`, ...studies.slice(0, 5).map((s) => `study:${s}`)], deps);
  return { rows: visible, rule: anyPatient.rule, breakGlass };
}

/** An encrypted catalog column as text ("" when empty). */
export const dec = (deps: DicomwebDeps, column: string, token: string | null): string => (token ? decryptField(deps.fields, column, token) : "");

/** The rows of one target: study, series or instance, by UID (blind index; SOP Instance UIDs compared decrypted). */
async function targetRows(caller: WebCaller, t: Target, action: Action, auditAction: string, deps: DicomwebDeps): Promise<CatalogRow[]> {
  if (!t.study) throw new RayvaultError(ErrorCode.UsageInvalid, "a study is needed");
  const { rows } = await allowedRows(caller, action, {
    studyUidIdx: blindIndex(deps.fields, "studies.uid", t.study), ...(t.series ? { seriesUidIdx: blindIndex(deps.fields, "series.uid", t.series) } : {}), limit: MAX_ROWS,
  }, auditAction, deps);
  const hit = t.instance ? rows.filter((r) => dec(deps, "instances.sop_uid", r.sopUidEnc) === t.instance) : rows;
  if (hit.length === 0) throw new RayvaultError(ErrorCode.NotFound, "nothing found (or nothing you may see)");
  return hit;
}

export interface SearchQuery {
  readonly studyUid?: string;
  readonly seriesUid?: string;
  readonly patientId?: string;
  readonly patientName?: string;
  readonly modality?: string;
  readonly limit?: number;
  readonly offset?: number;
}

const attr = (vr: string, ...values: unknown[]): { vr: string; Value?: unknown[] } => (values.length === 0 || values.every((v) => v === "" || v === undefined) ? { vr } : { vr, Value: values });

/** Wildcards and ranges cannot be answered from blind indexes: said, not silently ignored. */
function exact(label: string, v: string | undefined): string | undefined {
  if (v === undefined || v === "") return undefined;
  if (/[*?]/.test(v) || (label !== "PatientName" && v.includes("-") && /^\d{8}-|-\d{8}$/.test(v))) throw new RayvaultError(ErrorCode.UsageInvalid, `${label}: only exact matching (PHI is searchable by keyed blind index only; no wildcards or ranges)`);
  return v;
}

function filterOf(q: SearchQuery, deps: DicomwebDeps): CatalogFilter {
  const study = exact("StudyInstanceUID", q.studyUid);
  const seriesUid = exact("SeriesInstanceUID", q.seriesUid);
  const mrn = exact("PatientID", q.patientId);
  const name = exact("PatientName", q.patientName);
  return {
    ...(study ? { studyUidIdx: blindIndex(deps.fields, "studies.uid", study) } : {}),
    ...(seriesUid ? { seriesUidIdx: blindIndex(deps.fields, "series.uid", seriesUid) } : {}),
    ...(mrn ? { mrnIdx: blindIndex(deps.fields, "patients.mrn", mrn) } : {}),
    ...(name ? { nameIdx: blindIndex(deps.fields, "patients.name", name) } : {}),
    ...(q.modality ? { modality: q.modality } : {}),
    limit: MAX_ROWS,
  };
}

/** The rows in groups by key, groups in order of first appearance (the catalog's order). */
/** Catalog rows grouped by a key (a study, a series), groups and rows in catalog order. */
export function groupBy(rows: readonly CatalogRow[], key: (r: CatalogRow) => string): CatalogRow[][] {
  const groups = new Map<string, CatalogRow[]>();
  for (const r of rows) {
    const g = groups.get(key(r));
    if (g) g.push(r);
    else groups.set(key(r), [r]);
  }
  return [...groups.values()];
}

function page<T>(items: T[], q: SearchQuery): T[] {
  const offset = Math.max(0, q.offset ?? 0);
  const limit = Math.min(Math.max(1, q.limit ?? 100), 1000);
  return items.slice(offset, offset + limit);
}

/** QIDO-RS studies: one DICOM JSON object per study. */
export async function searchStudies(caller: WebCaller, q: SearchQuery, baseUrl: string, deps: DicomwebDeps): Promise<DicomJson[]> {
  const { rows } = await allowedRows(caller, Action.StudySearch, filterOf(q, deps), "study.search", deps);
  return page(groupBy(rows, (r) => r.studyId), q).map((rs) => {
    const r = rs[0]!;
    const uid = dec(deps, "studies.uid", r.studyUidEnc);
    return {
      "00080020": attr("DA", dec(deps, "studies.study_date", r.studyDateEnc)),
      "00080061": attr("CS", ...[...new Set(rs.map((x) => x.modality ?? ""))].filter((m) => m !== "")),
      "00081030": attr("LO", dec(deps, "studies.description", r.descriptionEnc)),
      "00100010": attr("PN", ...(r.nameEnc ? [{ Alphabetic: dec(deps, "patients.name", r.nameEnc) }] : [])),
      "00100020": attr("LO", dec(deps, "patients.mrn", r.mrnEnc)),
      "00100030": attr("DA", dec(deps, "patients.birth_date", r.birthDateEnc)),
      "0020000D": attr("UI", uid),
      "00201206": attr("IS", new Set(rs.map((x) => x.seriesId)).size),
      "00201208": attr("IS", rs.length),
      "00081190": attr("UR", `${baseUrl}/studies/${uid}`),
    };
  });
}

/** QIDO-RS series of a study. */
export async function searchSeries(caller: WebCaller, studyUid: string, q: SearchQuery, baseUrl: string, deps: DicomwebDeps): Promise<DicomJson[]> {
  const { rows } = await allowedRows(caller, Action.StudySearch, filterOf({ ...q, studyUid }, deps), "study.search", deps);
  return page(groupBy(rows, (r) => r.seriesId), q).map((rs) => {
    const r = rs[0]!;
    const uid = dec(deps, "series.uid", r.seriesUidEnc);
    return {
      "00080060": attr("CS", r.modality ?? ""),
      "0020000D": attr("UI", studyUid),
      "0020000E": attr("UI", uid),
      "00201209": attr("IS", rs.length),
      "00081190": attr("UR", `${baseUrl}/studies/${studyUid}/series/${uid}`),
    };
  });
}

/** QIDO-RS instances of a study (or of one of its series). */
export async function searchInstances(caller: WebCaller, studyUid: string, seriesUid: string | undefined, q: SearchQuery, baseUrl: string, deps: DicomwebDeps): Promise<DicomJson[]> {
  const { rows } = await allowedRows(caller, Action.StudySearch, filterOf({ ...q, studyUid, ...(seriesUid ? { seriesUid } : {}) }, deps), "study.search", deps);
  return page(rows, q).map((r) => {
    const series = dec(deps, "series.uid", r.seriesUidEnc);
    const sop = dec(deps, "instances.sop_uid", r.sopUidEnc);
    return {
      "00080016": attr("UI", r.sopClassUid ?? ""),
      "00080018": attr("UI", sop),
      "0020000D": attr("UI", studyUid),
      "0020000E": attr("UI", series),
      "00081190": attr("UR", `${baseUrl}/studies/${studyUid}/series/${series}/instances/${sop}`),
    };
  });
}

/** WADO-RS: the instances of a study, series or instance, as stored (Part 10): one stream each, read as sent. */
export async function retrieveInstances(caller: WebCaller, t: Target, deps: DicomwebDeps): Promise<Array<AsyncIterable<Uint8Array>>> {
  const rows = await targetRows(caller, t, Action.StudyDownload, "study.download", deps);
  return rows.map((r) => deps.blobs.get(r.blobId));
}

/** WADO-RS metadata: each instance's attributes as DICOM JSON, binary values as BulkDataURIs. */
export async function retrieveMetadata(caller: WebCaller, t: Target, baseUrl: string, deps: DicomwebDeps): Promise<DicomJson[]> {
  const rows = await targetRows(caller, t, Action.StudyViewMetadata, "study.view-metadata", deps);
  const out: DicomJson[] = [];
  for (const r of rows) {
    const file = parseDicom(memorySource(await readBlob(deps.blobs, r.blobId)));
    const series = dec(deps, "series.uid", r.seriesUidEnc);
    const sop = dec(deps, "instances.sop_uid", r.sopUidEnc);
    const url = `${baseUrl}/studies/${t.study!}/series/${series}/instances/${sop}`;
    // Pixel data is served as frames; other binary values have no retrieval route, so none is named.
    out.push(toDicomJson(file.dataset, file.transferSyntax.littleEndian, (path) => (path === "7FE00010" ? `${url}/frames/1` : undefined)));
  }
  return out;
}

/** WADO-RS frames (1-based numbers) of one instance, as stored: native bytes or the compressed frame, and the transfer syntax. */
export async function retrieveFrames(caller: WebCaller, t: Target, numbers: readonly number[], deps: DicomwebDeps): Promise<{ frames: Uint8Array[]; transferSyntaxUid: string; encapsulated: boolean }> {
  if (!t.instance) throw new RayvaultError(ErrorCode.UsageInvalid, "frames belong to one instance");
  const rows = await targetRows(caller, t, Action.StudyViewImages, "study.view-images", deps);
  const bytes = await readBlob(deps.blobs, rows[0]!.blobId);
  const file = parseDicom(memorySource(bytes));
  const pixel = findElement(file.dataset, 0x7fe00010);
  if (!pixel) throw new RayvaultError(ErrorCode.NotFound, "this instance has no pixel data");
  const value = pixel.value ?? (pixel.range ? bytes.subarray(pixel.range.offset, pixel.range.offset + pixel.range.length) : undefined);
  if (!value) throw new RayvaultError(ErrorCode.NotFound, "this instance has no pixel data");
  const us = (tag: number): number => {
    const e = findElement(file.dataset, tag);
    return e?.value && e.value.length >= 2 ? new DataView(e.value.buffer, e.value.byteOffset, 2).getUint16(0, file.transferSyntax.littleEndian) : 0;
  };
  const nf = findElement(file.dataset, 0x00280008);
  const frames = nf?.value ? Number(new TextDecoder().decode(nf.value).replace(/[\0 ]/g, "")) || 1 : 1;
  const g = { rows: us(0x00280010), columns: us(0x00280011), samplesPerPixel: us(0x00280002) || 1, bitsAllocated: us(0x00280100), frames };
  const out = numbers.map((n) => (pixel.encapsulated ? encapsulatedFrame(value, frames, n - 1) : nativeFrame(value, g, n - 1)));
  return { frames: out, transferSyntaxUid: file.transferSyntax.uid, encapsulated: pixel.encapsulated === true };
}

/** WADO-RS rendered: the instance's first frame as JPEG or PNG (window from the header, at most 2048 px). */
export async function retrieveRendered(caller: WebCaller, t: Target, format: PreviewFormat, deps: DicomwebDeps): Promise<Uint8Array> {
  if (!t.instance) throw new RayvaultError(ErrorCode.UsageInvalid, "rendering is per instance");
  if (!deps.renderer) throw new RayvaultError(ErrorCode.UsageInvalid, "rendering is not configured");
  const rows = await targetRows(caller, t, Action.StudyViewImages, "study.view-images", deps);
  return (await deps.renderer.renderPreview(await readBlob(deps.blobs, rows[0]!.blobId), format, 2048)).bytes;
}

export interface StowResult {
  readonly stored: Array<{ readonly sopClassUid: string; readonly sopInstanceUid: string; readonly url: string }>;
  readonly failed: Array<{ readonly sopClassUid: string; readonly sopInstanceUid: string; readonly reason: number }>;
}

/** STOW-RS: each part goes through the import use-case (#3) as the signed-in user, for their purpose. */
export async function storeInstances(caller: WebCaller, parts: readonly Uint8Array[], studyUid: string | undefined, baseUrl: string, deps: DicomwebDeps & ImportDeps): Promise<StowResult> {
  const subject = subjectOf(caller.user);
  const ids = parts.map((p) => {
    try {
      const f = parseDicom(memorySource(p));
      const codec = codecOfDataset(f.dataset);
      const text = (tag: number): string => {
        const e = findElement(f.dataset, tag);
        return e ? elementText(e, codec) : "";
      };
      return { sopClassUid: text(0x00080016), sopInstanceUid: text(0x00080018), studyUid: text(0x0020000d), seriesUid: text(0x0020000e) };
    } catch {
      return { sopClassUid: "", sopInstanceUid: "", studyUid: "", seriesUid: "" };
    }
  });
  // A part of another study than the one the URL names is refused, not stored (PS3.18 10.5).
  const wanted = ids.map((id) => !studyUid || id.studyUid === studyUid);
  const kept = parts.filter((_, i) => wanted[i]);
  const report = await importReceived({ actor: subject, purpose: caller.purpose, instances: kept.map((bytes, i) => ({ label: `part ${i + 1}`, bytes })) }, deps);
  if (report.refusal) throw new RayvaultError(ErrorCode.AccessDenied, `${report.refusal.reason} (${report.refusal.rule})`);
  const result: StowResult = { stored: [], failed: [] };
  let k = 0;
  ids.forEach((id, i) => {
    if (!wanted[i]) {
      result.failed.push({ sopClassUid: id.sopClassUid, sopInstanceUid: id.sopInstanceUid, reason: 0xa900 });
      return;
    }
    const f = report.files[k++]!;
    if (f.status === "refused") result.failed.push({ sopClassUid: id.sopClassUid, sopInstanceUid: id.sopInstanceUid, reason: 0xc000 });
    else result.stored.push({ sopClassUid: id.sopClassUid, sopInstanceUid: id.sopInstanceUid, url: `${baseUrl}/studies/${id.studyUid}/series/${id.seriesUid}/instances/${id.sopInstanceUid}` });
  });
  return result;
}
