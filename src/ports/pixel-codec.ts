/**
 * @module ports/pixel-codec
 * Decoding compressed pixel data (every frame) to native samples, so that burned-in text can be
 * cleaned from images stored compressed; behind an interface so use-cases do not depend on a codec
 * library.
 */
import type { PixelLayout } from "../core/pixels/pixel-data.ts";
export interface DecodedPixels {
  /** Every frame, native little-endian samples, one after another. */
  readonly pixels: Uint8Array;
  /** Photometric Interpretation and Planar Configuration of the decoded samples (decoders may convert YBR to RGB). */
  readonly photometric: string;
  readonly planarConfiguration: number;
}

export interface PixelCodec {
  /** Decodes every frame of a Part 10 file with encapsulated pixel data; throws RV_PIXELS_UNDECODABLE. */
  decode(part10: Uint8Array): Promise<DecodedPixels>;
  /**
   * Encodes native frames losslessly in `transferSyntaxUid`: the compressed frames, and the Photometric
   * Interpretation they carry. Undefined when that syntax is lossy or has no encoder here.
   */
  encodeLossless(pixels: Uint8Array, layout: PixelLayout, transferSyntaxUid: string): Promise<{ readonly frames: Uint8Array[]; readonly photometric: string } | undefined>;
}
