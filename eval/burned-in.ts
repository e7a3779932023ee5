/**
 * `npm run eval -- burned-in [dir]`: pixel cleaning judged on the shared burned-in set
 * (`../shared/data/dev/burned_in`: JohnSnowLabs boxes, Presidio boxes; formats in its MANIFEST §7.2–7.3).
 * Per ground-truth box: the share of its area the cleaning covered; recall of boxes ≥ 95 % covered;
 * OCR hits left inside the boxes after cleaning (each box read again, cut out and magnified: the words
 * the box held, or header identifiers);
 * cleaned area outside every box (utility lost), as a share of the image. Refusals are listed.
 * Not a test: it prints figures. The OCR cache under bench/.work holds the text read: use --no-cache on
 * images with real PHI.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { dicomRenderer } from "../src/adapters/imaging/dicom-renderer.ts";
import { tesseractRecognizer } from "../src/adapters/ocr/tesseract-recognizer.ts";
import { cleanPhotoText, cleanPixels, headerValues, readRegions } from "../src/app/clean-pixels.ts";
import { sharpPhotoCodec } from "../src/adapters/photo/photo-codec.ts";
import { parseDicom } from "../src/core/dicom/parse-dicom.ts";
import { safeMessageOf } from "../src/core/errors.ts";
import { findNeedles, normalise, phiNeedles } from "../src/core/pixels/match-phi.ts";
import { frameToGrey, frameValues, nativePixelData, pixelLayout } from "../src/core/pixels/pixel-data.ts";
import { coverage, expand, intersects, regionMask, type Box, type TextWord } from "../src/core/pixels/regions.ts";
import type { TextRecognizer } from "../src/ports/text-recognizer.ts";
import { memorySource } from "../src/ports/byte-source.ts";

export function cachedRecognizer(inner: TextRecognizer, dir: string | undefined): TextRecognizer {
  if (!dir) return inner;
  mkdirSync(dir, { recursive: true });
  return {
    async words(grey, width, height) {
      const file = join(dir, `${createHash("sha256").update(grey).update(`${width}x${height}`).digest("hex").slice(0, 32)}.json`);
      if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as TextWord[];
      const words = await inner.words(grey, width, height);
      writeFileSync(file, JSON.stringify(words));
      return words;
    },
    close: () => inner.close(),
  };
}

interface GtBox { readonly text: string; readonly box: Box; readonly kind: "value" | "key" }

export function groundTruth(dir: string): Map<string, GtBox[]> {
  const out = new Map<string, GtBox[]>();
  const jsl = join(dir, "jsl");
  if (existsSync(jsl)) {
    for (const f of readdirSync(jsl).filter((n) => n.endsWith(".json"))) {
      const j = JSON.parse(readFileSync(join(jsl, f), "utf8")) as { annotation: Array<{ key: { text: string; bbox?: number[] }; value: { text: string; bbox?: number[] } }> };
      const boxes: GtBox[] = [];
      for (const a of j.annotation) {
        if (a.value.bbox) boxes.push({ text: a.value.text, kind: "value", box: a.value.bbox as unknown as Box });
        if (a.key.bbox) boxes.push({ text: a.key.text, kind: "key", box: a.key.bbox as unknown as Box });
      }
      out.set(join(jsl, f.replace(/\.json$/, ".dcm")), boxes);
    }
  }
  const presidio = join(dir, "presidio", "ground_truth_unpadded.json");
  if (existsSync(presidio)) {
    const j = JSON.parse(readFileSync(presidio, "utf8")) as Record<string, Array<{ label: string; left: number; top: number; width: number; height: number }>>;
    for (const [name, list] of Object.entries(j)) {
      if (!name.endsWith(".dcm")) continue;
      out.set(join(dir, "presidio", name), list.map((b) => ({ text: b.label, kind: "value", box: [b.left, b.top, b.left + b.width, b.top + b.height] as Box })));
    }
  }
  return out;
}

/**
 * Whether anything shows in a box: at least 3 % of its pixels differ from the box's median by a twentieth of
 * the frame's range. Text drawn in the background's own value (the JSL set has some) does not; noise does,
 * so a noisy box always counts as showing.
 */
