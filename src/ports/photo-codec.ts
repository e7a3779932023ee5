/**
 * @module ports/photo-codec
 * Reading photo metadata and writing metadata-free photos, behind one interface so use-cases do not
 * depend on an image library.
 */
import type { PhotoMetadata } from "../core/phi/find-photo-phi.ts";
import type { ImageKind } from "../core/photo/image-segments.ts";

export interface CleanPhoto {
  readonly bytes: Uint8Array;
  /** File extension of the output (HEIC becomes PNG). */
  readonly ext: string;
  /** "lossless-strip" when compressed pixels were copied, otherwise how it was re-encoded. */
  readonly method: string;
}

export interface PhotoCodec {
  readMetadata(bytes: Uint8Array, kind: ImageKind): Promise<PhotoMetadata & { orientation: number }>;
  clean(bytes: Uint8Array, kind: ImageKind, orientation: number): Promise<CleanPhoto>;
  /** The (metadata-free) photo as 8-bit grey, for text recognition. */
  grey(bytes: Uint8Array): Promise<{ readonly grey: Uint8Array; readonly width: number; readonly height: number }>;
  /** The photo with `regions` ([x0, y0, x1, y1)) painted black, re-encoded in its format (`ext`) with no metadata. */
  redact(bytes: Uint8Array, ext: string, regions: ReadonlyArray<readonly [number, number, number, number]>): Promise<CleanPhoto>;
}
