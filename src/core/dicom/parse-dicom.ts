/**
 * @module core/dicom/parse-dicom
 * Parses a DICOM Part 10 file (or a bare dataset) into elements, nested items and source ranges,
 * in any native or encapsulated transfer syntax, big endian and deflated included. Large binary values
 * are not loaded: they stay as ranges of the source and are copied through untouched when written.
 * Fails closed: any structural doubt is a MalformedDicomError naming the byte offset, never a guess.
 */
import { inflateRawSync } from "node:zlib";
import type { ByteSource } from "../../ports/byte-source.ts";
import { memorySource } from "../../ports/byte-source.ts";
import { ErrorCode, MalformedDicomError, RayvaultError } from "../errors.ts";
import type { DicomElement, DicomFile, DicomItem } from "./dataset.ts";
import { formatTag, implicitVrOf, isPrivateTag, lookupTag, Tags } from "./dictionary.ts";
import {
  ExplicitVrBigEndian,
  ExplicitVrLittleEndian,
  ImplicitVrLittleEndian,
  transferSyntaxOf,
  type TransferSyntax,
} from "./transfer-syntax.ts";
import { hasLongLength, isTextVr, KNOWN_VRS } from "./vr.ts";

export interface ParseLimits {
  /** Binary values larger than this stay in the source instead of being loaded. */
  readonly maxInlineValue: number;
  /** Text values larger than this are refused (absurd size). */
  readonly maxTextValue: number;
  /** Deflated datasets larger than this once inflated are refused (inflation bomb). */
  readonly maxInflated: number;
  /** Deepest sequence nesting accepted. */
  readonly maxDepth: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxInlineValue: 256 * 1024,
  maxTextValue: 16 * 1024 * 1024,
  maxInflated: 512 * 1024 * 1024,
  maxDepth: 32,
};

const UNDEFINED_LENGTH = 0xffffffff;
const decoder = new TextDecoder("latin1");

interface Encoding {
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
}

class Cursor {
  readonly source: ByteSource;
  readonly limits: ParseLimits;
  readonly warnings: string[];

  constructor(source: ByteSource, limits: ParseLimits, warnings: string[]) {
    this.source = source;
    this.limits = limits;
    this.warnings = warnings;
  }

  bytes(offset: number, length: number, what: string): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.source.size) {
      throw new MalformedDicomError(`${what} runs past the end of the data (truncated file?)`, offset);
    }
    return this.source.read(offset, length);
  }

  u16(offset: number, little: boolean): number {
    const b = this.bytes(offset, 2, "element header");
    return little ? b[0]! | (b[1]! << 8) : (b[0]! << 8) | b[1]!;
  }

  u32(offset: number, little: boolean): number {
    const b = this.bytes(offset, 4, "element header");
    const v = little
      ? b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)
      : (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
    return v >>> 0;
  }

  tag(offset: number, little: boolean): number {
    return ((this.u16(offset, little) << 16) | this.u16(offset + 2, little)) >>> 0;
  }
}

interface Header {
  readonly tag: number;
  readonly vr: string;
  readonly length: number;
  readonly valueOffset: number;
}

function readHeader(c: Cursor, pos: number, enc: Encoding): Header {
  const tag = c.tag(pos, enc.littleEndian);
  if (tag === Tags.Item || tag === Tags.ItemDelimitationItem || tag === Tags.SequenceDelimitationItem) {
    return { tag, vr: "NONE", length: c.u32(pos + 4, enc.littleEndian), valueOffset: pos + 8 };
  }
  if (!enc.explicitVr) {
    return { tag, vr: implicitVrOf(tag), length: c.u32(pos + 4, enc.littleEndian), valueOffset: pos + 8 };
  }
  const vrBytes = c.bytes(pos + 4, 2, "element VR");
  const vr = String.fromCharCode(vrBytes[0]!, vrBytes[1]!);
  if (!KNOWN_VRS.has(vr)) {
    throw new MalformedDicomError(`invalid VR in explicit-VR element ${formatTag(tag)}`, pos + 4);
  }
  if (hasLongLength(vr)) {
    return { tag, vr, length: c.u32(pos + 8, enc.littleEndian), valueOffset: pos + 12 };
  }
  return { tag, vr, length: c.u16(pos + 6, enc.littleEndian), valueOffset: pos + 8 };
}

