/**
 * @module app/clean-pixels
 * Finds burned-in text in a DICOM image and removes it, then proves it is gone. Every frame is searched
 * (native pixel data here; compressed images are rendered by the image renderer) two ways: text-like
 * lines by their shape (strokes contrasting with their surroundings, glyphs in a row), and text
 * recognition of the whole frame plus a magnified reading of each block the shape search found (tiny
 * captions read there that the whole-frame reading cannot). Every line that reads as text or has the
 * shape of text — plus the device regions of the CTP-derived rules — is filled, with a margin, in every
 * frame. Then the proof: the cleaned frame is searched by shape again, and every cleaned region is read
 * again magnified with its surroundings; text left outside the regions is cleaned too (a few rounds),
 * and any header identifier still readable refuses the file. An image with no text keeps its pixel data
 * byte for byte. Burned In Annotation is set to NO only after cleaning succeeded.
 */
import type { DicomElement, DicomFile } from "../core/dicom/dataset.ts";
import { Tags } from "../core/dicom/dictionary.ts";
import { codecOfDataset, elementText, encodeText } from "../core/dicom/text.ts";
import { concat, encapsulatedPixelData, serializeDicom } from "../core/dicom/write-dicom.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { assessBurnedInRisk } from "../core/phi/burned-in-risk.ts";
import { headerLookup, knownIdentifiersOf } from "../core/phi/find-dicom-phi.ts";
import { SafeHarborCategory } from "../core/phi/phi-finding.ts";
import { findNeedles, phiNeedles, type HeaderValue } from "../core/pixels/match-phi.ts";
import { assertComplete, fillRegions, frameValues, greyOf, greyValues, nativePixelData, pixelLayout, type PixelLayout } from "../core/pixels/pixel-data.ts";
import { addRegions, coverage, cropGrey, expand, groupBlocks, height, mergeOverlapping, offsetWords, regionMask, intersects, median3, clip, type Box, type TextWord } from "../core/pixels/regions.ts";
import { findTextLike, type TextLike } from "../core/pixels/text-like.ts";
import { textRegions } from "../core/pixels/text-regions.ts";
import type { ImageRenderer } from "../ports/image-renderer.ts";
import type { PhotoCodec } from "../ports/photo-codec.ts";
import type { PixelCodec } from "../ports/pixel-codec.ts";
import { ExplicitVrLittleEndian, transferSyntaxOf } from "../core/dicom/transfer-syntax.ts";
import type { TextRecognizer } from "../ports/text-recognizer.ts";

export interface CleanPixelsDeps {
  readonly recognizer: TextRecognizer;
  /** Renders compressed images and the header-window variant; without it only the frame's range is read. */
  readonly renderer?: ImageRenderer;
  /** Decodes compressed pixel data so text found in it can be cleaned; without it such images are refused. */
  readonly codec?: PixelCodec;
}

export interface PixelCleaning {
  /** The cleaned file; undefined when the image had no text (its bytes stay as they are). */
  readonly bytes?: Uint8Array;
  readonly regions: Box[];
  readonly frames: number;
  /** Lines read as text, and how many of them held a header identifier. */
  readonly lines: number;
  readonly identifierLines: number;
  /** The lossy (or unencodable) transfer syntax the image was decoded from; it is written uncompressed (Explicit VR Little Endian). Lossless ones are encoded again in their own syntax. */
  readonly decompressedFrom?: string;
}

/** Readings of the cleaned image before text still legible refuses it. */
const PROOF_ROUNDS = 3;

/** More frames than this are refused rather than half-checked. */
export const MAX_FRAMES = 200;

const PIXEL_DATA = 0x7fe00010;

/**
 * The header's identifiers as the labels burned into pixels print them: the names, ids and institution
 * the PHI finder already knows (knownIdentifiersOf), and the patient's and study's dates.
 */
