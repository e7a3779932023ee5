/**
 * @module app/deidentify-files
 * Use-case `rayvault deid`: de-identifies every collected file into --out. Each output is staged under a
 * temporary name, read back and verified (no identifying value of its input left, no structure the
 * profile removes); only then is it committed under its final name. A file that fails is not written,
 * its reason is reported without PHI, and the batch goes on. DICOMDIRs come last, after their files.
 */
import { basename, dirname, join, resolve } from "node:path";
import type { ClosableByteSource } from "../ports/byte-source.ts";
import { InputKind, type InputCatalog, type InputFile } from "../ports/input-catalog.ts";
import type { OutputStore, StagedOutput } from "../ports/output-store.ts";
import type { PhotoCodec } from "../ports/photo-codec.ts";
import { cleanPhoto } from "./clean-photo.ts";
import type { PseudonymStore } from "../ports/pseudonym-store.ts";
import { ErrorCode, errorCodeOf, RayvaultError, safeMessageOf } from "../core/errors.ts";
import type { DicomFile } from "../core/dicom/dataset.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { serializeDicom } from "../core/dicom/write-dicom.ts";
import { deidentifyDicom, patientKeyOf } from "../core/deid/deidentify-dicom.ts";
import { isDicomdir, referencedFiles, serializeDicomdir } from "../core/deid/dicomdir.ts";
import type { ProfileOption } from "../core/deid/profile.ts";
import { createUidMapper, type UidMapper } from "../core/deid/uid-remap.ts";
import { sensitiveValuesOf, verifyDeidentified } from "../core/deid/verify-deid.ts";
import { findDicomPhi } from "../core/phi/find-dicom-phi.ts";
import { findNamePhi, type KnownIdentifier } from "../core/phi/find-text-phi.ts";
import { ProfileOption as Option } from "../core/deid/profile.ts";
import { memorySource } from "../ports/byte-source.ts";
import { cleanPhotoText, cleanPixels, type CleanPixelsDeps, type PixelCleaning } from "./clean-pixels.ts";
import { OutputNames } from "./output-names.ts";

export interface DeidRequest {
  readonly paths: readonly string[];
  readonly outDir: string;
  readonly options: ReadonlySet<ProfileOption>;
  /** Risky: write images whose burned-in text risk is high although pixels are not cleaned. */
  readonly allowBurnedInRisk: boolean;
  /** With clean-pixels: keep laterality and view markers that stand alone. */
  readonly keepMarkers?: boolean;
}

export interface DeidDeps {
  readonly pseudonyms: PseudonymStore;
  readonly inputs: InputCatalog;
  readonly photos: PhotoCodec;
  /** Opens the output store rooted at --out. */
  readonly openOutput: (root: string) => OutputStore;
  /** For `--option clean-pixels`: text recognition, and the renderer for compressed images. */
  readonly pixels?: CleanPixelsDeps;
}

/** What stays the same for every file of one run. */
interface RunContext {
  readonly mapUid: UidMapper;
  readonly out: OutputStore;
  readonly names: OutputNames;
}

export type DeidStatus = "written" | "refused";

export interface DeidFileResult {
  readonly path: string;
  readonly kind: "dicom" | "dicomdir" | "photo" | "text" | "unknown";
  readonly status: DeidStatus;
  /** Output path relative to --out, when written. */
  readonly output?: string;
  readonly code?: string;
  readonly reason?: string;
  readonly findings: number;
  readonly actions?: Record<string, number>;
  readonly burnedIn?: string;
  readonly method?: string;
  /** With clean-pixels: regions filled (0: no text found, pixel data unchanged). */
  readonly pixelRegions?: number;
  /** With clean-pixels: the compressed transfer syntax the image was decoded from to be cleaned (written uncompressed). */
  readonly decompressedFrom?: string;
}

export interface DeidReport {
  readonly outDir: string;
  readonly files: DeidFileResult[];
}

function refusal(file: InputFile, kind: DeidFileResult["kind"], e: unknown, findings = 0): DeidFileResult {
  return { path: file.displayPath, kind, status: "refused", code: errorCodeOf(e), reason: safeMessageOf(e), findings };
}

interface DicomJob {
  readonly file: InputFile;
  readonly parsed: DicomFile;
  readonly source: ClosableByteSource;
}

/** Where a file goes under --out, decided once its header's names and ids are known. */
type OutputPlace = (known: readonly KnownIdentifier[]) => string;

