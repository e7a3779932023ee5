/**
 * @module core/dicom/write-dicom
 * Serialises a dataset back to Part 10 in its own transfer syntax. The output is a list of chunks:
 * new bytes, or ranges of the source copied verbatim (pixel data), so nothing large is re-encoded or
 * buffered. Records where each item lands, for DICOMDIR offsets.
 */
import { deflateRawSync } from "node:zlib";
import type { DicomElement, DicomItem, SourceRange } from "./dataset.ts";
import { Tags } from "./dictionary.ts";
import type { TransferSyntax } from "./transfer-syntax.ts";
import { ExplicitVrLittleEndian } from "./transfer-syntax.ts";
import { hasLongLength } from "./vr.ts";

export type Chunk = Uint8Array | SourceRange;

export interface WriteInput {
  readonly meta: readonly DicomElement[];
  readonly dataset: readonly DicomElement[];
  readonly transferSyntax: TransferSyntax;
}

export interface Serialized {
  readonly chunks: Chunk[];
  readonly size: number;
  /** Output byte offset of every item (of the dataset, not of the file meta). */
  readonly itemOffsets: Map<DicomItem, number>;
}

interface Enc {
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
}

const UNDEFINED = 0xffffffff;

export function chunkLength(c: Chunk): number {
  return c.length;
}

class Out {
  readonly chunks: Chunk[] = [];
  size: number;
  readonly itemOffsets: Map<DicomItem, number>;

  constructor(start: number, itemOffsets: Map<DicomItem, number>) {
    this.size = start;
    this.itemOffsets = itemOffsets;
  }

  push(c: Chunk): void {
    this.chunks.push(c);
    this.size += chunkLength(c);
  }
}

function header(tag: number, vr: string, length: number, enc: Enc): Uint8Array {
  const little = enc.littleEndian;
  if (!enc.explicitVr || vr === "NONE") {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, tag >>> 16, little);
    dv.setUint16(2, tag & 0xffff, little);
    dv.setUint32(4, length, little);
    return b;
  }
  if (hasLongLength(vr)) {
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    dv.setUint16(0, tag >>> 16, little);
    dv.setUint16(2, tag & 0xffff, little);
    b[4] = vr.charCodeAt(0);
    b[5] = vr.charCodeAt(1);
    dv.setUint32(8, length, little);
    return b;
  }
  if (length > 0xffff) throw new RangeError(`value too long for a 16-bit length (${vr})`);
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint16(0, tag >>> 16, little);
  dv.setUint16(2, tag & 0xffff, little);
  b[4] = vr.charCodeAt(0);
  b[5] = vr.charCodeAt(1);
  dv.setUint16(6, length, little);
  return b;
}

/** Size of an element once written, without writing it. */
function elementSize(e: DicomElement, enc: Enc): number {
  const headerSize = !enc.explicitVr ? 8 : hasLongLength(e.vr) ? 12 : 8;
  if (e.items) {
    const itemEnc = e.unSequence ? { explicitVr: false, littleEndian: true } : enc;
    const body = e.items.reduce((n, item) => n + 8 + itemsBodySize(item, itemEnc) + (e.unSequence ? 8 : 0), 0);
    return headerSize + body + (e.unSequence ? 8 : 0);
  }
  if (e.range) return headerSize + e.range.length;
  return headerSize + (e.value?.length ?? 0);
}

function itemsBodySize(item: DicomItem, enc: Enc): number {
  return item.elements.reduce((n, e) => n + elementSize(e, enc), 0);
}

function writeElements(out: Out, elements: readonly DicomElement[], enc: Enc): void {
  for (const e of elements) writeElement(out, e, enc);
}

function writeElement(out: Out, e: DicomElement, enc: Enc): void {
  if (e.items) {
    if (e.unSequence) {
      // CP-246: keep the undefined-length implicit-VR encoding of a UN sequence.
      const itemEnc: Enc = { explicitVr: false, littleEndian: true };
      out.push(header(e.tag, "UN", UNDEFINED, enc));
      for (const item of e.items) {
        out.itemOffsets.set(item, out.size);
        out.push(header(Tags.Item, "NONE", UNDEFINED, itemEnc));
        writeElements(out, item.elements, itemEnc);
        out.push(header(Tags.ItemDelimitationItem, "NONE", 0, itemEnc));
      }
      out.push(header(Tags.SequenceDelimitationItem, "NONE", 0, itemEnc));
      return;
    }
    const body = e.items.reduce((n, item) => n + 8 + itemsBodySize(item, enc), 0);
    out.push(header(e.tag, "SQ", body, enc));
    for (const item of e.items) {
      out.itemOffsets.set(item, out.size);
      out.push(header(Tags.Item, "NONE", itemsBodySize(item, enc), enc));
      writeElements(out, item.elements, enc);
    }
    return;
  }
  if (e.encapsulated && (e.range || e.value)) {
    // Items and sequence delimiter are part of the range or value: copied (or written) as they are.
    out.push(header(e.tag, e.vr === "UN" ? "UN" : e.vr, UNDEFINED, enc));
    out.push(e.range ?? e.value!);
    return;
  }
  if (e.range) {
    out.push(header(e.tag, e.vr, e.range.length, enc));
    out.push(e.range);
    return;
  }
  const value = e.value ?? new Uint8Array(0);
  out.push(header(e.tag, e.vr, value.length, enc));
  if (value.length > 0) out.push(value);
}

