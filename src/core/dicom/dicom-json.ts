/**
 * @module core/dicom/dicom-json
 * The DICOM JSON model (PS3.18 F.2) of a parsed data set, for DICOMweb metadata and search results:
 * text values split on backslash, person names as {Alphabetic}, numbers as numbers, sequences as
 * nested objects, and binary values (pixel data, overlays, anything OB/OW/UN…) as a BulkDataURI the
 * caller names (or VR alone), never inline. Group 0002 and group lengths are left out.
 */
import type { DicomElement } from "./dataset.ts";
import { codecOfDataset, elementText, type TextCodec } from "./text.ts";

export interface DicomJsonAttribute {
  readonly vr: string;
  readonly Value?: unknown[];
  readonly BulkDataURI?: string;
}
export type DicomJson = Record<string, DicomJsonAttribute>;

const NUMBER_WIDTH: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, UV: 8, SV: 8 };
const BULK_VRS = new Set(["OB", "OW", "OD", "OF", "OL", "OV", "UN"]);

function hex(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(8, "0");
}

function numbers(e: DicomElement, littleEndian: boolean): number[] {
  const v = e.value!;
  const width = NUMBER_WIDTH[e.vr]!;
  const dv = new DataView(v.buffer, v.byteOffset, v.length);
  const out: number[] = [];
  for (let i = 0; i + width <= v.length; i += width) {
    switch (e.vr) {
      case "US": out.push(dv.getUint16(i, littleEndian)); break;
      case "SS": out.push(dv.getInt16(i, littleEndian)); break;
      case "UL": out.push(dv.getUint32(i, littleEndian)); break;
      case "SL": out.push(dv.getInt32(i, littleEndian)); break;
      case "FL": out.push(dv.getFloat32(i, littleEndian)); break;
      case "FD": out.push(dv.getFloat64(i, littleEndian)); break;
      case "UV": out.push(Number(dv.getBigUint64(i, littleEndian))); break;
      default: out.push(Number(dv.getBigInt64(i, littleEndian)));
    }
  }
  return out;
}

/**
 * `bulk(path)` names the BulkDataURI of a binary value at this tag path (e.g. "7FE00010"); a binary value
 * it names none for is given as its VR alone (present, value not sent).
 */
export function toDicomJson(elements: readonly DicomElement[], littleEndian: boolean, bulk: (tagPath: string) => string | undefined, inherited?: TextCodec, path = ""): DicomJson {
  const codec = codecOfDataset(elements, inherited);
  const out: DicomJson = {};
  for (const e of elements) {
    if (e.tag >>> 16 === 0x0002 || (e.tag & 0xffff) === 0) continue;
    const key = hex(e.tag);
    const here = path ? `${path}/${key}` : key;
    if (e.items) {
      out[key] = { vr: "SQ", Value: e.items.map((item, i) => toDicomJson(item.elements, littleEndian, bulk, codec, `${here}/${i}`)) };
    } else if (BULK_VRS.has(e.vr) || e.encapsulated || (e.value === undefined && e.range)) {
      const uri = bulk(here);
      out[key] = uri === undefined ? { vr: e.vr } : { vr: e.vr, BulkDataURI: uri };
    } else if (!e.value || e.value.length === 0) {
      out[key] = { vr: e.vr };
    } else if (e.vr in NUMBER_WIDTH) {
      out[key] = { vr: e.vr, Value: numbers(e, littleEndian) };
    } else if (e.vr === "AT") {
      const dv = new DataView(e.value.buffer, e.value.byteOffset, e.value.length);
      const tags: string[] = [];
      for (let i = 0; i + 4 <= e.value.length; i += 4) tags.push(hex(((dv.getUint16(i, littleEndian) << 16) | dv.getUint16(i + 2, littleEndian)) >>> 0));
      out[key] = { vr: "AT", Value: tags };
    } else {
      const text = elementText(e, codec);
      const parts = e.vr === "LT" || e.vr === "ST" || e.vr === "UT" ? [text] : text.split("\\").map((p) => p.trim());
      const value = e.vr === "PN" ? parts.map((p) => ({ Alphabetic: p })) : e.vr === "IS" || e.vr === "DS" ? parts.map((p) => (p === "" ? null : Number(p))) : parts;
      out[key] = { vr: e.vr, Value: value };
    }
  }
  return out;
}
