/**
 * @module adapters/ocr/tesseract-recognizer
 * The TextRecognizer with tesseract.js (Tesseract 5 in wasm, LSTM engine) and the English model from
 * Debian's tesseract-ocr-eng (a local `langPath`: nothing is downloaded at run time). Small images are
 * upscaled (sharp, Lanczos) so burned-in captions a few pixels high reach the size the model reads;
 * sparse-text page segmentation finds labels scattered over an image. Two workers share batches on two
 * cores. Any failure is an error, never an empty result.
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
  return {
    async words(grey, width, height) {
      const { default: sharp } = await import("sharp");
      const scale = upscaleFor(width, height);
      try {
        scheduler ??= start();
        const s = await scheduler;
        let img = sharp(grey, { raw: { width, height, channels: 1 } });
        if (scale > 1) img = img.resize({ width: width * scale, height: height * scale, kernel: "lanczos3" });
        const png = await img.png({ compressionLevel: 1 }).toBuffer();
        const r = await s.addJob("recognize", png, {}, { blocks: true, text: false });
        if (failure) throw new RayvaultError(ErrorCode.OcrFailed, "text recognition failed in its worker", { cause: failure });
        const out: TextWord[] = [];
        for (const b of r.data.blocks ?? []) {
          for (const p of b.paragraphs) {
            for (const l of p.lines) {
              for (const w of l.words) {
                out.push({ text: w.text, confidence: w.confidence, box: [Math.floor(w.bbox.x0 / scale), Math.floor(w.bbox.y0 / scale), Math.ceil(w.bbox.x1 / scale), Math.ceil(w.bbox.y1 / scale)] });
              }
            }
          }
        }
        return out;
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
