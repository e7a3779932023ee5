/**
 * @module app/browse-studies
 * What the staff portal shows of the vault: the studies a signed-in user may see (their patients, for the
 * purpose they declared), one study's series and instances, a server-rendered preview of an instance, and
 * an instance's PHI report (header and photo-metadata findings with masked values; on request, the text
 * burned into the pixels). Every read is decided and audited before any value is returned.
 */
import { Action } from "../core/access/decide-access.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { blindIndex } from "../core/crypto/field-crypto.ts";
import { findDicomPhi } from "../core/phi/find-dicom-phi.ts";
import type { PhiFinding } from "../core/phi/phi-finding.ts";
import { memorySource } from "../ports/byte-source.ts";
import type { CatalogRow } from "../ports/imaging-index.ts";
import { readBlob } from "../ports/blob-store.ts";
import { allowedRows, dec, groupBy, type DicomwebDeps, type WebCaller } from "./dicomweb.ts";
import { findText, type CleanPixelsDeps } from "./clean-pixels.ts";
import { pixelLayout } from "../core/pixels/pixel-data.ts";
import { authorizeInstance } from "./read-instance.ts";

export interface StudySummary {
  readonly id: string;
  readonly patientName: string;
  readonly patientId: string;
  readonly studyDate: string;
  readonly description: string;
  readonly modalities: string[];
  readonly instances: number;
}

export interface StudyDetail extends StudySummary {
  readonly series: Array<{ readonly id: string; readonly modality: string; readonly description: string; readonly instances: Array<{ readonly id: string; readonly kind: "dicom" }> }>;
}

const MAX_ROWS = 20_000;

const isoDate = (da: string): string => (/^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : "");

function summaryOf(rows: readonly CatalogRow[], deps: DicomwebDeps): StudySummary {
  const r = rows[0]!;
  return {
    id: r.studyId, patientName: dec(deps, "patients.name", r.nameEnc).replace(/\^+/g, " ").trim(), patientId: dec(deps, "patients.mrn", r.mrnEnc),
    studyDate: isoDate(dec(deps, "studies.study_date", r.studyDateEnc)), description: dec(deps, "studies.description", r.descriptionEnc),
    modalities: [...new Set(rows.map((x) => x.modality ?? "").filter((m) => m !== ""))], instances: rows.length,
  };
}

/** The studies the caller may see, newest import first; an exact patient ID narrows them (blind index). */
export async function listStudies(caller: WebCaller, q: { readonly patientId?: string; readonly limit?: number }, deps: DicomwebDeps): Promise<StudySummary[]> {
  const mrn = q.patientId?.trim();
  // Newest first from the index, so the cap on rows drops the oldest studies, never the newest.
  const { rows } = await allowedRows(caller, Action.StudySearch, { ...(mrn ? { mrnIdx: blindIndex(deps.fields, "patients.mrn", mrn) } : {}), limit: MAX_ROWS, newestFirst: true }, "study.search", deps);
  return groupBy(rows, (r) => r.studyId).slice(0, Math.min(Math.max(q.limit ?? 200, 1), 1000)).map((rs) => summaryOf(rs, deps));
}

/** One study: its series and instances (references only; pixels and headers come per instance). */
export async function studyDetail(caller: WebCaller, studyId: string, deps: DicomwebDeps): Promise<StudyDetail> {
  if (!/^[0-9a-f-]{36}$/.test(studyId)) throw new RayvaultError(ErrorCode.NotFound, "no such study");
  const { rows } = await allowedRows(caller, Action.StudyViewMetadata, { studyId, limit: MAX_ROWS }, "study.view-metadata", deps);
  if (rows.length === 0) throw new RayvaultError(ErrorCode.NotFound, "no such study (or not one you may see)");
  return {
    ...summaryOf(rows, deps),
    series: groupBy(rows, (r) => r.seriesId).map((rs) => ({ id: rs[0]!.seriesId, modality: rs[0]!.modality ?? "", description: "", instances: rs.map((r) => ({ id: r.instanceId, kind: "dicom" as const })) })),
  };
}

/** A preview of the instance's first frame (the header's window or `auto`, MONOCHROME1 inverted), at most `maxSide` px. */
export async function previewInstance(caller: WebCaller, instanceId: string, maxSide: number, deps: DicomwebDeps, window: "header" | "auto" = "header"): Promise<Uint8Array> {
  if (!deps.renderer) throw new RayvaultError(ErrorCode.UsageInvalid, "rendering is not configured");
  const blobId = await authorizeInstance({ user: caller.user, instanceId, purpose: caller.purpose, action: Action.StudyViewImages }, deps);
  return (await deps.renderer.renderPreview(await readBlob(deps.blobs, blobId), "png", maxSide, { window })).bytes;
}

export interface PhiReportLine {
  readonly where: "header" | "photo-metadata" | "file-name";
  readonly attribute: string;
  readonly kind: string;
  /** Masked: the first character and the length, never the whole value. */
  readonly value: string;
}

export interface PhiReport {
  readonly findings: PhiReportLine[];
  readonly burnedIn?: { readonly width: number; readonly height: number; readonly likelihood: string; readonly regions: Array<{ readonly x: number; readonly y: number; readonly width: number; readonly height: number }> };
}

/** A value shown to staff in a report: enough to recognise it, not enough to copy it. */
export function maskValue(v: string): string {
  const t = v.trim();
  if (t.length === 0) return "(empty)";
  return t.length <= 2 ? "•".repeat(t.length) : `${t[0]!}${"•".repeat(Math.min(t.length - 1, 12))} (${t.length} characters)`;
}

const lineOf = (f: PhiFinding): PhiReportLine => ({ where: "header", attribute: f.field, kind: f.category, value: maskValue(f.value) });

/**
 * The PHI found in one instance's header (and, with `pixels`, the regions of text burned into its first
 * frames, from OCR and stroke shapes): what the de-identifier will act on before anything leaves.
 */
export async function phiReport(caller: WebCaller, instanceId: string, pixels: CleanPixelsDeps | undefined, deps: DicomwebDeps): Promise<PhiReport> {
  const blobId = await authorizeInstance({ user: caller.user, instanceId, purpose: caller.purpose, action: Action.StudyViewMetadata }, deps);
  const bytes = await readBlob(deps.blobs, blobId);
  const file = parseDicom(memorySource(bytes));
  const report = findDicomPhi(file);
  const findings = report.findings.map(lineOf);
  if (!pixels) return { findings };
  const text = await findText(file, bytes, pixels);
  // The regions are in the image's pixels; an instance without pixel data has neither.
  const size = text.frames > 0 ? pixelLayout(file.dataset) : { columns: 0, rows: 0 };
  return {
    findings,
    burnedIn: {
      width: size.columns, height: size.rows, likelihood: report.burnedIn.likelihood,
      regions: text.regions.map(([x0, y0, x1, y1]) => ({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 })),
    },
  };
}