export function headerValues(file: DicomFile): HeaderValue[] {
  const codec = codecOfDataset(file.dataset);
  const kindOf = (c: SafeHarborCategory): HeaderValue["kind"] => (c === SafeHarborCategory.Names ? "name" : c === SafeHarborCategory.Geography ? "text" : "id");
  const out: HeaderValue[] = [];
  const add = (kind: HeaderValue["kind"], text: string): void => {
    for (const v of text.split("\\")) if (v.trim() !== "") out.push({ kind, value: v.trim() });
  };
  for (const k of knownIdentifiersOf(file.dataset, codec)) add(kindOf(k.category), k.text);
  for (const t of [Tags.PatientBirthDate, Tags.StudyDate, 0x00080021, 0x00080022, 0x00080023]) {
    const e = file.dataset.find((x) => x.tag === t);
    if (e?.value) add("date", elementText(e, codec));
  }
  return out;
}

/** What the text search found in an image; `pixels` is set for native pixel data (which can be cleaned). */
export interface TextSearch {
  readonly regions: Box[];
  readonly frames: number;
  readonly lines: number;
  readonly identifierLines: number;
  readonly textLikeLines: number;
  readonly compressed: boolean;
  readonly needles: string[];
  readonly layout?: PixelLayout;
  readonly pixels?: Uint8Array;
}

/** Looks for burned-in text in every frame (used by `scan --pixels` and by cleaning). */
export interface TextOptions {
  /** Keep laterality and view markers (L, R, AP, PA…) that stand alone. */
  readonly keepMarkers?: boolean;
}

export async function findText(file: DicomFile, bytes: Uint8Array, deps: CleanPixelsDeps, options: TextOptions = {}): Promise<TextSearch> {
  const pixelElement = file.dataset.find((e) => e.tag === PIXEL_DATA);
  const none = { regions: [], frames: 0, lines: 0, identifierLines: 0, textLikeLines: 0, compressed: false, needles: [] };
  if (!pixelElement) return none;
  if (!file.transferSyntax.littleEndian) throw new RayvaultError(ErrorCode.DeidUnsupported, "pixel cleaning reads little-endian images only");
  const layout = pixelLayout(file.dataset);
  if (layout.frames > MAX_FRAMES) throw new RayvaultError(ErrorCode.DeidUnsupported, `${layout.frames} frames: more than ${MAX_FRAMES} are not checked for text`);
  const needles = phiNeedles(headerValues(file));
  const ruleRegions = assessBurnedInRisk(headerLookup(file)).regions;
  const w = layout.columns;
  const h = layout.rows;

  // Native pixel data is searched in its own values; compressed data in its rendering.
  let pixels: Uint8Array | undefined;
  let frameAt: (f: number) => SearchedFrame | Promise<SearchedFrame>;
  if (pixelElement.encapsulated) {
    const renderer = deps.renderer;
    if (!renderer) throw new RayvaultError(ErrorCode.DeidUnsupported, "compressed pixel data needs the image renderer to be checked for text");
    frameAt = (f) => renderedFrame(renderer, bytes, f, w, h);
  } else {
    const native = nativePixelData(file, bytes);
    if (!native) throw new RayvaultError(ErrorCode.PixelsUndecodable, "the pixel data was not found in the file");
    assertComplete(native, layout);
    pixels = native;
    frameAt = (f) => nativeFrame(native, layout, f);
  }
  const words: TextWord[] = [];
  const textLike: Box[] = [];
  const extreme: Box[] = [];
  let busy = false;
  for (let f = 0; f < layout.frames; f++) {
    const frame = await frameAt(f);
    textLike.push(...frame.shapes.lines);
    extreme.push(...frame.shapes.extreme);
    busy ||= frame.shapes.busy;
    words.push(...(await readFrame(deps.recognizer, frame.grey, w, h, frame.shapes)));
  }
  const found = textRegions({ width: w, height: h, words, needles, ruleRegions, textLike, extreme, busy, keepMarkers: options.keepMarkers === true });
  return { ...found, frames: layout.frames, compressed: !pixels, needles, layout, ...(pixels ? { pixels } : {}) };
}

/** A frame as the text search sees it (the image's size): a grey picture, and the shape search of the same pixels. */
interface SearchedFrame {
  readonly grey: Uint8Array;
  readonly shapes: TextLike;
}

