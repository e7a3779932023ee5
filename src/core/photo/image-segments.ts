/**
 * @module core/photo/image-segments
 * Walks the metadata containers of JPEG (APPn/COM segments) and PNG (ancillary chunks), finds those
 * that can carry identifiers, and strips them losslessly — compressed pixels are copied as they are.
 * Also sniffs the image kind from magic bytes. Pure.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";

export const ImageKind = { Jpeg: "jpeg", Png: "png", Tiff: "tiff", Webp: "webp", Heic: "heic", Avif: "avif" } as const;
export type ImageKind = (typeof ImageKind)[keyof typeof ImageKind];

export function sniffImageKind(b: Uint8Array): ImageKind | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return ImageKind.Jpeg;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return ImageKind.Png;
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) return ImageKind.Tiff;
  const ascii = (from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return ImageKind.Webp;
  if (b.length >= 12 && ascii(4, 8) === "ftyp") {
    const brands = ascii(8, Math.min(b.length, 40));
    if (/avif|avis/.test(brands)) return ImageKind.Avif;
    if (/heic|heix|hevc|hevx|heim|heis|mif1|msf1/.test(brands)) return ImageKind.Heic;
  }
  return undefined;
}

export interface MetadataBlock {
  /** "APP1", "COM", "tEXt"… */
  readonly name: string;
  /** What it is, e.g. "Exif", "XMP", "ICC profile", "IPTC (Photoshop)", "comment". */
  readonly kind: string;
  readonly offset: number;
  readonly length: number;
  /** Printable text inside (comments, PNG text chunks), for pattern search. */
  readonly text: string;
}

const latin1 = new TextDecoder("latin1");

function appKind(marker: number, body: Uint8Array): string {
  const head = latin1.decode(body.subarray(0, 32));
  if (marker === 0xe1 && head.startsWith("Exif")) return "Exif";
  if (marker === 0xe1 && head.includes("http://ns.adobe.com/xap/1.0/")) return "XMP";
  if (marker === 0xe1 && head.includes("http://ns.adobe.com/xmp/extension/")) return "XMP extension";
  if (marker === 0xe2 && head.startsWith("ICC_PROFILE")) return "ICC profile";
  if (marker === 0xe2 && head.startsWith("MPF")) return "MPF (embedded images)";
  if (marker === 0xed) return "IPTC (Photoshop)";
  if (marker === 0xe0 && head.startsWith("JFIF")) return "JFIF";
  if (marker === 0xe0 && head.startsWith("JFXX")) return "JFIF thumbnail";
  if (marker === 0xee && head.startsWith("Adobe")) return "Adobe";
  return `APP${marker - 0xe0}`;
}

interface JpegSegment {
  readonly marker: number;
  readonly offset: number;
  /** Whole segment including its marker; for SOS, also the entropy-coded data that follows it. */
  readonly length: number;
}

interface JpegLayout {
  readonly segments: JpegSegment[];
  /** Offset just past the EOI marker. */
  readonly end: number;
}

/** Walks every marker segment and scan up to EOI (progressive files have several scans). */
function jpegLayout(b: Uint8Array): JpegLayout {
  if (!(b[0] === 0xff && b[1] === 0xd8)) throw new RayvaultError(ErrorCode.PhotoUnreadable, "JPEG has no SOI marker");
  const segments: JpegSegment[] = [];
  let pos = 2;
  while (pos + 2 <= b.length) {
    if (b[pos] !== 0xff) throw new RayvaultError(ErrorCode.PhotoUnreadable, `JPEG marker expected at byte ${pos}`);
    const marker = b[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) return { segments, end: pos + 2 };
    if (pos + 4 > b.length) break;
    const len = (b[pos + 2]! << 8) | b[pos + 3]!;
    if (len < 2 || pos + 2 + len > b.length) throw new RayvaultError(ErrorCode.PhotoUnreadable, `JPEG segment length runs past the end at byte ${pos}`);
    let next = pos + 2 + len;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0x00 or a restart marker.
      while (next + 1 < b.length && !(b[next] === 0xff && b[next + 1] !== 0x00 && !(b[next + 1]! >= 0xd0 && b[next + 1]! <= 0xd7))) next++;
      if (next + 1 >= b.length) break;
    }
    segments.push({ marker, offset: pos, length: next - pos });
    pos = next;
  }
  throw new RayvaultError(ErrorCode.PhotoUnreadable, "JPEG ends before its EOI marker (truncated?)");
}

