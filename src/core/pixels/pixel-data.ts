/**
 * @module core/pixels/pixel-data
 * Native (uncompressed) pixel data as numbers: the image layout from the header, one frame as an 8-bit
 * grey picture for text recognition (stretched over the frame's own range, MONOCHROME1 inverted, colour
 * as luminance), and regions filled in every frame with the frame's darkest value as displayed. Little
 * endian only; anything this module cannot read exactly is refused, never guessed. Pure.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";
import type { DicomElement, DicomFile } from "../dicom/dataset.ts";
import { clip, type Box } from "./regions.ts";

export interface PixelLayout {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly signed: boolean;
  /** 0: interleaved (RGBRGB…), 1: by plane (RR…GG…BB…). */
  readonly planarConfiguration: number;
  readonly photometric: string;
  readonly frames: number;
}

const latin1 = new TextDecoder("latin1");

function us(dataset: readonly DicomElement[], tag: number): number | undefined {
  const v = dataset.find((e) => e.tag === tag)?.value;
  return v && v.length >= 2 ? v[0]! | (v[1]! << 8) : undefined;
}

function str(dataset: readonly DicomElement[], tag: number): string | undefined {
  const v = dataset.find((e) => e.tag === tag)?.value;
  return v ? latin1.decode(v).replace(/\0/g, "").trim() : undefined;
}

/** The layout of the image in a (little-endian) dataset; refuses what cannot be cleaned exactly. */
export function pixelLayout(dataset: readonly DicomElement[]): PixelLayout {
  const rows = us(dataset, 0x00280010);
  const columns = us(dataset, 0x00280011);
  const bitsAllocated = us(dataset, 0x00280100);
  if (!rows || !columns || !bitsAllocated) throw new RayvaultError(ErrorCode.DeidUnsupported, "the image header lacks Rows, Columns or Bits Allocated");
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new RayvaultError(ErrorCode.DeidUnsupported, `pixel cleaning reads 8- and 16-bit images, not ${bitsAllocated}-bit`);
  const samplesPerPixel = us(dataset, 0x00280002) ?? 1;
  const photometric = (str(dataset, 0x00280004) ?? "").toUpperCase();
  if (!(samplesPerPixel === 1 && /^MONOCHROME[12]$|^PALETTE COLOR$/.test(photometric)) && !(samplesPerPixel === 3 && /^RGB$|^YBR_FULL$/.test(photometric))) {
    throw new RayvaultError(ErrorCode.DeidUnsupported, `pixel cleaning does not read ${photometric || "unknown"} images with ${samplesPerPixel} sample(s)`);
  }
  const frames = Number.parseInt(str(dataset, 0x00280008) ?? "1", 10);
  return {
    rows, columns, samplesPerPixel, bitsAllocated, bitsStored: us(dataset, 0x00280101) ?? bitsAllocated, signed: us(dataset, 0x00280103) === 1,
    planarConfiguration: us(dataset, 0x00280006) ?? 0, photometric, frames: Number.isFinite(frames) && frames > 0 ? frames : 1,
  };
}

/** The native Pixel Data bytes of a file parsed from `bytes` (loaded, or a range of them); undefined when absent or encapsulated. */
export function nativePixelData(file: DicomFile, bytes: Uint8Array): Uint8Array | undefined {
  const e = file.dataset.find((x) => x.tag === 0x7fe00010);
  if (!e || e.encapsulated) return undefined;
  return e.value ?? (e.range ? bytes.subarray(e.range.offset, e.range.offset + e.range.length) : undefined);
}

export const frameBytes = (l: PixelLayout): number => l.rows * l.columns * l.samplesPerPixel * (l.bitsAllocated / 8);

/** Checks that the native pixel data holds every frame the header announces. */
export function assertComplete(pixels: Uint8Array, l: PixelLayout): void {
  if (pixels.length < frameBytes(l) * l.frames) throw new RayvaultError(ErrorCode.PixelsUndecodable, `the pixel data holds ${pixels.length} bytes, the image needs ${frameBytes(l) * l.frames}`);
}