function deidDicom(
  job: DicomJob,
  req: DeidRequest,
  deps: DeidDeps & RunContext,
  place: OutputPlace,
  mapFileId?: (fileId: string) => string,
  pixels?: PixelCleaning,
): DeidFileResult {
  const { file, parsed } = job;
  const dicomdir = isDicomdir(parsed.dataset);
  const report = findDicomPhi(parsed);
  // Pixels that were checked (and cleaned where text was found) lift the burned-in refusal.
  if (!dicomdir && !pixels && report.burnedIn.likelihood === "high" && !req.allowBurnedInRisk) {
    throw new RayvaultError(
      ErrorCode.DeidUnsupported,
      `burned-in text is likely (${report.burnedIn.reasons[0] ?? "rules"}); pixels are not cleaned yet: review the image and rerun with --allow-burned-in-risk`,
    );
  }
  // A file with no patient identity at all gets a pseudonym of its own, never one shared with others.
  const patient = deps.pseudonyms.pseudonymFor(patientKeyOf(parsed) || `unidentified:${file.displayPath}\u0000${parsed.source.size}`);
  const result = deidentifyDicom(parsed, {
    options: req.options,
    mapUid: deps.mapUid,
    patient,
    pseudonymFor: (key) => deps.pseudonyms.pseudonymFor(key),
    knownIdentifiers: report.knownIdentifiers,
    instanceSeed: `${file.displayPath}\u0000${parsed.source.size}`,
    ...(mapFileId ? { mapFileId } : {}),
  });
  const input = { meta: result.meta, dataset: result.dataset, transferSyntax: parsed.transferSyntax };
  const read = (r: { offset: number; length: number }): Uint8Array => parsed.source.read(r.offset, r.length);
  const serialized = dicomdir ? serializeDicomdir(input, read) : serializeDicom(input, read);
  const staged = deps.out.stageChunks(place(report.knownIdentifiers), serialized.chunks, parsed.source);
  try {
    // Independent check: parse the staged bytes again, as a reader of the output would.
    const check = deps.out.openStaged(staged);
    try {
      const written = parseDicom(check);
      const residuals = verifyDeidentified(written, sensitiveValuesOf(report.findings, req.options), req.options);
      if (residuals.length > 0) {
        const first = residuals[0]!;
        throw new RayvaultError(ErrorCode.DeidResidualPhi, `verification failed: ${first.reason} at ${first.where}${residuals.length > 1 ? ` (+${residuals.length - 1} more)` : ""}`);
      }
    } finally {
      check.close();
    }
    const output = deps.out.commit(staged);
    return {
      path: file.displayPath, kind: dicomdir ? "dicomdir" : "dicom", status: "written", output, findings: report.findings.length,
      actions: result.actionCounts, burnedIn: report.burnedIn.likelihood, ...(pixels ? { pixelRegions: pixels.regions.length } : {}), ...(pixels?.decompressedFrom ? { decompressedFrom: pixels.decompressedFrom } : {}),
    };
  } finally {
    deps.out.discard(staged);
  }
}

async function deidPhoto(file: InputFile, req: DeidRequest, deps: DeidDeps & RunContext): Promise<DeidFileResult> {
  const cleanText = req.options.has(Option.CleanPixelData);
  if (!req.allowBurnedInRisk && !cleanText) {
    // A photo of a film or a screen shows its printed labels.
    throw new RayvaultError(ErrorCode.DeidUnsupported, "burned-in text is likely (a photo of a film or screen shows its labels): clean it with --option clean-pixels, or review the photo and rerun with --allow-burned-in-risk");
  }
  if (cleanText && !deps.pixels) throw new RayvaultError(ErrorCode.OcrFailed, "clean-pixels needs text recognition, which is not configured");
  const stripped = await cleanPhoto(deps.inputs.readBytes(file), file.imageKind!, deps.photos);
  const text = cleanText && deps.pixels ? await cleanPhotoText(stripped.bytes, stripped.ext, deps.photos, deps.pixels) : undefined;
  const clean = text ? { ...stripped, bytes: text.bytes, ext: text.ext, method: text.method ?? stripped.method } : stripped;
  const base = file.relPath.replace(/\.[^./\\]+$/, "");
  const staged: StagedOutput = deps.out.stageBytes(deps.names.safeRelPath(`${base}.${clean.ext}`, `.${clean.ext}`), clean.bytes);
  try {
    const output = deps.out.commit(staged);
    return { path: file.displayPath, kind: "photo", status: "written", output, findings: clean.findings, method: clean.method, burnedIn: "high", ...(text ? { pixelRegions: text.regions.length } : {}) };
  } finally {
    deps.out.discard(staged);
  }
}