function shows(frame: { values: Float64Array; lo: number; hi: number }, w: number, h: number, box: Box): boolean {
  const [x0, y0, x1, y1] = box;
  const vals: number[] = [];
  for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) vals.push(frame.values[y * w + x]!);
  if (vals.length === 0) return false;
  const median = [...vals].sort((a, b) => a - b)[Math.floor(vals.length / 2)]!;
  const far = vals.filter((v) => Math.abs(v - median) >= 0.05 * (frame.hi - frame.lo)).length;
  return far >= 0.03 * vals.length;
}

export async function runBurnedInEval(args: string[]): Promise<void> {
  const dir = resolve(args.find((a) => !a.startsWith("--")) ?? join(import.meta.dirname, "..", "..", "shared", "data", "dev", "burned_in"));
  const gt = groundTruth(dir);
  if (gt.size === 0) throw new Error(`no ground truth under ${dir}`);
  // OCR results are kept by the picture's hash under bench/.work/ocr-cache, so a rerun after changing
  // how regions are chosen reads only the pictures that changed (--no-cache to read everything again).
  const recognizer = cachedRecognizer(tesseractRecognizer(), args.includes("--no-cache") ? undefined : join(import.meta.dirname, "..", "bench", ".work", "ocr-cache"));
  const renderer = dicomRenderer();
  let boxes = 0;
  let covered95 = 0;
  let visibleBoxes = 0;
  let visibleCovered = 0;
  let coverSum = 0;
  let residual = 0;
  let extraSum = 0;
  let images = 0;
  const refused: string[] = [];
  const missed: string[] = [];
  const perImage: string[] = [];
  const started = Date.now();
  let photos: PhotoScore | undefined;
  try {
    for (const [path, truth] of gt) {
      const bytes = new Uint8Array(readFileSync(path));
      const file = parseDicom(memorySource(bytes));
      let result;
      try {
        result = await cleanPixels(file, bytes, { recognizer, renderer });
      } catch (e) {
        refused.push(`${basename(path)}: ${safeMessageOf(e)}`);
        continue;
      }
      images++;
      const layout = pixelLayout(file.dataset);
      const w = layout.columns;
      const h = layout.rows;
      const mask = regionMask(result.regions, w, h);
      const values = truth.filter((b) => b.kind === "value");
      const frame = frameValues(nativePixelData(file, bytes)!, layout, 0);
      for (const b of values) {
        const c = coverage(b.box, mask, w, h);
        const visible = shows(frame, w, h, b.box);
        boxes++;
        coverSum += c;
        if (visible) visibleBoxes++;
        if (c >= 0.95) {
          covered95++;
          if (visible) visibleCovered++;
        } else missed.push(`${missLine(path, b.box, c)}${visible ? "" : " (nothing shows in its pixels)"}`);
      }
      const outside = outsideShare(mask, truth, w, h);
      extraSum += outside;
      perImage.push(`${basename(path).slice(0, 40)}… ${values.filter((b) => coverage(b.box, mask, w, h) >= 0.95).length}/${values.length} boxes, ${(100 * outside).toFixed(1)} % outside`);
      // Residual: OCR of the cleaned image; words inside a box that match its text or a header identifier.
      const cleaned = result.bytes ? parseDicom(memorySource(result.bytes)) : file;
      const cleanedBytes = result.bytes ?? bytes;
      const px = nativePixelData(cleaned, cleanedBytes);
      if (!px) throw new Error(`${basename(path)}: no native pixel data to read back`);
      // Each box read on its own, cut out with its surroundings and magnified: more sensitive than a
      // whole-frame reading to the small captions left behind.
      const words = await readRegions(recognizer, frameToGrey(px, pixelLayout(cleaned.dataset), 0), w, h, values.map((v) => v.box).filter((b) => b[2] > b[0] && b[3] > b[1]));
      residual += residualHits(words, values, phiNeedles(headerValues(file)));
    }
    photos = await scorePhotos(gt, recognizer);
  } finally {
    await recognizer.close();
  }
  const pct = (n: number, d: number): string => (d === 0 ? "—" : `${((100 * n) / d).toFixed(1)} %`);
  process.stdout.write(`burned-in evaluation: ${dir}\n`);
  process.stdout.write(`  images cleaned            ${images} (refused ${refused.length}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`  PHI boxes                 ${boxes}\n`);
  process.stdout.write(`  boxes ≥ 95 % covered      ${covered95}  (${pct(covered95, boxes)}; target ≥ 99 %)\n`);
  process.stdout.write(`  mean box coverage         ${pct(coverSum, boxes)}\n`);
  process.stdout.write(`  of the ${visibleBoxes} boxes whose text shows in the pixels, ≥ 95 % covered: ${visibleCovered} (${pct(visibleCovered, visibleBoxes)})\n`);
  process.stdout.write(`  residual OCR hits in boxes ${residual}  (target 0)\n`);
  process.stdout.write(`  cleaned area outside boxes ${pct(extraSum, images)} of the image on average (target ≤ 5 %)\n`);
  for (const r of refused) process.stdout.write(`  refused: ${r}\n`);
  for (const m of missed) process.stdout.write(`  missed: ${m}\n`);
  for (const m of perImage) process.stdout.write(`  image: ${m}\n`);
  if (photos && photos.images + photos.refused.length > 0) {
    process.stdout.write(`photos of the same labels (the JSL .jpg renderings, cleaned as photos: no header to match):\n`);
    process.stdout.write(`  photos cleaned            ${photos.images} (refused ${photos.refused.length})\n`);
    process.stdout.write(`  boxes ≥ 95 % covered      ${photos.covered95} of ${photos.boxes} (${pct(photos.covered95, photos.boxes)})\n`);
    process.stdout.write(`  residual OCR hits in boxes ${photos.residual}\n`);
    process.stdout.write(`  cleaned area outside boxes ${pct(photos.extraSum, photos.images)} of the photo on average\n`);
    for (const r of photos.refused) process.stdout.write(`  refused: ${r}\n`);
    for (const m of photos.missed) process.stdout.write(`  missed: ${m}\n`);
  }
}

/** A box under 95 % covered, as the report lists it. */
function missLine(path: string, box: Box, covered: number): string {
  return `${basename(path).slice(0, 40)}… box ${box.join(",")} covered ${(100 * covered).toFixed(0)} %`;
}

/** Utility lost: the share of the image cleaned outside every ground-truth box (keys and values, 3 px margin). */
function outsideShare(mask: Uint8Array, truth: readonly GtBox[], w: number, h: number): number {
  const truthMask = regionMask(truth.map((b) => expand(b.box, 3)), w, h);
  let outside = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && !truthMask[i]) outside++;
  return outside / (w * h);
}

/** Words read again inside a value box that match its text or one of `needles` (the header's identifiers). */
function residualHits(words: readonly TextWord[], values: readonly GtBox[], needles: readonly string[]): number {
  const all = [...needles, ...values.map((v) => normalise(v.text)).filter((t) => t.length >= 3)];
  return words.filter((word) => word.confidence >= 25 && values.some((v) => intersects(v.box, word.box)) && findNeedles(word.text, all).length > 0).length;
}

interface PhotoScore {
  images: number;
  boxes: number;
  covered95: number;
  residual: number;
  extraSum: number;
  refused: string[];
  missed: string[];
}

/**
 * The JSL set's .jpg beside each .dcm is an 8-bit rendering of the same frame with the same boxes: each
 * goes through the photo path (`deid --option clean-pixels` on a photo) and is scored the same way.
 */
async function scorePhotos(gt: ReadonlyMap<string, GtBox[]>, recognizer: TextRecognizer): Promise<PhotoScore> {
  const score: PhotoScore = { images: 0, boxes: 0, covered95: 0, residual: 0, extraSum: 0, refused: [], missed: [] };
  for (const [path, truth] of gt) {
    const jpg = path.replace(/\.dcm$/, ".jpg");
    if (!path.includes(join("jsl", "")) || !existsSync(jpg)) continue;
    const bytes = new Uint8Array(readFileSync(jpg));
    let result;
    try {
      result = await cleanPhotoText(bytes, "jpg", sharpPhotoCodec, { recognizer });
    } catch (e) {
      score.refused.push(`${basename(jpg)}: ${safeMessageOf(e)}`);
      continue;
    }
    score.images++;
    // The cleaned photo has the original's size.
    const after = await sharpPhotoCodec.grey(result.bytes);
    const { width: w, height: h } = after;
    const mask = regionMask(result.regions, w, h);
    const values = truth.filter((b) => b.kind === "value" && b.box[2] > b.box[0] && b.box[3] > b.box[1]);
    for (const b of values) {
      score.boxes++;
      const c = coverage(b.box, mask, w, h);
      if (c >= 0.95) score.covered95++;
      else score.missed.push(missLine(jpg, b.box, c));
    }
    score.extraSum += outsideShare(mask, truth, w, h);
    score.residual += residualHits(await readRegions(recognizer, after.grey, w, h, values.map((v) => v.box)), values, []);
  }
  return score;
}