/** Reader of sample `i` (0-based within the frame's samples) as its stored value. */
function sampleReader(pixels: Uint8Array, l: PixelLayout, frame: number): (i: number) => number {
  const base = frame * frameBytes(l);
  const view = new DataView(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const bits = l.bitsStored;
  const mask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
  if (l.bitsAllocated === 8) return (i) => pixels[base + i]! & mask;
  return (i) => {
    const raw = view.getUint16(base + 2 * i, true) & mask;
    return l.signed && raw & (1 << (bits - 1)) ? raw - (1 << bits) : raw;
  };
}

/** The grey value (before any stretching) of pixel p: luminance for colour, the sample otherwise. */
function greyReader(pixels: Uint8Array, l: PixelLayout, frame: number): (p: number) => number {
  const read = sampleReader(pixels, l, frame);
  if (l.samplesPerPixel === 1) return read;
  const n = l.rows * l.columns;
  if (l.photometric === "YBR_FULL") return l.planarConfiguration === 1 ? (p) => read(p) : (p) => read(3 * p);
  return l.planarConfiguration === 1 ? (p) => 0.299 * read(p) + 0.587 * read(n + p) + 0.114 * read(2 * n + p) : (p) => 0.299 * read(3 * p) + 0.587 * read(3 * p + 1) + 0.114 * read(3 * p + 2);
}

/** One frame's grey values (the stored sample, luminance for colour) and their range. */
export interface FrameValues {
  readonly values: Float64Array;
  readonly lo: number;
  readonly hi: number;
}

export function frameValues(pixels: Uint8Array, l: PixelLayout, frame: number): FrameValues {
  const grey = greyReader(pixels, l, frame);
  const n = l.rows * l.columns;
  const values = new Float64Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < n; p++) {
    const v = grey(p);
    values[p] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { values, lo, hi };
}

/** An 8-bit picture (a rendering, a photo) as frame values. */
export function greyValues(grey: Uint8Array): FrameValues {
  let lo = 255;
  let hi = 0;
  for (const v of grey) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { values: Float64Array.from(grey), lo, hi };
}

/**
 * One frame as 8-bit grey, stretched between the frame's minimum and maximum (text burned in is
 * usually at one end of the range, whatever the window says), MONOCHROME1 inverted so text and
 * anatomy look as they are shown.
 */
export function frameToGrey(pixels: Uint8Array, l: PixelLayout, frame: number): Uint8Array {
  return greyOf(frameValues(pixels, l, frame), l);
}

/** Frame values already read, as frameToGrey shows them. */
export function greyOf({ values, lo, hi }: FrameValues, l: Pick<PixelLayout, "photometric">): Uint8Array {
  const out = new Uint8Array(values.length);
  const span = hi > lo ? hi - lo : 1;
  const invert = l.photometric === "MONOCHROME1";
  for (let p = 0; p < values.length; p++) {
    const g = Math.round(((values[p]! - lo) / span) * 255);
    out[p] = invert ? 255 - g : g;
  }
  return out;
}

/**
 * A copy of the pixel data with `regions` filled in every frame, with the value shown darkest in that
 * frame (its minimum; its maximum for MONOCHROME1; zero for colour). Bytes outside the regions are
 * unchanged.
 */
export function fillRegions(pixels: Uint8Array, l: PixelLayout, regions: readonly Box[]): Uint8Array {
  assertComplete(pixels, l);
  const out = pixels.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const bytesPerSample = l.bitsAllocated / 8;
  const n = l.rows * l.columns;
  for (let f = 0; f < l.frames; f++) {
    const base = f * frameBytes(l);
    // The fill value as stored: the frame's own extreme (so windowing shows it as background).
    let fillRaw = 0;
    if (l.samplesPerPixel === 1 && l.photometric !== "PALETTE COLOR") {
      const { lo, hi } = frameValues(pixels, l, f);
      const darkest = l.photometric === "MONOCHROME1" ? hi : lo;
      // Back to the stored form: two's complement within Bits Stored for signed pixels.
      fillRaw = darkest < 0 ? darkest + (1 << l.bitsStored) : darkest;
    }
    for (const r of regions) {
      const [x0, y0, x1, y1] = clip(r, l.columns, l.rows);
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const p = y * l.columns + x;
          for (let s = 0; s < l.samplesPerPixel; s++) {
            const i = l.samplesPerPixel === 1 ? p : l.planarConfiguration === 1 ? s * n + p : 3 * p + s;
            // YBR: black is Y at the bottom with neutral chroma (half the range).
            const v = l.photometric === "YBR_FULL" && s > 0 ? 1 << (l.bitsStored - 1) : fillRaw;
            if (bytesPerSample === 1) out[base + i] = v & 0xff;
            else view.setUint16(base + 2 * i, v, true);
          }
        }
      }
    }
  }
  return out;
}
