/**
 * @module core/dicom/dictionary
 * Tag arithmetic and PS3.6 dictionary look-ups (VR, keyword) over the generated table.
 * Pure; the dictionary is parsed once on first use.
 */
import DICTIONARY from "./dictionary.generated.json" with { type: "json" };

export interface DictionaryEntry {
  readonly vr: string;
  readonly ambiguousVr: boolean;
  readonly keyword: string;
  readonly retired: boolean;
}

export const Tags = {
  FileMetaInformationGroupLength: 0x00020000,
  MediaStorageSOPClassUID: 0x00020002,
  MediaStorageSOPInstanceUID: 0x00020003,
  TransferSyntaxUID: 0x00020010,
  SpecificCharacterSet: 0x00080005,
  ImageType: 0x00080008,
  SOPClassUID: 0x00080016,
  SOPInstanceUID: 0x00080018,
  StudyDate: 0x00080020,
  Modality: 0x00080060,
  Manufacturer: 0x00080070,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  IssuerOfPatientID: 0x00100021,
  PatientBirthDate: 0x00100030,
  PatientIdentityRemoved: 0x00120062,
  DeidentificationMethod: 0x00120063,
  DeidentificationMethodCodeSequence: 0x00120064,
  CodeValue: 0x00080100,
  CodingSchemeDesignator: 0x00080102,
  CodeMeaning: 0x00080104,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  BurnedInAnnotation: 0x00280301,
  RecognizableVisualFeatures: 0x00280302,
  LongitudinalTemporalInformationModified: 0x00280303,
  OffsetOfFirstRootRecord: 0x00041200,
  OffsetOfLastRootRecord: 0x00041202,
  DirectoryRecordSequence: 0x00041220,
  OffsetOfNextRecord: 0x00041400,
  OffsetOfLowerLevelEntity: 0x00041420,
  DirectoryRecordType: 0x00041430,
  ReferencedFileID: 0x00041500,
  ReferencedSOPInstanceUIDInFile: 0x00041511,
  ReferencedTransferSyntaxUIDInFile: 0x00041512,
  IconImageSequence: 0x00880200,
  EncapsulatedDocument: 0x00420011,
  PixelData: 0x7fe00010,
  Item: 0xfffee000,
  ItemDelimitationItem: 0xfffee00d,
  SequenceDelimitationItem: 0xfffee0dd,
} as const;

export function groupOf(tag: number): number {
  return tag >>> 16;
}

export function elementOf(tag: number): number {
  return tag & 0xffff;
}

export function isPrivateTag(tag: number): boolean {
  return (groupOf(tag) & 1) === 1;
}

/** (gggg,0010)–(gggg,00FF) in an odd group: the private creator reserving block xx. */
export function isPrivateCreator(tag: number): boolean {
  const el = elementOf(tag);
  return isPrivateTag(tag) && el >= 0x0010 && el <= 0x00ff;
}

/** "(0010,0010)" — the way PS3 and dcmdump write a tag. */
export function formatTag(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, "0");
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

export function tagHex(tag: number): string {
  return (tag >>> 0).toString(16).padStart(8, "0");
}

interface Pattern {
  readonly mask: number;
  readonly value: number;
  readonly entry: DictionaryEntry;
}

let exact: Map<number, DictionaryEntry> | undefined;
let patterns: Pattern[] = [];
let byKeyword: Map<string, number> | undefined;

function load(): Map<number, DictionaryEntry> {
  if (exact) return exact;
  exact = new Map();
  byKeyword = new Map();
  const found: Pattern[] = [];
  for (const line of DICTIONARY.entries) {
    if (line === "") continue;
    const [id = "", vrField = "UN", keyword = "", retiredFlag] = line.split(" ");
    const entry: DictionaryEntry = {
      vr: vrField.replace("?", ""),
      ambiguousVr: vrField.endsWith("?"),
      keyword,
      retired: retiredFlag === "R",
    };
    if (id.includes("x")) {
      let mask = 0;
      let value = 0;
      for (const ch of id) {
        mask = (mask << 4) | (ch === "x" ? 0 : 0xf);
        value = (value << 4) | (ch === "x" ? 0 : Number.parseInt(ch, 16));
      }
      found.push({ mask: mask >>> 0, value: value >>> 0, entry });
    } else {
      const tag = Number.parseInt(id, 16);
      exact.set(tag, entry);
      byKeyword.set(keyword, tag);
    }
  }
  patterns = found;
  return exact;
}

/** The dictionary entry for a standard tag (including repeating groups such as 60xx), if any. */
export function lookupTag(tag: number): DictionaryEntry | undefined {
  const direct = load().get(tag);
  if (direct) return direct;
  if (isPrivateTag(tag)) return undefined;
  for (const p of patterns) if (((tag & p.mask) >>> 0) === p.value) return p.entry;
  return undefined;
}

export function tagForKeyword(keyword: string): number | undefined {
  load();
  return byKeyword?.get(keyword);
}

export function keywordOf(tag: number): string {
  if (elementOf(tag) === 0 && groupOf(tag) !== 0x0002) return "GroupLength";
  if (isPrivateCreator(tag)) return "PrivateCreator";
  if (isPrivateTag(tag)) return "Private";
  return lookupTag(tag)?.keyword ?? "Unknown";
}

/** The VR an implicit-VR stream implies for a tag. Private data and unknown tags are UN. */
export function implicitVrOf(tag: number): string {
  if (tag === Tags.Item || tag === Tags.ItemDelimitationItem || tag === Tags.SequenceDelimitationItem) return "NONE";
  if (elementOf(tag) === 0) return "UL";
  if (isPrivateCreator(tag)) return "LO";
  if (isPrivateTag(tag)) return "UN";
  const entry = lookupTag(tag);
  if (!entry) return "UN";
  if (tag === Tags.PixelData) return "OW";
  return entry.vr;
}