/** A native frame: its values read once, for both the picture and the shape search. */
function nativeFrame(pixels: Uint8Array, layout: PixelLayout, f: number): SearchedFrame {
  const values = frameValues(pixels, layout, f);
  return { grey: greyOf(values, layout), shapes: findTextLike(values, layout.columns, layout.rows) };
}

/**
 * A compressed frame's rendering. One of another size than the image is refused: regions found in it
 * would land in the wrong place of the pixels cleaned.
 */
async function renderedFrame(renderer: ImageRenderer, bytes: Uint8Array, f: number, w: number, h: number): Promise<SearchedFrame> {
  const g = await renderer.renderGrey(bytes, f);
  if (g.width !== w || g.height !== h) throw new RayvaultError(ErrorCode.PixelsUndecodable, `frame ${f + 1} renders at ${g.width}×${g.height}, not the image's ${w}×${h}: not checked for text`);
  return { grey: g.grey, shapes: findTextLike(greyValues(g.grey), w, h) };
}

/**
 * One frame read: the whole picture, and each block of text-like lines cut out and read magnified (the
 * recognizer enlarges small pictures), where captions a few pixels high become legible.
 */
async function readFrame(recognizer: TextRecognizer, grey: Uint8Array, w: number, h: number, shapes: TextLike): Promise<TextWord[]> {
  const textLike = shapes.lines;
  // A block's cut reaches several letters beyond it on either side: a line's faint end (a value after its
  // key) is read there even when its shape was lost in the background.
  const reach = (b: Box): Box => {
    const side = 8 * Math.min(...textLike.filter((l) => intersects(l, b)).map(height));
    return [b[0] - side, b[1], b[2] + side, b[3]];
  };
  // A busy (speckled) frame is read whole through a 3 × 3 median: in the raw speckle recognition takes
  // minutes and "reads" words everywhere. The blocks are still read as they are.
  const whole = shapes.busy ? median3(grey, w, h) : grey;
  const [read, blocks] = await Promise.all([recognizer.words(whole, w, h), readRegions(recognizer, grey, w, h, textLike.length > 0 ? groupBlocks(textLike).map(reach) : [])]);
  return [...read, ...blocks];
}

/**
 * Regions read again, each cut out with a margin of its own height (at least its line's surroundings)
 * and read by the recognizer on its own; the words come back in frame coordinates. Overlapping cuts are
 * merged first, so a block is read once.
 */
export async function readRegions(recognizer: TextRecognizer, grey: Uint8Array, w: number, h: number, regions: readonly Box[]): Promise<TextWord[]> {
  // A cut is at least 16 px each way (a region in a corner is clipped small), moved inside the picture:
  // nothing is left unread for being small.
  const span = (a: number, b: number, size: number): [number, number] => {
    const len = Math.min(size, Math.max(16, b - a));
    const start = Math.min(Math.max(0, Math.round((a + b - len) / 2)), size - len);
    return [start, start + len];
  };
  const atLeast = (b: Box): Box => {
    const [x0, x1] = span(b[0], b[2], w);
    const [y0, y1] = span(b[1], b[3], h);
    return [x0, y0, x1, y1];
  };
  const cuts = mergeOverlapping(regions.map((r) => atLeast(clip(expand(r, Math.max(4, Math.min(24, height(r)))), w, h))));
  const read = await Promise.all(
    cuts.map(async (c) => {
      const crop = cropGrey(grey, w, h, c);
      if (crop.width === 0 || crop.height === 0) return [];
      return offsetWords(await recognizer.words(crop.grey, crop.width, crop.height), crop.box[0], crop.box[1]);
    }),
  );
  return read.flat();
}

