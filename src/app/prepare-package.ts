/**
 * @module app/prepare-package
 * Prepares what leaves for a disclosure: each instance of the study read from the vault, cut to the
 * minimum-necessary plan and checked, then written into a zip with a DICOMDIR — the form PACS and CD
 * importers expect — whose names carry no PHI (`DICOM/S0001/I0001`, `DICOMDIR`), with, when asked, a JPEG
 * or PNG preview of each instance rendered from the prepared file's own pixels (`PREVIEW/S0001/I0001.jpg`),
 * and the patient's photos as the vault keeps them, metadata-free (`PHOTO/P0001.jpg`).
 * Instances are prepared
 * one at a time as the zip is read, so memory holds one file, not the study. De-identified and limited
 * data set plans first clean burned-in text from the pixels (#7), then apply the PS3.15 profile of #2
 * with the plan's options, with a pseudonym and UID key drawn at random for this package alone (a code
 * not derived from the patient, 164.514(c)), and verify the result; without pixel cleaning they are refused.
 */
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import yazl from "yazl";
import type { DicomElement, DicomFile } from "../core/dicom/dataset.ts";
import { findElement } from "../core/dicom/dataset.ts";
import { Tags } from "../core/dicom/dictionary.ts";
import { parseDicom } from "../core/dicom/parse-dicom.ts";
import { codecOfDataset, elementText } from "../core/dicom/text.ts";
import { concat, serializeDicom } from "../core/dicom/write-dicom.ts";
import { buildDicomdir, type PackagedInstance } from "../core/delivery/build-dicomdir.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { deidentifyDicom, patientKeyOf, type PatientPseudonym } from "../core/deid/deidentify-dicom.ts";
import { ProfileOption } from "../core/deid/profile.ts";
import { createUidMapper, type UidMapper } from "../core/deid/uid-remap.ts";
import { sensitiveValuesOf, verifyDeidentified } from "../core/deid/verify-deid.ts";
import { findDicomPhi } from "../core/phi/find-dicom-phi.ts";
import { PlanLevel, removedUnderPlan, type MinimumNecessaryPlan } from "../core/policy/minimum-necessary.ts";
import type { PhotoCodec } from "../ports/photo-codec.ts";
import { cleanPhotoText, cleanPixels, type CleanPixelsDeps } from "./clean-pixels.ts";
import { memorySource } from "../ports/byte-source.ts";
import { readBlob, type BlobStore } from "../ports/blob-store.ts";
import type { ImageRenderer, PreviewFormat } from "../ports/image-renderer.ts";
import type { ImagingIndex } from "../ports/imaging-index.ts";

export interface PackageDeps {
  readonly index: ImagingIndex;
  readonly blobs: BlobStore;
  /** Needed only for previews. */
  readonly renderer?: ImageRenderer;
  /** Needed for de-identified and limited-data-set plans: burned-in text search and cleaning. */
  readonly pixels?: CleanPixelsDeps;
  /** Needed for photos under a de-identified plan (their labels are cleaned). */
  readonly photos?: PhotoCodec;
}

/** One package's de-identification: a random pseudonym per patient and a random UID key. */
interface PackageDeid {
  readonly options: ReadonlySet<ProfileOption>;
  readonly mapUid: UidMapper;
  readonly pseudonymFor: (patientKey: string) => PatientPseudonym;
  readonly pixels: CleanPixelsDeps;
}

function packageDeid(plan: MinimumNecessaryPlan, pixels: CleanPixelsDeps): PackageDeid {
  const pseudonyms = new Map<string, PatientPseudonym>();
  return {
    options: new Set([...plan.deidOptions, ProfileOption.CleanPixelData]),
    mapUid: createUidMapper(randomBytes(32)),
    pseudonymFor: (key) => {
      let p = pseudonyms.get(key);
      if (!p) {
        const shift = randomInt(1, 366) * (randomInt(0, 2) === 0 ? -1 : 1);
        p = { pseudonym: `RV-${randomBytes(6).toString("hex").toUpperCase()}`, dateShiftDays: shift };
        pseudonyms.set(key, p);
      }
      return p;
    },
    pixels,
  };
}

