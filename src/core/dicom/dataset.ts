/**
 * @module core/dicom/dataset
 * The in-memory model of a parsed DICOM file: elements in stream order, nested items, and values that
 * are either loaded bytes or a byte range left in the source (large binary values such as pixel data).
 */
import type { ByteSource } from "../../ports/byte-source.ts";
import type { TransferSyntax } from "./transfer-syntax.ts";

/** A byte range of the source stream, copied through untouched when written. */
export interface SourceRange {
  readonly offset: number;
  readonly length: number;
}

export interface DicomElement {
  readonly tag: number;
  /** The VR: read from an explicit stream, or implied by the dictionary in an implicit one. */
  vr: string;
  /** Byte offset of the element's first byte in the source. */
  readonly offset: number;
  /** The element's value bytes when loaded (small values, all text). */
  value?: Uint8Array;
  /** The element's value left in the source (large binary values, encapsulated pixel data). */
  range?: SourceRange;
  /** Encapsulated pixel data: the value is a fragment sequence of undefined length, copied verbatim. */
  encapsulated?: boolean;
  /** Items of a sequence (SQ, or UN holding an implicit-VR sequence per CP-246). */
  items?: DicomItem[];
  /** True when the element was a UN whose value is an implicit VR little endian sequence. */
  unSequence?: boolean;
}

export interface DicomItem {
  /** Byte offset of the item tag (FFFE,E000) in the source: DICOMDIR records point here. */
  readonly offset: number;
  elements: DicomElement[];
}

export interface DicomFile {
  readonly source: ByteSource;
  /** 128-byte preamble + "DICM" present. */
  readonly hasPreamble: boolean;
  /** File meta elements (group 0002); empty when the file had none. */
  readonly meta: DicomElement[];
  readonly transferSyntax: TransferSyntax;
  /** True when the transfer syntax was guessed because the file meta did not state it. */
  readonly transferSyntaxGuessed: boolean;
  readonly dataset: DicomElement[];
  /** Non-fatal oddities met while parsing (odd lengths, missing group length…); no values. */
  readonly warnings: string[];
}

export function findElement(elements: readonly DicomElement[], tag: number): DicomElement | undefined {
  return elements.find((e) => e.tag === tag);
}
