/**
 * @module adapters/ocr/tesseract-recognizer
 * The TextRecognizer with tesseract.js (Tesseract 5 in wasm, LSTM engine) and the English model from
 * Debian's tesseract-ocr-eng (a local `langPath`: nothing is downloaded at run time). Small images are
 * upscaled (sharp, Lanczos) so burned-in captions a few pixels high reach the size the model reads;
 * sparse-text page segmentation finds labels scattered over an image. Two workers share batches on two
 * cores, and a large picture is cut into overlapping bands read side by side, one per worker (the
 * overlap holds any caption whole, so no line is read only in halves). Any failure is an error, never
 * an empty result.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { TextWord } from "../../core/pixels/regions.ts";
import type { TextRecognizer } from "../../ports/text-recognizer.ts";
import type { Scheduler } from "tesseract.js";

export const DEFAULT_TESSDATA = "/usr/share/tesseract-ocr/5/tessdata";

/** Scale so the longer side reaches about 1800 px (at most ×6): captions 4–8 px high become 24–48 px. */
export function upscaleFor(width: number, height: number): number {
  return Math.min(6, Math.max(1, Math.ceil(1800 / Math.max(width, height))));
}

/**
 * Horizontal bands [y0, y1) covering a picture, one per worker, each overlapping the next by more than
 * the tallest caption (a twentieth of the picture's longer side, at least 48 rows). Small pictures are
 * read whole.
 */
export function bandsFor(width: number, height: number, workers: number): Array<[number, number]> {
  const overlap = Math.max(48, Math.ceil(0.06 * Math.max(width, height)));
  const n = Math.min(workers, Math.floor(height / (2 * overlap)));
  if (n < 2 || width * height < 256 * 256) return [[0, height]];
  const step = Math.ceil(height / n);
  return Array.from({ length: n }, (_, i): [number, number] => [Math.max(0, i * step - overlap), Math.min(height, (i + 1) * step + overlap)]);
}

/** Words read twice in the overlap of two bands: the one read with more confidence is kept. */
function withoutRepeats(words: readonly TextWord[]): TextWord[] {
  const same = (a: TextWord, b: TextWord): boolean => {
    const ix = Math.min(a.box[2], b.box[2]) - Math.max(a.box[0], b.box[0]);
    const iy = Math.min(a.box[3], b.box[3]) - Math.max(a.box[1], b.box[1]);
    const area = (w: TextWord): number => (w.box[2] - w.box[0]) * (w.box[3] - w.box[1]);
    return ix > 0 && iy > 0 && ix * iy >= 0.5 * Math.min(area(a), area(b));
  };
  const out: TextWord[] = [];
  for (const w of [...words].sort((a, b) => b.confidence - a.confidence)) if (!out.some((o) => same(o, w))) out.push(w);
  return out;
}

export function tesseractRecognizer(tessdata = DEFAULT_TESSDATA, workers = 2): TextRecognizer {
  let scheduler: Promise<Scheduler> | undefined;
  let failure: unknown;
  const start = async (): Promise<Scheduler> => {
    if (!existsSync(join(tessdata, "eng.traineddata"))) throw new RayvaultError(ErrorCode.OcrFailed, `no OCR language data at ${tessdata} (install Debian's tesseract-ocr-eng or set RAYVAULT_TESSDATA)`);
    const { createScheduler, createWorker, PSM } = await import("tesseract.js");
    const s = createScheduler();
    for (let i = 0; i < workers; i++) {
      const w = await createWorker("eng", 1, {
        langPath: tessdata, gzip: false, cacheMethod: "none",
        // Without a handler a worker error crashes the process; it is kept and reported instead.
        errorHandler: (e: unknown) => {
          failure = e;
        },
      });
      // Tesseract's own diagnostics ("Estimating resolution…") would go to the console: sent nowhere.
      await w.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT, debug_file: "/dev/null" });
      s.addWorker(w);
    }
    return s;
  };
  /** One band of the picture (rows y0..y1) read at `scale`; boxes in the whole picture's pixels. */
  const readBand = async (s: Scheduler, grey: Uint8Array, width: number, y0: number, y1: number, scale: number): Promise<TextWord[]> => {
    const { default: sharp } = await import("sharp");
    const rows = y1 - y0;
    let img = sharp(grey.subarray(y0 * width, y1 * width), { raw: { width, height: rows, channels: 1 } });
    if (scale > 1) img = img.resize({ width: width * scale, height: rows * scale, kernel: "lanczos3" });
    const png = await img.png({ compressionLevel: 1 }).toBuffer();
    const r = await s.addJob("recognize", png, {}, { blocks: true, text: false });
    if (failure) throw new RayvaultError(ErrorCode.OcrFailed, "text recognition failed in its worker", { cause: failure });
    const out: TextWord[] = [];
    for (const b of r.data.blocks ?? []) {
      for (const p of b.paragraphs) {
        for (const l of p.lines) {
          for (const w of l.words) {
            out.push({ text: w.text, confidence: w.confidence, box: [Math.floor(w.bbox.x0 / scale), y0 + Math.floor(w.bbox.y0 / scale), Math.ceil(w.bbox.x1 / scale), y0 + Math.ceil(w.bbox.y1 / scale)] });
          }
        }
      }
    }
    return out;
  };
  return {
    async words(grey, width, height) {
      const scale = upscaleFor(width, height);
      try {
        scheduler ??= start();
        const s = await scheduler;
        const bands = bandsFor(width, height, workers);
        const read = await Promise.all(bands.map(([y0, y1]) => readBand(s, grey, width, y0, y1, scale)));
        return bands.length === 1 ? read[0]! : withoutRepeats(read.flat());
      } catch (cause) {
        if (cause instanceof RayvaultError) throw cause;
        throw new RayvaultError(ErrorCode.OcrFailed, "text recognition failed", { cause });
      }
    },
    async close() {
      const s = scheduler;
      scheduler = undefined;
      // A scheduler that never started (no language data) has nothing to stop.
      if (s) await s.then((x) => x.terminate(), () => undefined);
    },
  };
}