export async function cleanPixels(file: DicomFile, bytes: Uint8Array, deps: CleanPixelsDeps, options: TextOptions = {}): Promise<PixelCleaning> {
  const found = await findText(file, bytes, deps, options);
  const nothing = { regions: [], frames: found.frames, lines: 0, identifierLines: 0 };
  if (found.regions.length === 0) return nothing;
  if (!found.layout) throw new RayvaultError(ErrorCode.PixelsUndecodable, "the image layout could not be read");
  let { pixels, layout } = found;
  const { needles } = found;
  let transferSyntax = file.transferSyntax;
  let decompressedFrom: string | undefined;
  if (found.compressed || !pixels) {
    // Compressed: every frame decoded to native samples, cleaned, and written uncompressed (said in the report).
    if (!deps.codec) throw new RayvaultError(ErrorCode.DeidUnsupported, `text found in compressed pixel data (${found.lines} line(s)) and no decoder is configured: refused`);
    const decoded = await deps.codec.decode(bytes);
    layout = { ...layout, photometric: decoded.photometric.toUpperCase(), planarConfiguration: decoded.planarConfiguration };
    if (layout.samplesPerPixel === 3 && layout.photometric !== "RGB" && layout.photometric !== "YBR_FULL") throw new RayvaultError(ErrorCode.DeidUnsupported, `decoded colour pixels are ${layout.photometric}: not cleaned`);
    assertComplete(decoded.pixels, layout);
    pixels = decoded.pixels;
    decompressedFrom = file.transferSyntax.uid;
    transferSyntax = transferSyntaxOf(ExplicitVrLittleEndian);
  }
  const w = layout.columns;
  const h = layout.rows;
  // Prove: read the cleaned frames again. A text line still legible outside what was cleaned (the page
  // reads differently once labels are gone) is cleaned too, and the image read again, a few rounds at
  // most; a header identifier or a text line still legible after that refuses the file. The proof does
  // not rest on the header being complete.
  let regions = found.regions;
  let cleaned = fillRegions(pixels, layout, regions);
  for (let round = 1; ; round++) {
    const mask = regionMask(regions, w, h);
    const missed: Box[] = [];
    let identifiers = 0;
    for (let f = 0; f < layout.frames; f++) {
      // Text-like lines left outside the cleaned regions (the page reads differently once labels are gone).
      const after = nativeFrame(cleaned, layout, f);
      const shapes = after.shapes.lines.filter((r) => coverage(r, mask, w, h) < 1);
      // Each cleaned region, and each line left, read again magnified with its surroundings.
      const again = await readRegions(deps.recognizer, after.grey, w, h, [...regions, ...shapes]);
      identifiers += again.filter((x) => x.confidence >= 25 && findNeedles(x.text, needles).length > 0).length;
      // On a busy frame short words read in the noise around a region count only where shapes agree.
      const read = textRegions({ width: w, height: h, words: again, needles, ruleRegions: [], textLike: shapes, extreme: after.shapes.extreme, busy: after.shapes.busy }).regions.filter((r) => coverage(r, mask, w, h) < 1);
      missed.push(...read);
    }
    if (identifiers === 0 && missed.length === 0) break;
    if (missed.length === 0 || round >= PROOF_ROUNDS) {
      throw new RayvaultError(ErrorCode.DeidResidualPhi, `after cleaning, ${identifiers} header identifier(s) and ${missed.length} text line(s) can still be read: refused`);
    }
    // Added as they are: merged into the box around both, a line left beside a label cleaned the gap too.
    regions = addRegions(regions, missed);
    cleaned = fillRegions(pixels, layout, regions);
  }
  // A lossless original is encoded again in its own transfer syntax; otherwise it is written uncompressed.
  const reencoded = decompressedFrom && deps.codec ? await deps.codec.encodeLossless(cleaned, layout, decompressedFrom) : undefined;
  if (reencoded) {
    transferSyntax = file.transferSyntax;
    layout = { ...layout, photometric: reencoded.photometric };
  }
  const codec = codecOfDataset(file.dataset);
  const text = (tag: number, vr: string, value: string): DicomElement => ({ tag, vr, offset: -1, value: encodeText(value, vr, codec) });
  const rewritten = new Set([Tags.BurnedInAnnotation, ...(decompressedFrom ? [0x00280004, 0x00280006] : [])]);
  const replaced: DicomElement[] = file.dataset
    .filter((e) => !rewritten.has(e.tag))
    .map((e): DicomElement => {
      if (e.tag !== PIXEL_DATA) return e;
      if (reencoded) return { tag: e.tag, vr: "OB", offset: -1, encapsulated: true, value: encapsulatedPixelData(reencoded.frames) };
      return { tag: e.tag, vr: decompressedFrom ? (layout.bitsAllocated === 8 ? "OB" : "OW") : e.vr, offset: -1, value: cleaned };
    });
  replaced.push(text(Tags.BurnedInAnnotation, "CS", "NO"));
  if (decompressedFrom) {
    replaced.push(text(0x00280004, "CS", layout.photometric));
    if (layout.samplesPerPixel > 1) replaced.push({ tag: 0x00280006, vr: "US", offset: -1, value: new Uint8Array([layout.planarConfiguration & 0xff, 0]) });
  }
  replaced.sort((a, b) => a.tag - b.tag);
  const meta = decompressedFrom && !reencoded ? file.meta.map((e) => (e.tag === Tags.TransferSyntaxUID ? { tag: e.tag, vr: "UI", offset: -1, value: encodeText(ExplicitVrLittleEndian, "UI", codec) } : e)) : file.meta;
  const s = serializeDicom({ meta, dataset: replaced, transferSyntax }, (r) => bytes.subarray(r.offset, r.offset + r.length));
  const out = concat(s.chunks.map((c) => (c instanceof Uint8Array ? c : bytes.subarray(c.offset, c.offset + c.length))));
  return { bytes: out, regions, frames: layout.frames, lines: found.lines, identifierLines: found.identifierLines, ...(decompressedFrom && !reencoded ? { decompressedFrom } : {}) };
}

