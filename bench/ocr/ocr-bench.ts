/**
 * @module bench/ocr/ocr-bench
 * `npm run bench -- ocr`: time per image of the whole burned-in path (find text by shape and by one
 * whole-frame reading plus magnified readings of the blocks found, fill, search and read each region
 * again to prove) beside the `tesseract` CLI with one thread
 * (OMP_THREAD_LIMIT=1) reading the same rendering once, in the same run. Images: a 2048×2500 16-bit CR and
 * a 3000×3000 DX (synthetic, generated here), and the shared set's chest X-ray with a burned-in label when
 * `../shared` is present. Also a batch of the three images through Rayvault's two OCR workers.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dicomRenderer } from "../../src/adapters/imaging/dicom-renderer.ts";
import { tesseractRecognizer, upscaleFor } from "../../src/adapters/ocr/tesseract-recognizer.ts";
import { cleanPixels } from "../../src/app/clean-pixels.ts";
import { parseDicom } from "../../src/core/dicom/parse-dicom.ts";
import { frameToGrey, nativePixelData, pixelLayout } from "../../src/core/pixels/pixel-data.ts";
import { memorySource } from "../../src/ports/byte-source.ts";
import { xrayFile } from "../../test/fixtures/synthetic-dicom.ts";
import { fmt, renderTable } from "../lib/table.ts";

export const OCR_USAGE = "npm run bench -- ocr";

export async function ocrBench(): Promise<number> {
  const work = join(import.meta.dirname, "..", ".work", "ocr");
  mkdirSync(work, { recursive: true });
  const images: Array<{ name: string; bytes: Uint8Array }> = [
    { name: "CR 2048×2500 16-bit (synthetic)", bytes: xrayFile(901, 2048, 2500, "CR") },
    { name: "DX 3000×3000 16-bit (synthetic)", bytes: xrayFile(902, 3000, 3000, "DX") },
  ];
  const shared = join(import.meta.dirname, "..", "..", "..", "shared", "data", "dev", "burned_in", "jsl", "6774825273_09-11-2013-XR_CHEST_AP_PORTABLE_for_Scott_Kaufman-73078_1_000000-91318_1-1.dcm");
  if (existsSync(shared)) images.push({ name: "XR 552×394 with a burned-in label (shared set)", bytes: new Uint8Array(readFileSync(shared)) });
  const recognizer = tesseractRecognizer();
  const deps = { recognizer, renderer: dicomRenderer() };
  const rows: string[][] = [];
  try {
    // Warm-up: the workers load the model once per process.
    await recognizer.words(new Uint8Array(64 * 64).fill(255), 64, 64);
    for (const img of images) {
      const file = parseDicom(memorySource(img.bytes));
      const t0 = performance.now();
      const r = await cleanPixels(file, img.bytes, deps);
      const ours = (performance.now() - t0) / 1000;
      // The peer: tesseract CLI, one thread, on the same rendering (frame range stretch, same upscale).
      const layout = pixelLayout(file.dataset);
      const pixels = nativePixelData(file, img.bytes)!;
      const scale = upscaleFor(layout.columns, layout.rows);
      const { default: sharp } = await import("sharp");
      const png = join(work, "render.png");
      let s = sharp(frameToGrey(pixels, layout, 0), { raw: { width: layout.columns, height: layout.rows, channels: 1 } });
      if (scale > 1) s = s.resize({ width: layout.columns * scale, height: layout.rows * scale, kernel: "lanczos3" });
      writeFileSync(png, await s.png({ compressionLevel: 1 }).toBuffer());
      const t1 = performance.now();
      const cli = spawnSync("tesseract", [png, "stdout", "--psm", "11"], { env: { ...process.env, OMP_THREAD_LIMIT: "1" }, encoding: "utf8" });
      const peer = (performance.now() - t1) / 1000;
      if (cli.status !== 0) throw new Error(`tesseract failed: ${cli.stderr.slice(0, 200)}`);
      rows.push([img.name, fmt(ours), fmt(peer), `${fmt(ours / peer)}×`, String(r.regions.length)]);
    }
    const t2 = performance.now();
    await Promise.all(images.map(async (img) => cleanPixels(parseDicom(memorySource(img.bytes)), img.bytes, deps)));
    const batch = (performance.now() - t2) / 1000;
    process.stdout.write(`ocr benchmark: find + clean + prove per image, Node ${process.versions.node}; peer: tesseract CLI 1 thread, one reading of the same rendering\n`);
    process.stdout.write(`${renderTable([{ title: "image" }, { title: "rayvault s", align: "right" }, { title: "tesseract s", align: "right" }, { title: "ratio", align: "right" }, { title: "regions", align: "right" }], rows)}\n`);
    process.stdout.write(`batch of ${images.length} images on two workers: ${fmt(batch)} s (${fmt(batch / images.length)} s per image)\n`);
  } finally {
    await recognizer.close();
  }
  return 0;
}