export async function deidentifyFiles(req: DeidRequest, baseDeps: DeidDeps): Promise<DeidReport> {
  const out = baseDeps.openOutput(req.outDir);
  const names = new OutputNames(baseDeps.pseudonyms.uidKey());
  const deps = { ...baseDeps, mapUid: createUidMapper(baseDeps.pseudonyms.uidKey()), out, names };
  const inputs = await deps.inputs.collect(req.paths);
  const results: DeidFileResult[] = inputs.problems.map((p) => ({ path: p.displayPath, kind: "unknown", status: "refused", code: p.code, reason: p.message, findings: 0 }));
  const refusedFs = new Set<string>();
  const dicomdirs: DicomJob[] = [];
  try {
    // DICOMDIRs first: the files they reference go where their (cleaned) File IDs say, so the set resolves.
    const inSet = new Map<string, string>();
    const setFileIds = new Map<DicomJob, (fileId: string) => string>();
    const rest: InputFile[] = [];
    for (const file of inputs.files) {
      // PS3.10 §8.6 names the file-set directory DICOMDIR; other files are not parsed twice.
      if (file.kind !== InputKind.Dicom || !/^DICOMDIR/i.test(basename(file.relPath))) {
        rest.push(file);
        continue;
      }
      let source: ClosableByteSource | undefined;
      try {
        source = deps.inputs.open(file);
        const parsed = parseDicom(source);
        if (!isDicomdir(parsed.dataset)) {
          rest.push(file);
          continue;
        }
        let refs: string[];
        try {
          refs = referencedFiles(parsed.dataset);
        } catch (e) {
          results.push(refusal(file, "dicomdir", e));
          continue;
        }
        const job: DicomJob = { file, parsed, source };
        dicomdirs.push(job);
        source = undefined; // kept open until its set is done
        const known = findDicomPhi(parsed).knownIdentifiers;
        const setDir = names.safeRelPath(dirname(file.relPath), "", known);
        const mapId = (id: string): string => names.safeFileId(id, known);
        setFileIds.set(job, (raw) => mapId(raw.split("\\").join("/")).split("/").join("\\"));
        for (const ref of refs) inSet.set(resolve(dirname(file.fsPath), ref), join(setDir, mapId(ref)));
      } catch {
        rest.push(file); // unreadable: reported when processed below
      } finally {
        source?.close();
      }
    }
    for (const file of rest) {
      if (file.kind === InputKind.Dicom || file.kind === InputKind.Gzip) {
        let source: ClosableByteSource | undefined;
        try {
          source = deps.inputs.open(file);
          const parsed = parseDicom(source);
          if (isDicomdir(parsed.dataset)) {
            throw new RayvaultError(ErrorCode.DeidUnsupported, "a DICOMDIR must be named DICOMDIR (PS3.10 §8.6) for its set to be kept consistent");
          }
          const relPath = file.relPath.replace(/\.gz$/i, "");
          const setPlace = inSet.get(resolve(file.fsPath));
          const place: OutputPlace = setPlace !== undefined ? () => setPlace : (known) => names.safeRelPath(relPath, ".dcm", known);
          if (req.options.has(Option.CleanPixelData) && parsed.dataset.some((e) => e.tag === 0x7fe00010)) {
            if (!deps.pixels) throw new RayvaultError(ErrorCode.OcrFailed, "clean-pixels needs text recognition, which is not configured");
            // The whole file in memory (a copy: the source's views are reused), at the parse's own offsets:
            // its pixels are read, and rewritten when text is found.
            const bytes = source.read(0, source.size).slice();
            const cleaning = await cleanPixels(parsed, bytes, deps.pixels, { keepMarkers: req.keepMarkers === true });
            const job = cleaning.bytes ? { file, parsed: parseDicom(memorySource(cleaning.bytes)), source: memorySource(cleaning.bytes) } : { file, parsed, source };
            results.push(deidDicom(job, req, deps, place, undefined, cleaning));
          } else results.push(deidDicom({ file, parsed, source }, req, deps, place));
        } catch (e) {
          refusedFs.add(resolve(file.fsPath));
          results.push(refusal(file, "dicom", e));
        } finally {
          source?.close();
        }
      } else if (file.kind === InputKind.Photo && file.imageKind) {
        try {
          results.push(await deidPhoto(file, req, deps));
        } catch (e) {
          results.push(refusal(file, "photo", e));
        }
      } else {
        results.push(refusal(file, file.kind === InputKind.Text ? "text" : "unknown", new RayvaultError(
          file.kind === InputKind.Text ? ErrorCode.DeidUnsupported : ErrorCode.UnsupportedInput,
          file.kind === InputKind.Text ? "free text is not de-identified automatically; `rayvault scan` lists what it contains" : "not a DICOM file, photo, zip or text",
        )));
      }
    }
    for (const job of dicomdirs) {
      try {
        const base = dirname(job.file.fsPath);
        for (const ref of referencedFiles(job.parsed.dataset)) {
          const full = resolve(base, ref);
          if (!deps.inputs.exists(full)) throw new RayvaultError(ErrorCode.DeidUnsupported, `DICOMDIR references a file that is not in the set`);
          if (refusedFs.has(full)) throw new RayvaultError(ErrorCode.DeidUnsupported, "a file this DICOMDIR references was refused, so the set cannot stay consistent");
        }
        // The DICOMDIR keeps its name (or becomes plain DICOMDIR if the name holds identifiers), in its
        // cleaned folder; its File IDs are cleaned the same way as the files were placed.
        const rel = job.file.relPath;
        const place: OutputPlace = (known) => {
          const name = basename(rel);
          return join(names.safeRelPath(dirname(rel), "", known), findNamePhi(name, known).length === 0 ? name : "DICOMDIR");
        };
        results.push(deidDicom(job, req, deps, place, setFileIds.get(job)));
      } catch (e) {
        results.push(refusal(job.file, "dicomdir", e));
      } finally {
        job.source.close();
      }
    }
    return { outDir: out.root, files: results };
  } finally {
    inputs.dispose();
  }
}
