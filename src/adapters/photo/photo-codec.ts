/**
 * @module adapters/photo/photo-codec
 * Reads photo metadata (exifr, plus our JPEG/PNG segment walkers) and writes metadata-free photos:
 * JPEG and PNG losslessly when no rotation is needed; otherwise sharp applies the EXIF orientation
 * (`.rotate()` first) and re-encodes without metadata. HEIC is decoded with heic-decode (libheif, wasm)
 * because sharp's prebuilt libvips has no HEVC; its output is PNG. The image libraries are loaded on
 * first use, so a DICOM-only run does not carry them in memory.
 */
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { PhotoMetadata, PhotoTags } from "../../core/phi/find-photo-phi.ts";
import type { CleanPhoto, PhotoCodec } from "../../ports/photo-codec.ts";
import { ImageKind, jpegMetadata, pngMetadata, stripJpeg, stripPng, type MetadataBlock } from "../../core/photo/image-segments.ts";

const EXIFR_OPTIONS = {
  tiff: true, exif: true, gps: true, xmp: true, iptc: true, icc: false, jfif: false, ihdr: false, interop: true,
  makerNote: true, userComment: true, mergeOutput: false, translateValues: false, reviveValues: true, sanitize: true,
};

function normalise(raw: Record<string, unknown> | undefined): PhotoTags {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v) && !(v instanceof Date)) out[k] = v as Record<string, unknown>;
    else out[k] = { [k]: v };
  }
  return out;
}

export async function readPhotoMetadata(bytes: Uint8Array, kind: ImageKind): Promise<PhotoMetadata & { orientation: number }> {
  const [{ default: exifr }, { default: sharp }] = await Promise.all([import("exifr"), import("sharp")]);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let tags: PhotoTags = {};
  let hasThumbnail = false;
  let orientation = 1;
  if (kind !== ImageKind.Heic && kind !== ImageKind.Avif) {
    try {
      tags = normalise((await exifr.parse(buf, EXIFR_OPTIONS)) as Record<string, unknown> | undefined);
      hasThumbnail = (await exifr.thumbnail(buf))?.length !== undefined;
      orientation = (await exifr.orientation(buf)) ?? 1;
    } catch (cause) {
      // A metadata block we cannot parse is still stripped; but report that it was unreadable.
      tags = { unreadable: { MetadataParseError: (cause as Error).name } };
    }
  } else {
    // exifr cannot walk libheif's boxes; sharp (libheif) hands over the Exif block, exifr reads it.
    const meta = await sharp(buf).metadata().catch(() => undefined);
    // Unreadable container metadata is reported (scan) and makes verification refuse (deid): never "clean".
    if (!meta) tags = { unreadable: { MetadataParseError: "container" } };
    if (meta?.exif) {
      const parsed = (await exifr.parse(meta.exif, EXIFR_OPTIONS).catch(() => undefined)) as Record<string, unknown> | undefined;
      tags = parsed ? normalise(parsed) : { exif: { ExifBlock: `(binary ${meta.exif.length} bytes)` } };
    }
    if (meta?.xmp) tags = { ...tags, xmp: { XmpBlock: `(binary ${meta.xmp.length} bytes)` } };
    orientation = meta?.orientation ?? 1;
  }
  let blocks: MetadataBlock[] = [];
  if (kind === ImageKind.Jpeg) blocks = jpegMetadata(bytes);
  if (kind === ImageKind.Png) blocks = pngMetadata(bytes);
  return { tags, blocks, hasThumbnail, orientation };
}


export async function cleanPhoto(bytes: Uint8Array, kind: ImageKind, orientation: number): Promise<CleanPhoto> {
  try {
    const { default: sharp } = await import("sharp");
    if (kind === ImageKind.Jpeg && orientation === 1) return { bytes: stripJpeg(bytes), ext: "jpg", method: "lossless-strip" };
    if (kind === ImageKind.Png && orientation === 1) return { bytes: stripPng(bytes), ext: "png", method: "lossless-strip" };
    if (kind === ImageKind.Heic) {
      const { default: heicDecode } = await import("heic-decode");
      const { width, height, data } = await heicDecode({ buffer: bytes });
      const png = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } }).png().toBuffer();
      return { bytes: png, ext: "png", method: "heic-decoded-to-png" };
    }
    const img = sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).rotate();
    switch (kind) {
      case ImageKind.Jpeg:
        return { bytes: await img.jpeg({ quality: 95, chromaSubsampling: "4:4:4" }).toBuffer(), ext: "jpg", method: "rotated-reencoded-jpeg-q95" };
      case ImageKind.Png:
        return { bytes: await img.png().toBuffer(), ext: "png", method: "rotated-png" };
      case ImageKind.Tiff:
        return { bytes: await img.tiff({ compression: "lzw" }).toBuffer(), ext: "tiff", method: "rotated-tiff-lzw" };
      case ImageKind.Webp:
        return { bytes: await img.webp({ lossless: true }).toBuffer(), ext: "webp", method: "rotated-webp-lossless" };
      case ImageKind.Avif:
        return { bytes: await img.avif({ lossless: true }).toBuffer(), ext: "avif", method: "avif-lossless" };
    }
  } catch (cause) {
    if (cause instanceof RayvaultError) throw cause;
    throw new RayvaultError(ErrorCode.PhotoUnreadable, `photo could not be decoded (${(cause as Error).name})`, { cause });
  }
}

/** The PhotoCodec backed by sharp, exifr and heic-decode. */
async function greyPhoto(bytes: Uint8Array): Promise<{ grey: Uint8Array; width: number; height: number }> {
  const { default: sharp } = await import("sharp");
  try {
    const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    return { grey: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (cause) {
    throw new RayvaultError(ErrorCode.PhotoUnreadable, "the photo could not be decoded", { cause });
  }
}

async function redactPhoto(bytes: Uint8Array, ext: string, regions: ReadonlyArray<readonly [number, number, number, number]>): Promise<CleanPhoto> {
  const { default: sharp } = await import("sharp");
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (const [x0, y0, x1, y1] of regions) {
    for (let y = Math.max(0, y0); y < Math.min(info.height, y1); y++) data.fill(0, (y * info.width + Math.max(0, x0)) * info.channels, (y * info.width + Math.min(info.width, x1)) * info.channels);
  }
  const img = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  // Re-encoded without metadata (sharp writes none unless asked); JPEG at quality 95, 4:4:4, as rotation does.
  const out = ext === "png" ? await img.png().toBuffer() : await img.jpeg({ quality: 95, chromaSubsampling: "4:4:4" }).toBuffer();
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), ext: ext === "png" ? "png" : "jpg", method: ext === "png" ? "text-cleaned-png" : "text-cleaned-jpeg-q95" };
}

export const sharpPhotoCodec: PhotoCodec = { readMetadata: readPhotoMetadata, clean: cleanPhoto, grey: greyPhoto, redact: redactPhoto };
