/**
 * @module config/compose
 * The composition root: builds the adapters for the configured environment once and hands them to the
 * use-cases. The only place that knows which adapter implements which port.
 */
import { dcmjsPixelCodec } from "../adapters/imaging/dcmjs-pixel-codec.ts";
import { dicomRenderer } from "../adapters/imaging/dicom-renderer.ts";
import { fsInputCatalog } from "../adapters/inputs/fs-input-catalog.ts";
import { tesseractRecognizer } from "../adapters/ocr/tesseract-recognizer.ts";
import { openFsOutputStore } from "../adapters/output/fs-output-store.ts";
import { sharpPhotoCodec } from "../adapters/photo/photo-codec.ts";
import { openFilePseudonymStore } from "../adapters/pseudonyms/file-pseudonym-store.ts";
import { nodeRandom } from "../adapters/random/node-random.ts";
import type { CleanPixelsDeps } from "../app/clean-pixels.ts";
import type { DeidDeps } from "../app/deidentify-files.ts";
import type { ScanDeps } from "../app/scan-files.ts";
import type { RayvaultConfig } from "./load-config.ts";

export function scanDeps(): ScanDeps {
  return { inputs: fsInputCatalog, photos: sharpPhotoCodec };
}

/** Burned-in text search: OCR on Debian's (or RAYVAULT_TESSDATA's) model, and the DICOM renderer. */
export function pixelDeps(config: RayvaultConfig): CleanPixelsDeps {
  return { recognizer: tesseractRecognizer(config.tessdata), renderer: dicomRenderer(), codec: dcmjsPixelCodec };
}

/** De-identification needs the pseudonym map, which is locked until `close()`. */
export function deidDeps(config: RayvaultConfig): DeidDeps & { close(): void } {
  const pseudonyms = openFilePseudonymStore(config.home, nodeRandom);
  const pixels = pixelDeps(config);
  return {
    ...scanDeps(), pseudonyms, openOutput: openFsOutputStore, pixels,
    close: () => {
      pseudonyms.close();
      void pixels.recognizer.close();
    },
  };
}