const PHOTO_EXT: Readonly<Record<string, string>> = { "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "image/webp": "webp", "image/avif": "avif" };

const DEIDENTIFIED_LEVELS: ReadonlySet<string> = new Set([PlanLevel.Deidentified, PlanLevel.LimitedDataSet]);

export interface PackageOptions {
  /** A preview of each instance's first frame beside the DICOM files. */
  readonly previews?: PreviewFormat;
  /** The patient's photos (of films, screens) as they are kept — metadata-free JPEG or PNG — in PHOTO/. */
  readonly photos?: boolean;
}

/**
 * Storage classes that carry no image (structured reports, key objects, presentation states, RT plans
 * and structures, encapsulated documents, raw data, waveforms): they get no preview. Every other
 * instance must render, or the package is refused.
 */
const NON_IMAGE_CLASSES = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.(88\.|11\.|104\.|481\.(3|5|6|8|9)$|66(\.|$)|9\.)/;

export function hasPreview(sopClassUid: string | null): boolean {
  return !NON_IMAGE_CLASSES.test(sopClassUid ?? "");
}

/** Longest side of a preview: enough to recognise the image, small beside the DICOM. */
export const PREVIEW_MAX_SIDE = 1024;

export interface PackageSummary {
  files: number;
  previews: number;
  photos: number;
  bytes: number;
  removedAttributes: number;
}

const removable = (plan: MinimumNecessaryPlan) => (e: DicomElement): boolean => removedUnderPlan(plan, e.tag);

/** Removes the plan's attributes (and private ones) at every level; returns how many went. */
function cut(elements: DicomElement[], drop: (e: DicomElement) => boolean): { kept: DicomElement[]; removed: number } {
  let removed = 0;
  const kept: DicomElement[] = [];
  for (const e of elements) {
    if (drop(e)) {
      removed++;
      continue;
    }
    if (e.items) {
      const items = e.items.map((it) => {
        const r = cut(it.elements, drop);
        removed += r.removed;
        return { ...it, elements: r.kept };
      });
      kept.push({ ...e, items });
    } else kept.push(e);
  }
  return { kept, removed };
}

/** Plans that need pixel cleaning are refused where burned-in text cannot be searched and removed (fail closed). */
export function assertPreparable(plan: MinimumNecessaryPlan, canCleanPixels = false): void {
  if (plan.level !== PlanLevel.Full && plan.level !== PlanLevel.IdentifiedMinimum && !canCleanPixels) {
    throw new RayvaultError(ErrorCode.DeidUnsupported, "this disclosure must be de-identified with burned-in text cleaned from the pixels, and text recognition is not configured here: refused");
  }
}

/** One instance de-identified for the package: pixels cleaned, the profile applied, the result verified. */
export async function prepareDeidentified(bytes: Uint8Array, fileId: readonly string[], deid: PackageDeid): Promise<{ bytes: Uint8Array; facts: PackagedInstance; removed: number }> {
  const original = parseDicom(memorySource(bytes));
  const cleaning = await cleanPixels(original, bytes, deid.pixels);
  const input = cleaning.bytes ?? bytes;
  const parsed = parseDicom(memorySource(input));
  const report = findDicomPhi(original);
  const result = deidentifyDicom(parsed, {
    options: deid.options, mapUid: deid.mapUid, patient: deid.pseudonymFor(patientKeyOf(parsed) || `unidentified:${fileId.join("/")}`),
    pseudonymFor: deid.pseudonymFor, knownIdentifiers: report.knownIdentifiers, instanceSeed: fileId.join("/"),
  });
  const s = serializeDicom({ meta: result.meta, dataset: result.dataset, transferSyntax: parsed.transferSyntax }, (r) => input.subarray(r.offset, r.offset + r.length));
  const out = concat(s.chunks.map((c) => (c instanceof Uint8Array ? c : input.subarray(c.offset, c.offset + c.length))));
  // Read back once, as a receiver would: verified, then the DICOMDIR facts taken from it.
  const written = parseDicom(memorySource(out));
  const residuals = verifyDeidentified(written, sensitiveValuesOf(report.findings, deid.options), deid.options);
  if (residuals.length > 0) throw new RayvaultError(ErrorCode.DeidResidualPhi, `verification failed: ${residuals[0]!.reason} at ${residuals[0]!.where}`);
  return { bytes: out, facts: instanceFacts(written, fileId), removed: result.actionCounts["X"] ?? 0 };
}

/** One instance under the plan, re-read and checked; with the facts its DICOMDIR record needs. */
export function prepareInstance(bytes: Uint8Array, plan: MinimumNecessaryPlan, fileId: readonly string[]): { bytes: Uint8Array; facts: PackagedInstance; removed: number } {
  let out = bytes;
  let removed = 0;
  if (plan.level === PlanLevel.IdentifiedMinimum) {
    const file = parseDicom(memorySource(bytes));
    const r = cut(file.dataset, removable(plan));
    removed = r.removed;
    const s = serializeDicom({ meta: file.meta, dataset: r.kept, transferSyntax: file.transferSyntax }, (range) => bytes.subarray(range.offset, range.offset + range.length));
    out = concat(s.chunks.map((c) => (c instanceof Uint8Array ? c : bytes.subarray(c.offset, c.offset + c.length))));
  } else assertPreparable(plan);
  const file = parseDicom(memorySource(out));
  // Verify: nothing the plan removes is left, at any level.
  if (plan.level === PlanLevel.IdentifiedMinimum && cut(file.dataset, removable(plan)).removed > 0) throw new RayvaultError(ErrorCode.DeidResidualPhi, "verification failed: an attribute the plan removes is still present");
  return { bytes: out, removed, facts: instanceFacts(file, fileId) };
}

/** What the DICOMDIR record of a packaged instance needs, read from the file that leaves. */
function instanceFacts(file: DicomFile, fileId: readonly string[]): PackagedInstance {
  const codec = codecOfDataset(file.dataset);
  const t = (tag: number): string => {
    const e = findElement(file.dataset, tag);
    return e ? elementText(e, codec).trim() : "";
  };
  const metaText = (tag: number): string => {
    const e = findElement(file.meta, tag);
    return e ? elementText(e, codec).replace(/\0/g, "").trim() : "";
  };
  const charset = t(0x00080005);
  return {
    fileId, sopClassUid: t(Tags.SOPClassUID), sopInstanceUid: t(Tags.SOPInstanceUID), transferSyntaxUid: metaText(Tags.TransferSyntaxUID),
    ...(charset ? { specificCharacterSet: charset } : {}),
    patientId: t(Tags.PatientID), patientName: t(Tags.PatientName), studyInstanceUid: t(Tags.StudyInstanceUID), studyDate: t(Tags.StudyDate), studyTime: t(0x00080030),
    studyId: t(0x00200010), accessionNumber: t(0x00080050), studyDescription: t(0x00081030), modality: t(Tags.Modality),
    seriesInstanceUid: t(Tags.SeriesInstanceUID), seriesNumber: t(0x00200011), instanceNumber: t(0x00200013),
  };
}

/** The patient's photos that go with the study, with the extension each is packaged under. */
async function packagedPhotos(studyId: string, deps: PackageDeps): Promise<Array<{ readonly blobId: string; readonly ext: string }>> {
  const study = await deps.index.findStudy({ id: studyId });
  const photos = study ? await deps.index.patientPhotos(study.patientId) : [];
  return photos.map((p) => {
    const ext = PHOTO_EXT[p.mediaType];
    if (!ext) throw new RayvaultError(ErrorCode.UnsupportedInput, "a stored photo has a media type that cannot be packaged");
    return { blobId: p.blobId, ext };
  });
}

/**
 * The study as a zip stream (stored, not deflated: pixel data barely compresses) with the DICOMDIR last.
 * `summary` is complete once the stream has ended. A plan that cannot be applied is refused before the
 * zip is started; instances are prepared only as the zip is read.
 */
export async function packageStudy(studyId: string, plan: MinimumNecessaryPlan, deps: PackageDeps, options: PackageOptions = {}): Promise<{ stream: Readable; summary: PackageSummary }> {
  const instances = await deps.index.studyInstances(studyId);
  if (instances.length === 0) throw new RayvaultError(ErrorCode.NotFound, "the study has no instances in the vault");
  assertPreparable(plan, deps.pixels !== undefined);
  const deid = DEIDENTIFIED_LEVELS.has(plan.level) && deps.pixels ? packageDeid(plan, deps.pixels) : undefined;
  const previews = options.previews;
  const renderer = deps.renderer;
  if (previews && !renderer) throw new RayvaultError(ErrorCode.UsageInvalid, "previews need an image renderer");
  // Everything that can refuse the package is checked before the zip is started.
  const photos = options.photos ? await packagedPhotos(studyId, deps) : [];
  if (photos.length > 0 && deid && !deps.photos) throw new RayvaultError(ErrorCode.DeidUnsupported, "photos under a de-identified plan need the photo codec to clean their labels");
  const zip = new yazl.ZipFile();
  // yazl's output is a Node stream (a PassThrough); typed as the generic readable interface.
  const output = Readable.from(zip.outputStream);
  zip.on("error", (e: Error) => output.destroy(e));
  const facts: PackagedInstance[] = [];
  const summary: PackageSummary = { files: 0, previews: 0, photos: 0, bytes: 0, removedAttributes: 0 };
  // The prepared instance waits here for its preview, which is the next entry of the zip.
  const forPreview = new Map<string, Uint8Array>();
  const seriesIndex = new Map<string, number>();
  const perSeries = new Map<string, number>();
  const when = new Date("2000-01-01T00:00:00Z");
  for (const inst of instances) {
    const s = seriesIndex.get(inst.seriesId) ?? seriesIndex.size + 1;
    seriesIndex.set(inst.seriesId, s);
    const n = (perSeries.get(inst.seriesId) ?? 0) + 1;
    perSeries.set(inst.seriesId, n);
    const fileId = ["DICOM", `S${String(s).padStart(4, "0")}`, `I${String(n).padStart(4, "0")}`];
    zip.addReadStreamLazy(fileId.join("/"), { compress: false, mtime: when }, (cb) => {
      readBlob(deps.blobs, inst.blobId)
        .then(async (bytes) => {
          const p = deid ? await prepareDeidentified(bytes, fileId, deid) : prepareInstance(bytes, plan, fileId);
          facts.push(p.facts);
          summary.files++;
          summary.bytes += p.bytes.length;
          summary.removedAttributes += p.removed;
          if (previews) forPreview.set(fileId.join("/"), p.bytes);
          cb(null, Readable.from([Buffer.from(p.bytes)]));
        })
        .catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e)), undefined as never));
    });
    if (previews && renderer && hasPreview(inst.sopClassUid)) {
      const previewName = ["PREVIEW", fileId[1], `${fileId[2]}.${previews === "png" ? "png" : "jpg"}`].join("/");
      zip.addReadStreamLazy(previewName, { compress: false, mtime: when }, (cb) => {
        const prepared = forPreview.get(fileId.join("/"));
        forPreview.delete(fileId.join("/"));
        if (!prepared) {
          cb(new RayvaultError(ErrorCode.PixelsUndecodable, "a preview was asked before its instance was prepared"), undefined as never);
          return;
        }
        // Rendered from the prepared file, so the preview shows exactly the pixels that leave.
        renderer.renderPreview(prepared, previews, PREVIEW_MAX_SIDE)
          .then((r) => {
            summary.previews++;
            cb(null, Readable.from([Buffer.from(r.bytes)]));
          })
          .catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e)), undefined as never));
      });
    }
  }
  photos.forEach(({ blobId, ext }, i) => {
    zip.addReadStreamLazy(`PHOTO/P${String(i + 1).padStart(4, "0")}.${ext}`, { compress: false, mtime: when }, (cb) => {
      readBlob(deps.blobs, blobId)
        .then(async (bytes) => {
          // Kept without metadata; under a de-identified plan their printed labels are cleaned too.
          const out = deid && deps.photos ? (await cleanPhotoText(bytes, ext, deps.photos, deid.pixels)).bytes : bytes;
          summary.photos++;
          cb(null, Readable.from([Buffer.from(out)]));
        })
        .catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e)), undefined as never));
    });
  });
  zip.addReadStreamLazy("DICOMDIR", { compress: false, mtime: when }, (cb) => {
    try {
      cb(null, Readable.from([Buffer.from(buildDicomdir(facts, "RAYVAULT", `2.25.${BigInt(`0x${randomUUID().replace(/-/g, "")}`).toString()}`))]));
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)), undefined as never);
    }
  });
  zip.end();
  return { stream: output, summary };
}

