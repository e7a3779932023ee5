/**
 * @module ports/text-recognizer
 * Reading text in a picture (OCR): words with their boxes and confidence. Behind an interface so the
 * pixel-cleaning use-case does not depend on an OCR engine.
 */
import type { TextWord } from "../core/pixels/regions.ts";

export interface TextRecognizer {
  /**
   * The words in an 8-bit grey image of `width` × `height`, boxes in that image's pixels. Throws a
   * RayvaultError (RV_OCR_FAILED) when recognition cannot run: the caller must not take that as "no text".
   */
  words(grey: Uint8Array, width: number, height: number): Promise<TextWord[]>;
  close(): Promise<void>;
}