/** File meta is always explicit VR little endian, with its group length recomputed. */
function metaChunks(meta: readonly DicomElement[]): Uint8Array {
  const enc: Enc = { explicitVr: true, littleEndian: true };
  const body = new Out(0, new Map());
  writeElements(body, meta.filter((e) => e.tag !== Tags.FileMetaInformationGroupLength), enc);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, body.size, true);
  const parts = [header(Tags.FileMetaInformationGroupLength, "UL", 4, enc), groupLength, ...(body.chunks as Uint8Array[])];
  return concat(parts);
}

/**
 * The value of encapsulated Pixel Data (PS3.5 A.4) for compressed frames: an empty Basic Offset Table,
 * one fragment per frame (padded to even length), the sequence delimiter. Written with `encapsulated`.
 */
export function encapsulatedPixelData(frames: readonly Uint8Array[]): Uint8Array {
  const enc = { explicitVr: true, littleEndian: true };
  const parts: Uint8Array[] = [header(Tags.Item, "NONE", 0, enc)];
  for (const f of frames) {
    const padded = f.length % 2 === 0 ? f : concat([f, new Uint8Array(1)]);
    parts.push(header(Tags.Item, "NONE", padded.length, enc), padded);
  }
  parts.push(header(Tags.SequenceDelimitationItem, "NONE", 0, enc));
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Serialises a Part 10 file: preamble, meta, then the dataset in the file's transfer syntax.
 * A deflated transfer syntax needs the source to materialise ranges, so it takes `readRange`.
 */
export function serializeDicom(input: WriteInput, readRange: (r: SourceRange) => Uint8Array): Serialized {
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  const meta = metaChunks(input.meta);
  const start = preamble.length + meta.length;
  const itemOffsets = new Map<DicomItem, number>();
  const ts = input.transferSyntax;
  const enc: Enc = { explicitVr: ts.explicitVr, littleEndian: ts.littleEndian };
  const body = new Out(start, itemOffsets);
  writeElements(body, input.dataset, enc);
  if (!ts.deflated) {
    return { chunks: [preamble, meta, ...body.chunks], size: body.size, itemOffsets };
  }
  const plain = concat(body.chunks.map((c) => (c instanceof Uint8Array ? c : new Uint8Array(readRange(c)))));
  const deflated = deflateRawSync(plain);
  return { chunks: [preamble, meta, deflated], size: start + deflated.length, itemOffsets };
}

/**
 * The preamble, "DICM" and file meta of a Part 10 file whose dataset follows as received (a C-STORE's
 * data set, a STOW part without meta): prefixed, it makes the received bytes a file without re-encoding.
 */
export function partTenHeader(meta: readonly DicomElement[]): Uint8Array {
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, metaChunks(meta)]);
}

/** A minimal valid file meta for an output file (PS3.10 §7.1); `sourceAe` names the sender of a received one. */
export function buildFileMeta(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string, sourceAe?: string): DicomElement[] {
  const text = (tag: number, vr: string, s: string): DicomElement => {
    const raw = new TextEncoder().encode(s);
    const value = raw.length % 2 === 0 ? raw : concat([raw, new Uint8Array([vr === "UI" ? 0 : 0x20])]);
    return { tag, vr, offset: -1, value };
  };
  return [
    { tag: 0x00020001, vr: "OB", offset: -1, value: new Uint8Array([0, 1]) },
    text(Tags.MediaStorageSOPClassUID, "UI", sopClassUid),
    text(Tags.MediaStorageSOPInstanceUID, "UI", sopInstanceUid),
    text(Tags.TransferSyntaxUID, "UI", transferSyntaxUid || ExplicitVrLittleEndian),
    text(0x00020012, "UI", RAYVAULT_IMPLEMENTATION_CLASS_UID),
    text(0x00020013, "SH", RAYVAULT_IMPLEMENTATION_VERSION),
    ...(sourceAe ? [text(0x00020016, "AE", sourceAe)] : []),
  ];
}

/** Our implementation class UID: a 2.25 UUID-derived root fixed for this product. */
export const RAYVAULT_IMPLEMENTATION_CLASS_UID = "2.25.180204983377185386212153375906893498651";
export const RAYVAULT_IMPLEMENTATION_VERSION = "RAYVAULT_0_1";