/**
 * A photo (of a film, a screen, a light box): its labels found by shape and by text recognition as in a
 * DICOM frame (a photo has no header to match, so every confidently read line and every text-like line
 * goes), painted black with a margin, the photo re-encoded without metadata, then read again: a
 * confidently read word left refuses it.
 */
export async function cleanPhotoText(bytes: Uint8Array, ext: string, photos: PhotoCodec, deps: CleanPixelsDeps): Promise<{ readonly bytes: Uint8Array; readonly ext: string; readonly method?: string; readonly regions: Box[] }> {
  const g = await photos.grey(bytes);
  // Searched by shape, read as it is with each text-like block magnified, and read inverted (light
  // labels on a dark film and dark ones on a light box read differently); a speckled photo through the
  // 3 × 3 median, as a busy frame is.
  const shapes = findTextLike(greyValues(g.grey), g.width, g.height);
  const inverted = (shapes.busy ? median3(g.grey, g.width, g.height) : g.grey).map((v) => 255 - v);
  const [plain, inverse] = await Promise.all([readFrame(deps.recognizer, g.grey, g.width, g.height, shapes), deps.recognizer.words(inverted, g.width, g.height)]);
  const found = textRegions({ width: g.width, height: g.height, words: [...plain, ...inverse], needles: [], ruleRegions: [], textLike: shapes.lines, extreme: shapes.extreme, busy: shapes.busy });
  if (found.regions.length === 0) return { bytes, ext, regions: [] };
  // Prove, as for a frame: a confidently read word left is cleaned too (with a margin) and the
  // photo read again, a few rounds at most; one still legible after that refuses the photo.
  let regions = found.regions;
  for (let round = 1; ; round++) {
    const redacted = await photos.redact(bytes, ext, regions);
    const again = await photos.grey(redacted.bytes);
    const picture = shapes.busy ? median3(again.grey, again.width, again.height) : again.grey;
    const left = (await deps.recognizer.words(picture, again.width, again.height)).filter((w) => w.confidence >= 60 && (w.text.match(/[A-Za-z0-9]/g)?.length ?? 0) >= 3);
    if (left.length === 0) return { bytes: redacted.bytes, ext: redacted.ext, method: redacted.method, regions };
    if (round >= PROOF_ROUNDS) throw new RayvaultError(ErrorCode.DeidResidualPhi, `after cleaning, ${left.length} word(s) can still be read in the photo: refused`);
    regions = addRegions(regions, left.map((w) => expand(w.box, Math.max(2, Math.round(0.5 * height(w.box))))));
  }
}
