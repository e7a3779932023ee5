/**
 * @module core/delivery/build-dicomdir
 * A DICOMDIR (PS3.10 §8, PS3.3 F.2 Basic Directory) for a package of Part 10 files: PATIENT → STUDY →
 * SERIES → IMAGE records built from the files' own headers, with File IDs that carry no PHI
 * (`DICOM/S0001/I0001`), written in Explicit VR Little Endian. Records are linked by offsets that the
 * DICOMDIR writer of #2 computes from the records' final positions. Pure.
 */
import type { DicomElement, DicomItem } from "../dicom/dataset.ts";
import { concat, buildFileMeta, type Chunk } from "../dicom/write-dicom.ts";
import { serializeDicomdir } from "../deid/dicomdir.ts";
import { encodeText, codecFor } from "../dicom/text.ts";
import { ExplicitVrLittleEndian, transferSyntaxOf } from "../dicom/transfer-syntax.ts";

/** What a DICOMDIR needs to know of one file (values as text, from the file's own header). */
export interface PackagedInstance {
  /** File ID components, e.g. ["DICOM", "S0001", "I0001"]: upper case, ≤ 8 characters each. */
  readonly fileId: readonly string[];
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly specificCharacterSet?: string;
  readonly patientId: string;
  readonly patientName: string;
  readonly studyInstanceUid: string;
  readonly studyDate: string;
  readonly studyTime: string;
  readonly studyId: string;
  readonly accessionNumber: string;
  readonly studyDescription: string;
  readonly modality: string;
  readonly seriesInstanceUid: string;
  readonly seriesNumber: string;
  readonly instanceNumber: string;
}

const MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10";

function u16(v: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  return b;
}
function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}

/** Builds the DICOMDIR file (Part 10 bytes) for these instances, in the order given. */
export function buildDicomdir(instances: readonly PackagedInstance[], fileSetId: string, directoryUid: string): Uint8Array {
  if (instances.length === 0) throw new Error("a DICOMDIR needs at least one file");
  for (const i of instances) {
    if (i.fileId.length === 0 || i.fileId.length > 8 || !i.fileId.every((c) => /^[A-Z0-9_]{1,8}$/.test(c))) throw new Error("File ID components are 1–8 of A–Z, 0–9, _");
  }
  const charset = instances.find((i) => i.specificCharacterSet)?.specificCharacterSet;
  const codec = codecFor(charset);
  const text = (tag: number, vr: string, s: string): DicomElement => ({ tag, vr, offset: -1, value: encodeText(s, vr, codec) });
  const charsetEl = charset ? [text(0x00080005, "CS", charset)] : [];
  const groupBy = <T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> => {
    const m = new Map<K, T[]>();
    for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
    return m;
  };

  // Records point at each other by pseudo offsets; the writer maps each to the record's real position.
  interface Rec { readonly offset: number; readonly type: string; readonly body: DicomElement[]; next: number; lower: number }
  const records: Rec[] = [];
  const level = (type: string, body: DicomElement[]): Rec => {
    const r: Rec = { offset: (records.length + 1) * 8, type, body, next: 0, lower: 0 };
    records.push(r);
    return r;
  };
  const chain = (rs: Rec[]): void => rs.forEach((r, i) => (r.next = rs[i + 1]?.offset ?? 0));
  const itemOf = (r: Rec): DicomItem => ({
    offset: r.offset,
    elements: [
      { tag: 0x00041400, vr: "UL", offset: -1, value: u32(r.next) },
      { tag: 0x00041410, vr: "US", offset: -1, value: u16(0xffff) },
      { tag: 0x00041420, vr: "UL", offset: -1, value: u32(r.lower) },
      text(0x00041430, "CS", r.type),
      ...r.body,
    ].sort((a, b) => a.tag - b.tag),
  });

  const patients: Rec[] = [];
  for (const [, ofPatient] of groupBy(instances, (i) => `${i.patientId}\u0000${i.patientName}`)) {
    const first = ofPatient[0]!;
    const p = level("PATIENT", [...charsetEl, text(0x00100010, "PN", first.patientName), text(0x00100020, "LO", first.patientId)]);
    patients.push(p);
    const studies: Rec[] = [];
    for (const [, ofStudy] of groupBy(ofPatient, (i) => i.studyInstanceUid)) {
      const s0 = ofStudy[0]!;
      const st = level("STUDY", [...charsetEl, text(0x00080020, "DA", s0.studyDate), text(0x00080030, "TM", s0.studyTime), text(0x00080050, "SH", s0.accessionNumber),
        text(0x00081030, "LO", s0.studyDescription), text(0x0020000d, "UI", s0.studyInstanceUid), text(0x00200010, "SH", s0.studyId)]);
      studies.push(st);
      const series: Rec[] = [];
      for (const [, ofSeries] of groupBy(ofStudy, (i) => i.seriesInstanceUid)) {
        const se0 = ofSeries[0]!;
        const se = level("SERIES", [...charsetEl, text(0x00080060, "CS", se0.modality), text(0x0020000e, "UI", se0.seriesInstanceUid), text(0x00200011, "IS", se0.seriesNumber)]);
        series.push(se);
        const images = ofSeries.map((i) => level("IMAGE", [...charsetEl, text(0x00041500, "CS", i.fileId.join("\\")), text(0x00041510, "UI", i.sopClassUid),
          text(0x00041511, "UI", i.sopInstanceUid), text(0x00041512, "UI", i.transferSyntaxUid), text(0x00200013, "IS", i.instanceNumber)]));
        chain(images);
        se.lower = images[0]!.offset;
      }
      chain(series);
      st.lower = series[0]!.offset;
    }
    chain(studies);
    p.lower = studies[0]!.offset;
  }
  chain(patients);
  const items = records.map(itemOf);
  const dataset: DicomElement[] = [
    text(0x00041130, "CS", fileSetId),
    { tag: 0x00041200, vr: "UL", offset: -1, value: u32(patients[0]!.offset) },
    { tag: 0x00041202, vr: "UL", offset: -1, value: u32(patients.at(-1)!.offset) },
    { tag: 0x00041212, vr: "US", offset: -1, value: u16(0) },
    { tag: 0x00041220, vr: "SQ", offset: -1, items },
  ];
  const ts = transferSyntaxOf(ExplicitVrLittleEndian);
  const out = serializeDicomdir({ meta: buildFileMeta(MEDIA_STORAGE_DIRECTORY, directoryUid, ExplicitVrLittleEndian), dataset, transferSyntax: ts }, () => new Uint8Array(0));
  return concat(out.chunks.map((c: Chunk) => c as Uint8Array));
}
