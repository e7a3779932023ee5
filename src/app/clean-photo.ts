/**
 * @module app/clean-photo
 * Strips a photo's metadata (EXIF, GPS, XMP, IPTC, maker notes, comments, thumbnails) through the photo
 * codec and proves it: the output's metadata is read back and must hold no finding and no rotation.
 * Shared by `rayvault deid` (photos leaving) and `rayvault import` (photos entering the vault: minimum
 * necessary, a camera's location and serial number have no place in a record).
 */
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import { findPhotoPhi } from "../core/phi/find-photo-phi.ts";
import type { ImageKind } from "../core/photo/image-segments.ts";
import type { CleanPhoto, PhotoCodec } from "../ports/photo-codec.ts";

export interface CleanedPhoto extends CleanPhoto {
  /** PHI findings in the original's metadata. */
  readonly findings: number;
  readonly mediaType: string;
}

const MEDIA_TYPES: Readonly<Record<string, string>> = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", tiff: "image/tiff", tif: "image/tiff", webp: "image/webp", avif: "image/avif" };

export async function cleanPhoto(bytes: Uint8Array, kind: ImageKind, photos: PhotoCodec): Promise<CleanedPhoto> {
  const meta = await photos.readMetadata(bytes, kind);
  const findings = findPhotoPhi(meta);
  const clean = await photos.clean(bytes, kind, meta.orientation);
  const after = await photos.readMetadata(clean.bytes, kind === "heic" ? "png" : kind);
  if (after.tags["unreadable"] !== undefined) {
    // The output's metadata could not be read back, so it cannot be shown to be clean.
    throw new RayvaultError(ErrorCode.DeidResidualPhi, "verification failed: the output's photo metadata could not be read back");
  }
  const residual = findPhotoPhi(after);
  if (residual.length > 0 || after.orientation !== 1) {
    throw new RayvaultError(ErrorCode.DeidResidualPhi, `verification failed: photo metadata (${residual[0]?.field ?? "orientation"}) still present`);
  }
  const mediaType = MEDIA_TYPES[clean.ext];
  if (!mediaType) throw new RayvaultError(ErrorCode.UnsupportedInput, `no media type for .${clean.ext}`);
  return { ...clean, findings: findings.length, mediaType };
}