/** Skips an encapsulated fragment sequence; returns the offset just past its delimiter. */
function skipFragments(c: Cursor, start: number, enc: Encoding, tag: number): number {
  let pos = start;
  for (;;) {
    const itemTag = c.tag(pos, enc.littleEndian);
    const length = c.u32(pos + 4, enc.littleEndian);
    if (itemTag === Tags.SequenceDelimitationItem) return pos + 8;
    if (itemTag !== Tags.Item || length === UNDEFINED_LENGTH) {
      throw new MalformedDicomError(`bad fragment item in encapsulated ${formatTag(tag)}`, pos);
    }
    if (pos + 8 + length > c.source.size) {
      throw new MalformedDicomError(`fragment of ${formatTag(tag)} runs past the end of the data`, pos);
    }
    pos += 8 + length;
  }
}

function parseItems(
  c: Cursor,
  start: number,
  end: number | undefined,
  enc: Encoding,
  depth: number,
  owner: number,
): { items: DicomItem[]; next: number } {
  if (depth > c.limits.maxDepth) throw new MalformedDicomError(`sequences nested deeper than ${c.limits.maxDepth}`, start);
  const items: DicomItem[] = [];
  let pos = start;
  for (;;) {
    if (end !== undefined && pos >= end) {
      if (pos > end) throw new MalformedDicomError(`items of ${formatTag(owner)} overrun its length`, pos);
      return { items, next: pos };
    }
    const tag = c.tag(pos, enc.littleEndian);
    const length = c.u32(pos + 4, enc.littleEndian);
    if (tag === Tags.SequenceDelimitationItem) {
      if (end !== undefined) c.warnings.push(`sequence delimiter inside defined-length ${formatTag(owner)}`);
      return { items, next: pos + 8 };
    }
    if (tag !== Tags.Item) throw new MalformedDicomError(`expected an item in ${formatTag(owner)}, found ${formatTag(tag)}`, pos);
    const itemStart = pos + 8;
    const itemEnd = length === UNDEFINED_LENGTH ? undefined : itemStart + length;
    if (itemEnd !== undefined && itemEnd > c.source.size) {
      throw new MalformedDicomError(`item of ${formatTag(owner)} runs past the end of the data`, pos);
    }
    const { elements, next } = parseElements(c, itemStart, itemEnd, enc, depth + 1);
    items.push({ offset: pos, elements });
    pos = next;
  }
}

