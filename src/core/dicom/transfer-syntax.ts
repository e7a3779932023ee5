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
};

/** PS3.6 Table A-1 encapsulated transfer syntaxes: JPEG, JPEG-LS, JPEG 2000, HTJ2K, JPIP, MPEG, HEVC, RLE, JPEG XL. */
const ENCAPSULATED_PREFIXES = [
  "1.2.840.10008.1.2.4.", // JPEG family, JPEG-LS, J2K, HTJ2K, MPEG, HEVC, JPEG XL
  "1.2.840.10008.1.2.5", // RLE Lossless
];

export function transferSyntaxOf(uid: string): TransferSyntax {
  const native = NATIVE[uid];
  if (native) return { uid, ...native };
  if (ENCAPSULATED_PREFIXES.some((p) => uid.startsWith(p)) && /^[0-9.]+$/.test(uid)) {
    return { uid, explicitVr: true, littleEndian: true, deflated: false, encapsulated: true };
  }
  throw new UnsupportedTransferSyntaxError(uid.replace(/[^0-9.]/g, "?").slice(0, 64));
}
