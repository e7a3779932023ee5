/**
 * @module core/dicom/frames
 * The frames of an image as stored, for DICOMweb frame retrieval: native pixel data cut by the frame
 * size; encapsulated pixel data split by its Basic Offset Table, or one fragment per frame, or (a single
 * frame) all fragments joined. Nothing is decoded. Anything else is refused rather than guessed.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";
import { concat } from "./write-dicom.ts";

export interface FrameGeometry {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly frames: number;
}

/** Frame `index` (0-based) of native pixel data. */
export function nativeFrame(pixels: Uint8Array, g: FrameGeometry, index: number): Uint8Array {
  const bits = g.rows * g.columns * g.samplesPerPixel * g.bitsAllocated;
  if (bits % 8 !== 0) throw new RayvaultError(ErrorCode.DicomUnsupportedTransferSyntax, "frames that do not end on a byte boundary cannot be cut out");
  const size = bits / 8;
  if (index < 0 || index >= g.frames || (index + 1) * size > pixels.length) throw new RayvaultError(ErrorCode.NotFound, "no such frame");
  return pixels.subarray(index * size, (index + 1) * size);
}

/** The fragments of an encapsulated Pixel Data value (items after the Basic Offset Table) and the table. */
function items(value: Uint8Array): { table: number[]; fragments: Array<{ offset: number; bytes: Uint8Array }> } {
  const dv = new DataView(value.buffer, value.byteOffset, value.length);
  const found: Array<{ offset: number; bytes: Uint8Array }> = [];
  let pos = 0;
  while (pos + 8 <= value.length) {
    const tag = ((dv.getUint16(pos, true) << 16) | dv.getUint16(pos + 2, true)) >>> 0;
    const len = dv.getUint32(pos + 4, true);
    if (tag === 0xfffee0dd) break;
    if (tag !== 0xfffee000 || pos + 8 + len > value.length) throw new RayvaultError(ErrorCode.DicomMalformed, "encapsulated pixel data is not a sequence of items");
    found.push({ offset: pos, bytes: value.subarray(pos + 8, pos + 8 + len) });
    pos += 8 + len;
  }
  const [bot, ...fragments] = found;
  if (!bot) throw new RayvaultError(ErrorCode.DicomMalformed, "encapsulated pixel data has no offset table item");
  const t = new DataView(bot.bytes.buffer, bot.bytes.byteOffset, bot.bytes.length);
  const table = Array.from({ length: Math.floor(bot.bytes.length / 4) }, (_, i) => t.getUint32(i * 4, true));
  const first = fragments[0]?.offset ?? 0;
  return { table, fragments: fragments.map((f) => ({ offset: f.offset - first, bytes: f.bytes })) };
}

/** Frame `index` (0-based) of encapsulated pixel data, as its compressed bytes. */
export function encapsulatedFrame(value: Uint8Array, frames: number, index: number): Uint8Array {
  if (index < 0 || index >= frames) throw new RayvaultError(ErrorCode.NotFound, "no such frame");
  const { table, fragments } = items(value);
  if (table.length === frames) {
    const start = table[index]!;
    const end = index + 1 < frames ? table[index + 1]! : Number.POSITIVE_INFINITY;
    return concat(fragments.filter((f) => f.offset >= start && f.offset < end).map((f) => f.bytes));
  }
  if (fragments.length === frames) return fragments[index]!.bytes;
  if (frames === 1) return concat(fragments.map((f) => f.bytes));
  throw new RayvaultError(ErrorCode.DicomUnsupportedTransferSyntax, "the frames of this image cannot be told apart (no offset table, fragments do not match frames)");
}