/** Parses elements from `start` up to `end`, or up to an item delimiter when `end` is undefined. */
function parseElements(
  c: Cursor,
  start: number,
  end: number | undefined,
  enc: Encoding,
  depth: number,
  stopBefore?: (tag: number) => boolean,
): { elements: DicomElement[]; next: number } {
  const elements: DicomElement[] = [];
  let pos = start;
  const limit = end ?? c.source.size;
  let previous = -1;
  while (pos < limit) {
    if (limit - pos < 8) {
      if (depth === 0 && c.source.read(pos, limit - pos).every((b) => b === 0)) {
        c.warnings.push("trailing zero bytes after the dataset");
        return { elements, next: limit };
      }
      throw new MalformedDicomError("truncated element header", pos);
    }
    const peek = c.tag(pos, enc.littleEndian);
    if (stopBefore?.(peek)) return { elements, next: pos };
    if (peek === Tags.ItemDelimitationItem) {
      if (end !== undefined) c.warnings.push("item delimiter inside a defined-length item");
      return { elements, next: pos + 8 };
    }
    if (peek === Tags.Item || peek === Tags.SequenceDelimitationItem) {
      throw new MalformedDicomError(`unexpected ${formatTag(peek)} among elements`, pos);
    }
    const h = readHeader(c, pos, enc);
    if (h.tag <= previous) c.warnings.push(`element ${formatTag(h.tag)} out of ascending order`);
    previous = h.tag;
    let vr = h.vr;
    let unAsSequence = false;
    if (enc.explicitVr && vr === "UN" && !isPrivateTag(h.tag)) {
      // A standard attribute sent as UN (PS3.5 §6.2.2): read it with its dictionary VR; a sequence
      // sent as UN is encoded in implicit VR little endian (CP-246).
      const known = lookupTag(h.tag);
      if (known?.vr === "SQ") {
        vr = "SQ";
        unAsSequence = true;
        c.warnings.push(`${formatTag(h.tag)} sent as UN, read as SQ`);
      } else if (known && known.vr !== "UN" && !known.ambiguousVr && h.length !== UNDEFINED_LENGTH && (hasLongLength(known.vr) || h.length <= 0xffff)) {
        vr = known.vr;
        c.warnings.push(`${formatTag(h.tag)} sent as UN, read as ${vr}`);
      }
    }
    const implicitLe: Encoding = { explicitVr: false, littleEndian: true };
    const element: DicomElement = { tag: h.tag, vr, offset: pos };
    if (h.length === UNDEFINED_LENGTH) {
      if (vr === "SQ" || (vr === "UN" && enc.explicitVr) || (!enc.explicitVr && (vr === "UN" || isPrivateTag(h.tag)))) {
        // CP-246: an undefined-length UN is a sequence encoded in implicit VR little endian.
        const itemEnc: Encoding = vr === "SQ" && !unAsSequence ? enc : implicitLe;
        if (vr !== "SQ") element.unSequence = true;
        const { items, next } = parseItems(c, h.valueOffset, undefined, itemEnc, depth, h.tag);
        element.items = items;
        pos = next;
      } else {
        const next = skipFragments(c, h.valueOffset, enc, h.tag);
        element.encapsulated = true;
        element.range = { offset: h.valueOffset, length: next - h.valueOffset };
        pos = next;
      }
    } else {
      const valueEnd = h.valueOffset + h.length;
      if (valueEnd > limit) {
        throw new MalformedDicomError(`value of ${formatTag(h.tag)} (length ${h.length}) runs past the end of its container`, pos);
      }
      if (h.length % 2 === 1) c.warnings.push(`odd value length in ${formatTag(h.tag)}`);
      if (vr === "SQ") {
        element.items = parseItems(c, h.valueOffset, valueEnd, unAsSequence ? implicitLe : enc, depth, h.tag).items;
      } else if (isTextVr(vr)) {
        if (h.length > c.limits.maxTextValue) {
          throw new RayvaultError(ErrorCode.InputTooLarge, `text value of ${formatTag(h.tag)} is ${h.length} bytes (absurd size)`);
        }
        element.value = new Uint8Array(c.bytes(h.valueOffset, h.length, "value")); // a copy: source bytes may be reused
      } else if (h.length <= c.limits.maxInlineValue) {
        element.value = new Uint8Array(c.bytes(h.valueOffset, h.length, "value")); // a copy: source bytes may be reused
      } else {
        element.range = { offset: h.valueOffset, length: h.length };
      }
      pos = valueEnd;
    }
    elements.push(element);
  }
  if (end !== undefined && pos > end) throw new MalformedDicomError("elements overrun their item", pos);
  if (end === undefined && depth > 0) throw new MalformedDicomError("undefined-length item has no delimiter", pos);
  return { elements, next: pos };
}

function looksLikeVr(b: Uint8Array): boolean {
  return KNOWN_VRS.has(String.fromCharCode(b[0] ?? 0, b[1] ?? 0));
}

