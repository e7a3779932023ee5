/**
 * @module core/dicom/transfer-syntax
 * How a transfer syntax UID encodes the dataset (PS3.5 §10, Annex A): VR explicit or implicit,
 * byte order, deflate, and whether pixel data is encapsulated. Unknown UIDs are refused (fail closed).
 */
import { UnsupportedTransferSyntaxError } from "../errors.ts";

export interface TransferSyntax {
  readonly uid: string;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  readonly deflated: boolean;
  readonly encapsulated: boolean;
}

export const ImplicitVrLittleEndian = "1.2.840.10008.1.2";
export const ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
export const DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
export const ExplicitVrBigEndian = "1.2.840.10008.1.2.2";

/** Native (not encapsulated) syntaxes; everything else listed in ENCAPSULATED is encapsulated. */
const NATIVE: Record<string, Omit<TransferSyntax, "uid">> = {
  [ImplicitVrLittleEndian]: { explicitVr: false, littleEndian: true, deflated: false, encapsulated: false },
  [ExplicitVrLittleEndian]: { explicitVr: true, littleEndian: true, deflated: false, encapsulated: false },
  [DeflatedExplicitVrLittleEndian]: { explicitVr: true, littleEndian: true, deflated: true, encapsulated: false },
  [ExplicitVrBigEndian]: { explicitVr: true, littleEndian: false, deflated: false, encapsulated: false },
  // Encapsulated Uncompressed Explicit VR Little Endian (2022).
  "1.2.840.10008.1.2.1.98": { explicitVr: true, littleEndian: true, deflated: false, encapsulated: true },
  // JPIP Referenced (pixel data by URL) and its deflated form: native encodings without Pixel Data.
  "1.2.840.10008.1.2.4.94": { explicitVr: true, littleEndian: true, deflated: false, encapsulated: false },
  "1.2.840.10008.1.2.4.95": { explicitVr: true, littleEndian: true, deflated: true, encapsulated: false },
  // JPIP HTJ2K Referenced and its deflated form, likewise.
  "1.2.840.10008.1.2.4.204": { explicitVr: true, littleEndian: true, deflated: false, encapsulated: false },
  "1.2.840.10008.1.2.4.205": { explicitVr: true, littleEndian: true, deflated: true, encapsulated: false },
};

/**
 * PS3.5 Annex A / PS3.6 Table A-1 encapsulated transfer syntaxes (JPEG, JPEG-LS, JPEG 2000, JPIP,
 * MPEG-2/4, HEVC, HTJ2K, JPEG XL, RLE), listed one by one: an unknown UID is refused, not guessed.
 */
const ENCAPSULATED = new Set([
  ...["50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63", "64", "65", "66", "70"],
  ...["80", "81", "90", "91", "92", "93", "100", "100.1", "101", "101.1", "102", "102.1", "103", "103.1"],
  ...["104", "104.1", "105", "105.1", "106", "106.1", "107", "108", "110", "111", "112", "201", "202", "203"],
].map((n) => `1.2.840.10008.1.2.4.${n}`).concat(["1.2.840.10008.1.2.5"]));

export function transferSyntaxOf(uid: string): TransferSyntax {
  const native = NATIVE[uid];
  if (native) return { uid, ...native };
  if (ENCAPSULATED.has(uid)) {
    return { uid, explicitVr: true, littleEndian: true, deflated: false, encapsulated: true };
  }
  throw new UnsupportedTransferSyntaxError(uid.replace(/[^0-9.]/g, "?").slice(0, 64));
}