/** A prepared instance for a DICOM push: the file that leaves and what the C-STORE names it by. */
export interface PreparedInstance {
  readonly bytes: Uint8Array;
  readonly facts: PackagedInstance;
}

/**
 * The study's instances prepared under the plan one at a time, exactly as `packageStudy` prepares them
 * (the same cut, de-identification, pixel cleaning and verification), for a DICOM push instead of a zip.
 */
export async function* prepareStudyInstances(studyId: string, plan: MinimumNecessaryPlan, deps: PackageDeps): AsyncGenerator<PreparedInstance> {
  const instances = await deps.index.studyInstances(studyId);
  if (instances.length === 0) throw new RayvaultError(ErrorCode.NotFound, "the study has no instances in the vault");
  assertPreparable(plan, deps.pixels !== undefined);
  const deid = DEIDENTIFIED_LEVELS.has(plan.level) && deps.pixels ? packageDeid(plan, deps.pixels) : undefined;
  for (const [i, inst] of instances.entries()) {
    const fileId = ["PUSH", `I${String(i + 1).padStart(5, "0")}`];
    const bytes = await readBlob(deps.blobs, inst.blobId);
    const p = deid ? await prepareDeidentified(bytes, fileId, deid) : prepareInstance(bytes, plan, fileId);
    yield { bytes: p.bytes, facts: p.facts };
  }
}