/** Segments kept when stripping: everything needed to decode, nothing that describes. */
function keepJpegMarker(marker: number, body: Uint8Array): boolean {
  if (marker === 0xee) return latin1.decode(body.subarray(0, 5)) === "Adobe"; // colour transform flag only
  if (marker >= 0xe0 && marker <= 0xef) return false; // APP0–APP15
  if (marker === 0xfe) return false; // COM
  return true; // DQT, DHT, SOFn, SOS + scan data, DRI, DAC, DNL, DHP…
}

export function jpegMetadata(b: Uint8Array): MetadataBlock[] {
  const { segments, end } = jpegLayout(b);
  const out: MetadataBlock[] = [];
  for (const s of segments) {
    const body = b.subarray(s.offset + 4, s.offset + s.length);
    if (s.marker === 0xfe) out.push({ name: "COM", kind: "comment", offset: s.offset, length: s.length, text: latin1.decode(body) });
    else if (s.marker >= 0xe0 && s.marker <= 0xef) {
      const kind = appKind(s.marker, body);
      const text = kind === "XMP" || kind === "IPTC (Photoshop)" ? latin1.decode(body).replace(/[^\x20-\x7e]+/g, " ") : "";
      out.push({ name: `APP${s.marker - 0xe0}`, kind, offset: s.offset, length: s.length, text });
    }
  }
  if (end < b.length && b.subarray(end).some((x) => x !== 0)) {
    // Data after EOI: phone trailers, appended previews or whole second images with their own EXIF.
    const trailer = b.subarray(end);
    out.push({ name: "trailer", kind: "data after end of image", offset: end, length: trailer.length, text: latin1.decode(trailer).replace(/[^\x20-\x7e]+/g, " ") });
  }
  return out;
}

/** JPEG without APPn (but Adobe) and COM segments and without anything after EOI; scans copied unchanged. */
export function stripJpeg(b: Uint8Array): Uint8Array {
  const { segments } = jpegLayout(b);
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  for (const s of segments) {
    if (keepJpegMarker(s.marker, b.subarray(s.offset + 4, s.offset + s.length))) parts.push(b.subarray(s.offset, s.offset + s.length));
  }
  parts.push(new Uint8Array([0xff, 0xd9]));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** PNG chunks needed to show the image exactly; everything else (text, eXIf, time, iCCP names) goes. */
const PNG_KEEP = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs", "acTL", "fcTL", "fdAT"]);

interface PngChunk {
  readonly type: string;
  readonly offset: number;
  readonly length: number; // whole chunk: length + type + data + crc
  readonly dataOffset: number;
  readonly dataLength: number;
}

function pngChunks(b: Uint8Array): PngChunk[] {
  const chunks: PngChunk[] = [];
  let pos = 8;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  while (pos + 12 <= b.length) {
    const len = dv.getUint32(pos);
    const type = latin1.decode(b.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > b.length) throw new RayvaultError(ErrorCode.PhotoUnreadable, `PNG chunk ${type.replace(/[^A-Za-z]/g, "?")} runs past the end`);
    chunks.push({ type, offset: pos, length: 12 + len, dataOffset: pos + 8, dataLength: len });
    pos += 12 + len;
    if (type === "IEND") break;
  }
  if (!chunks.some((c) => c.type === "IEND")) throw new RayvaultError(ErrorCode.PhotoUnreadable, "PNG has no IEND chunk (truncated?)");
  return chunks;
}

export function pngMetadata(b: Uint8Array): MetadataBlock[] {
  return pngChunks(b)
    .filter((c) => !PNG_KEEP.has(c.type))
    .map((c) => ({
      name: c.type,
      kind: c.type === "eXIf" ? "Exif" : c.type === "iCCP" ? "ICC profile" : /tEXt|zTXt|iTXt/.test(c.type) ? "text" : c.type,
      offset: c.offset,
      length: c.length,
      text: c.type === "tEXt" || c.type === "iTXt" ? latin1.decode(b.subarray(c.dataOffset, c.dataOffset + c.dataLength)).replace(/[^\x20-\x7e]+/g, " ") : "",
    }));
}

export function stripPng(b: Uint8Array): Uint8Array {
  const kept = pngChunks(b).filter((c) => PNG_KEEP.has(c.type));
  const total = 8 + kept.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  out.set(b.subarray(0, 8), 0);
  let pos = 8;
  for (const c of kept) {
    out.set(b.subarray(c.offset, c.offset + c.length), pos);
    pos += c.length;
  }
  return out;
}
