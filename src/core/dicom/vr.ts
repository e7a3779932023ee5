/**
 * @module core/dicom/vr
 * Value Representations (PS3.5 §6.2): which VRs exist, how their length field is encoded in
 * explicit-VR streams, which carry text, and how text values are padded.
 */

/** Every VR of PS3.5 Table 6.2-1. */
export const KNOWN_VRS = new Set([
  "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV",
  "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
]);

/** VRs whose explicit encoding has 2 reserved bytes and a 32-bit length (PS3.5 §7.1.2). */
const LONG_LENGTH_VRS = new Set(["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]);

export function hasLongLength(vr: string): boolean {
  return LONG_LENGTH_VRS.has(vr);
}

/** Character-string VRs: their values are text and may hold identifiers. */
const TEXT_VRS = new Set(["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"]);

export function isTextVr(vr: string): boolean {
  return TEXT_VRS.has(vr);
}

/** Free-text VRs: anything a person can type, so anything can be in them. */
const FREE_TEXT_VRS = new Set(["LO", "LT", "PN", "SH", "ST", "UC", "UT", "UR", "AE"]);

export function isFreeTextVr(vr: string): boolean {
  return FREE_TEXT_VRS.has(vr);
}

/** VRs whose text is interpreted with Specific Character Set (the others are ASCII only). */
const CHARSET_VRS = new Set(["LO", "LT", "PN", "SH", "ST", "UC", "UT"]);

export function usesCharacterSet(vr: string): boolean {
  return CHARSET_VRS.has(vr);
}

/** Fixed-size binary numbers: byte width of one value. */
export const BINARY_WIDTH: Readonly<Record<string, number>> = {
  AT: 4, FD: 8, FL: 4, SL: 4, SS: 2, SV: 8, UL: 4, US: 2, UV: 8,
};

/** UI values pad with NUL, other text with space (PS3.5 §6.2). */
export function padByte(vr: string): number {
  return vr === "UI" ? 0x00 : 0x20;
}
