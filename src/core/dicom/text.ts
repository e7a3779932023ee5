/**
 * @module core/dicom/text
 * Reads and writes the text of elements: Specific Character Set (PS3.3 C.12.1.1.2, PS3.5 §6.1)
 * decoding, value multiplicity splitting, and encoding replacement values (ASCII, Latin-1, UTF-8).
 */
import { isAscii } from "node:buffer";
import type { DicomElement } from "./dataset.ts";
import { findElement } from "./dataset.ts";
import { Tags } from "./dictionary.ts";
import { padByte, usesCharacterSet } from "./vr.ts";

/** Defined Terms of Specific Character Set mapped to WHATWG encoding labels. */
const CHARSETS: Readonly<Record<string, string>> = {
  "": "latin1",
  ISO_IR_6: "latin1",
  "ISO 2022 IR 6": "latin1",
  ISO_IR_100: "latin1",
  "ISO 2022 IR 100": "latin1",
  ISO_IR_101: "iso-8859-2",
  "ISO 2022 IR 101": "iso-8859-2",
  ISO_IR_109: "iso-8859-3",
  "ISO 2022 IR 109": "iso-8859-3",
  ISO_IR_110: "iso-8859-4",
  "ISO 2022 IR 110": "iso-8859-4",
  ISO_IR_144: "iso-8859-5",
  "ISO 2022 IR 144": "iso-8859-5",
  ISO_IR_127: "iso-8859-6",
  "ISO 2022 IR 127": "iso-8859-6",
  ISO_IR_126: "iso-8859-7",
  "ISO 2022 IR 126": "iso-8859-7",
  ISO_IR_138: "iso-8859-8",
  "ISO 2022 IR 138": "iso-8859-8",
  ISO_IR_148: "iso-8859-9",
  "ISO 2022 IR 148": "iso-8859-9",
  ISO_IR_203: "iso-8859-15",
  "ISO 2022 IR 203": "iso-8859-15",
  ISO_IR_13: "shift_jis",
  "ISO 2022 IR 13": "shift_jis",
  ISO_IR_166: "windows-874",
  "ISO 2022 IR 166": "windows-874",
  "ISO 2022 IR 87": "iso-2022-jp",
  "ISO 2022 IR 159": "iso-2022-jp",
  "ISO 2022 IR 149": "euc-kr",
  "ISO 2022 IR 58": "gb18030",
  ISO_IR_192: "utf-8",
  GB18030: "gb18030",
  GBK: "gbk",
};

export interface TextCodec {
  /** Decoded text of a character-set-dependent value. */
  decode(bytes: Uint8Array, vr: string): string;
  /** Encoding label used for LO/LT/PN/SH/ST/UC/UT values. */
  readonly label: string;
}

const windows1252 = new TextDecoder("latin1");
/** WHATWG "latin1" (windows-1252), with plain ASCII (nearly every value) read by the faster Buffer path. */
const latin1 = {
  decode(bytes: Uint8Array): string {
    return isAscii(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1") : windows1252.decode(bytes);
  },
};

export function codecFor(specificCharacterSet: string | undefined): TextCodec {
  const terms = (specificCharacterSet ?? "").split("\\").map((t) => t.trim().replace(/ /g, (s) => s));
  const named = terms.map((t) => CHARSETS[t] ?? CHARSETS[t.replace(/ /g, "_")]);
  // ISO 2022 with Japanese escapes is handled by iso-2022-jp; Korean IR 149 uses escapes into EUC-KR.
  const label = named.includes("iso-2022-jp")
    ? "iso-2022-jp"
    : (named.find((l) => l !== undefined && l !== "latin1") ?? "latin1");
  let decoder: { decode(bytes: Uint8Array): string };
  try {
    decoder = new TextDecoder(label);
  } catch {
    decoder = latin1;
  }
  return {
    label,
    decode(bytes, vr) {
      if (!usesCharacterSet(vr)) return latin1.decode(bytes);
      // Drop ISO 2022 designation escapes that TextDecoder would otherwise show (ESC $ ) C for Korean).
      const cleaned = label === "euc-kr" ? stripEscapes(bytes) : bytes;
      return decoder.decode(cleaned);
    },
  };
}

function stripEscapes(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x1b) {
      i += bytes[i + 1] === 0x24 ? 3 : 2;
      continue;
    }
    out.push(bytes[i]!);
  }
  return Uint8Array.from(out);
}

/** The codec of a dataset (top level, or an item that sets its own character set). */
export function codecOfDataset(elements: readonly DicomElement[], inherited?: TextCodec): TextCodec {
  const scs = findElement(elements, Tags.SpecificCharacterSet);
  if (!scs?.value) return inherited ?? codecFor(undefined);
  return codecFor(latin1.decode(scs.value).replace(/[\0 ]+$/, ""));
}

/** The value of a text element as a string, trailing padding removed. */
export function elementText(e: DicomElement, codec: TextCodec): string {
  if (!e.value) return "";
  return codec.decode(e.value, e.vr).replace(/[\0 ]+$/, "").replace(/^ +/, "");
}

/** Encodes a replacement value for an element, padded to even length. Non-ASCII needs UTF-8/Latin-1. */
export function encodeText(text: string, vr: string, codec: TextCodec): Uint8Array {
  let bytes: Uint8Array;
  if (/^[\x20-\x7e\\^=]*$/.test(text)) {
    bytes = new TextEncoder().encode(text);
  } else if (codec.label === "utf-8") {
    bytes = new TextEncoder().encode(text);
  } else if (codec.label === "latin1" && Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)).every((c) => c <= 0xff)) {
    bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
  } else {
    // No encoder for this character set: fall back to an ASCII transliteration marker.
    bytes = new TextEncoder().encode(text.replace(/[^\x20-\x7e]/g, "?"));
  }
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = padByte(vr);
  return padded;
}
