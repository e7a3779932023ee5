/**
 * @module app/scan-files
 * Use-case `rayvault scan`: finds PHI in every collected file — DICOM (and DICOMDIR) headers, photo
 * metadata, free text and file names — and reports findings per file. Names and ids seen in DICOM
 * headers are looked for in the text files and file names of the same scan.
 */
import { InputKind, type InputCatalog, type InputFile } from "../ports/input-catalog.ts";
import type { PhotoCodec } from "../ports/photo-codec.ts";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../core/errors.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { isDicomdir } from "../core/deid/dicomdir.ts";
import type { BurnedInRisk } from "../core/phi/burned-in-risk.ts";
import { findDicomPhi } from "../core/phi/find-dicom-phi.ts";
import { findPhotoPhi } from "../core/phi/find-photo-phi.ts";
import { findNamePhi, findTextPhi, type KnownIdentifier } from "../core/phi/find-text-phi.ts";
import { DeidAction, FindingSource, type PhiFinding } from "../core/phi/phi-finding.ts";
import type { Box } from "../core/pixels/regions.ts";
import { memorySource } from "../ports/byte-source.ts";
import { findText, type CleanPixelsDeps } from "./clean-pixels.ts";

export interface ScannedFile {
  readonly path: string;
  readonly kind: "dicom" | "dicomdir" | "photo" | "text" | "unknown";
  readonly findings: PhiFinding[];
  readonly burnedIn?: BurnedInRisk;
  /** With `--pixels`: text found in the pixels (regions `[x0, y0, x1, y1)`; counts, never the text). */
  readonly pixelText?: { readonly regions: Box[]; readonly lines: number; readonly identifierLines: number; readonly textLikeLines: number; readonly frames: number };
  readonly warnings: string[];
  readonly error?: { readonly code: string; readonly message: string };
}

export interface ScanReport {
  readonly files: ScannedFile[];
}

const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export interface ScanDeps {
  readonly inputs: InputCatalog;
  readonly photos: PhotoCodec;
  /** Given: DICOM pixels are searched for burned-in text (OCR and stroke shapes). */
  readonly pixels?: CleanPixelsDeps;
}

/**
 * A DICOM file's header findings; with `pixels`, its pixels searched for burned-in text too — from one
 * read of the (decompressed, for .gz) file, held in memory for the search.
 */
async function scanDicomFile(file: InputFile, inputs: InputCatalog, pixels?: CleanPixelsDeps): Promise<ScannedFile & { known: KnownIdentifier[] }> {
  const source = inputs.open(file);
  try {
    const bytes = pixels ? source.read(0, source.size).slice() : undefined;
    const parsed = parseDicom(bytes ? memorySource(bytes) : source);
    const report = findDicomPhi(parsed);
    const dicomdir = isDicomdir(parsed.dataset);
    const text = pixels && bytes && !dicomdir ? await findText(parsed, bytes, pixels) : undefined;
    return {
      path: file.displayPath,
      kind: dicomdir ? "dicomdir" : "dicom",
      findings: report.findings,
      burnedIn: report.burnedIn,
      ...(text ? { pixelText: { regions: text.regions, lines: text.lines, identifierLines: text.identifierLines, textLikeLines: text.textLikeLines, frames: text.frames } } : {}),
      warnings: [...new Set(report.warnings)],
      known: report.knownIdentifiers,
    };
  } finally {
    source.close();
  }
}

/** Identifiers in the file's name and in every folder name between it and the input root. */
function fileNameFindings(relPath: string, known: readonly KnownIdentifier[]): PhiFinding[] {
  const parts = relPath.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  return parts.flatMap((part, i) =>
    findNamePhi(part, known).map((s) => ({
      where: `${i === parts.length - 1 ? "filename" : `folder[${i}]`}:${s.start}-${s.end}`, field: i === parts.length - 1 ? "FileName" : "FolderName",
      category: s.category, action: DeidAction.Review, source: FindingSource.Pattern, rule: `pattern ${s.pattern} in ${i === parts.length - 1 ? "file" : "folder"} name`, value: s.text,
    })),
  );
}

function failed(file: InputFile, kind: ScannedFile["kind"], e: unknown): ScannedFile {
  return { path: file.displayPath, kind, findings: [], warnings: [], error: { code: errorCodeOf(e), message: safeMessageOf(e) } };
}

export async function scanFiles(paths: readonly string[], deps: ScanDeps): Promise<ScanReport> {
  const inputs = await deps.inputs.collect(paths);
  try {
    const out: ScannedFile[] = inputs.problems.map((p) => ({ path: p.displayPath, kind: "unknown", findings: [], warnings: [], error: { code: p.code, message: p.message } }));
    const known: KnownIdentifier[] = [];
    const dicoms = inputs.files.filter((f) => f.kind === InputKind.Dicom || f.kind === InputKind.Gzip);
    const rest = inputs.files.filter((f) => !dicoms.includes(f));
    for (const f of dicoms) {
      try {
        const { known: k, ...scanned } = await scanDicomFile(f, deps.inputs, deps.pixels);
        known.push(...k);
        out.push(scanned);
      } catch (e) {
        out.push(failed(f, "dicom", e));
      }
    }
    for (const f of rest) {
      try {
        if (f.kind === InputKind.Photo && f.imageKind) {
          const meta = await deps.photos.readMetadata(deps.inputs.readBytes(f), f.imageKind);
          out.push({
            path: f.displayPath, kind: "photo", findings: findPhotoPhi(meta, known), warnings: [],
            burnedIn: { likelihood: "high", reasons: ["a photo of a film or screen usually shows its printed labels"], regions: [] },
          });
        } else if (f.kind === InputKind.Text) {
          const bytes = deps.inputs.readBytes(f);
          const text = new TextDecoder("utf-8").decode(bytes.subarray(0, MAX_TEXT_BYTES));
          const findings: PhiFinding[] = findTextPhi(text, known).map((s) => ({
            where: `text:${s.start}-${s.end}`, field: "text", category: s.category, action: DeidAction.Review,
            source: FindingSource.Pattern, rule: `pattern ${s.pattern}`, value: s.text,
          }));
          out.push({ path: f.displayPath, kind: "text", findings, warnings: bytes.length > MAX_TEXT_BYTES ? ["only the first 16 MiB were scanned"] : [] });
        } else {
          out.push(failed(f, "unknown", new RayvaultError(ErrorCode.UnsupportedInput, "not a DICOM file, photo, zip or text")));
        }
      } catch (e) {
        out.push(failed(f, f.kind === InputKind.Photo ? "photo" : "text", e));
      }
    }
    // File names are free text too: look for the identifiers every header revealed.
    const byPath = new Map(inputs.files.map((f) => [f.displayPath, f]));
    const files = out.map((s) => {
      const f = byPath.get(s.path);
      return f ? { ...s, findings: [...s.findings, ...fileNameFindings(f.relPath, known)] } : s;
    });
    return { files };
  } finally {
    inputs.dispose();
  }
}