/** Guesses the encoding of a dataset whose transfer syntax is not stated (no or incomplete file meta). */
function guessTransferSyntax(c: Cursor, pos: number): string {
  if (c.source.size - pos < 8) throw new MalformedDicomError("no dataset after the file meta", pos);
  const head = c.bytes(pos, 8, "dataset");
  const groupLe = head[0]! | (head[1]! << 8);
  const groupBe = (head[0]! << 8) | head[1]!;
  const vrOk = looksLikeVr(head.subarray(4, 6));
  if (vrOk && groupLe <= 0x00ff && groupLe >= 0x0008) return ExplicitVrLittleEndian;
  if (vrOk && groupBe <= 0x00ff && groupBe >= 0x0008) return ExplicitVrBigEndian;
  if (groupLe >= 0x0008 && groupLe <= 0x00ff) return ImplicitVrLittleEndian;
  throw new MalformedDicomError("not a DICOM file: no preamble, no file meta, and no recognisable dataset", pos);
}

function textOf(e: DicomElement | undefined): string | undefined {
  if (!e?.value) return undefined;
  return decoder.decode(e.value).replace(/[\0 ]+$/, "").trim();
}

/** Parses a whole Part 10 file (or a bare dataset, whose encoding is then guessed). */
export function parseDicom(source: ByteSource, limits: ParseLimits = DEFAULT_PARSE_LIMITS): DicomFile {
  const warnings: string[] = [];
  const c = new Cursor(source, limits, warnings);
  let pos = 0;
  let hasPreamble = false;
  if (source.size >= 132 && decoder.decode(source.read(128, 4)) === "DICM") {
    hasPreamble = true;
    pos = 132;
  }
  const metaEnc: Encoding = { explicitVr: true, littleEndian: true };
  let meta: DicomElement[] = [];
  if (source.size - pos >= 8 && c.u16(pos, true) === 0x0002) {
    const parsed = parseElements(c, pos, undefined, metaEnc, 0, (tag) => tag >>> 16 !== 0x0002);
    meta = parsed.elements;
    pos = parsed.next;
    if (!meta.some((e) => e.tag === Tags.FileMetaInformationGroupLength)) warnings.push("file meta has no group length");
  } else if (hasPreamble) {
    warnings.push("no file meta after the preamble");
  }
  const stated = textOf(meta.find((e) => e.tag === Tags.TransferSyntaxUID));
  const transferSyntaxGuessed = stated === undefined || stated === "";
  if (transferSyntaxGuessed) warnings.push("transfer syntax not stated; guessed from the dataset");
  const transferSyntax: TransferSyntax = transferSyntaxOf(transferSyntaxGuessed ? guessTransferSyntax(c, pos) : stated);
  let dataCursor = c;
  let dataStart = pos;
  if (transferSyntax.deflated) {
    let inflated: Uint8Array;
    try {
      inflated = inflateRawSync(source.read(pos, source.size - pos), { maxOutputLength: limits.maxInflated });
    } catch (cause) {
      const tooBig = cause instanceof RangeError || (cause as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
      throw new RayvaultError(
        tooBig ? ErrorCode.InputTooLarge : ErrorCode.DicomMalformed,
        tooBig ? `deflated dataset inflates past ${limits.maxInflated} bytes` : "deflated dataset does not inflate",
        { cause },
      );
    }
    dataCursor = new Cursor(memorySource(inflated), limits, warnings);
    dataStart = 0;
  }
  const { elements } = parseElements(dataCursor, dataStart, dataCursor.source.size, transferSyntax, 0);
  if (elements.length === 0 && meta.length === 0) throw new MalformedDicomError("empty: no DICOM elements", 0);
  return {
    source: dataCursor.source,
    hasPreamble,
    meta,
    transferSyntax,
    transferSyntaxGuessed,
    dataset: elements,
    warnings,
  };
}
