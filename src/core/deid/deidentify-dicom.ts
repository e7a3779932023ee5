/**
 * @module core/deid/deidentify-dicom
 * Applies the Basic Profile (and chosen options) to a parsed DICOM file: every element, every nested
 * item, private and UN elements, DICOMDIR records. Pixel data and other large values are never touched:
 * they stay source ranges and are copied byte for byte. Returns the new meta and dataset; throws a
 * RayvaultError for anything it cannot make safe. Pure: the pseudonym and keys come in as arguments.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";
import type { DicomElement, DicomFile, DicomItem } from "../dicom/dataset.ts";
import { findElement } from "../dicom/dataset.ts";
import { elementOf, formatTag, groupOf, isPrivateCreator, isPrivateTag, Tags } from "../dicom/dictionary.ts";
import { codecOfDataset, elementText, encodeText, type TextCodec } from "../dicom/text.ts";
import { BINARY_WIDTH, isFreeTextVr, isTextVr } from "../dicom/vr.ts";
import { buildFileMeta } from "../dicom/write-dicom.ts";
import { findTextPhi, redactText, type KnownIdentifier } from "../phi/find-text-phi.ts";
import { BASIC_PROFILE_CODE, OPTION_INFO, ProfileOption, resolveAction, type ElementAction } from "./profile.ts";
import { patientRecordOf } from "./dicomdir.ts";
import { shiftDa, shiftDt } from "./shift-dates.ts";
import type { UidMapper } from "./uid-remap.ts";

/** The patient's re-identification code and date shift, from the encrypted pseudonym map. */
export interface PatientPseudonym {
  readonly pseudonym: string;
  /** Whole days, never 0; applied only under the Modified Dates option. */
  readonly dateShiftDays: number;
}

export interface DeidContext {
  readonly options: ReadonlySet<ProfileOption>;
  readonly mapUid: UidMapper;
  /** The pseudonym of the file's patient (for a DICOMDIR: of records without a PATIENT record). */
  readonly patient: PatientPseudonym;
  /** Pseudonyms for other patients by key (DICOMDIR PATIENT records hold several). */
  readonly pseudonymFor: (patientKey: string) => PatientPseudonym;
  /** Names and ids from the header, removed from any free text that is kept or cleaned. */
  readonly knownIdentifiers: readonly KnownIdentifier[];
  /** Seed for a SOP Instance UID when the input has none (e.g. the file's path and size). */
  readonly instanceSeed: string;
  /** DICOMDIR only: the File ID each Referenced File ID becomes (folders named after patients are renamed). */
  readonly mapFileId?: (fileId: string) => string;
}

export interface DeidResult {
  readonly meta: DicomElement[];
  readonly dataset: DicomElement[];
  /** How many elements each action touched (for the report; no values). */
  readonly actionCounts: Record<string, number>;
}

const ascii = new TextEncoder();

function textValue(s: string, vr: string, codec: TextCodec): Uint8Array {
  return encodeText(s, vr, codec);
}

const DUMMY_TEXT: Readonly<Record<string, string>> = {
  DA: "19000101",
  DT: "19000101000000",
  TM: "000000",
  AS: "000Y",
  IS: "0",
  DS: "0",
  PN: "REMOVED",
  UR: "",
};

/** PS3.15 "D": a dummy value consistent with the VR. */
function dummyValue(e: DicomElement, codec: TextCodec): Uint8Array {
  if (isTextVr(e.vr)) return textValue(DUMMY_TEXT[e.vr] ?? "REMOVED", e.vr, codec);
  const width = BINARY_WIDTH[e.vr];
  if (width !== undefined) return new Uint8Array(width);
  return new Uint8Array(0);
}

/** The key that identifies one patient across files, for the pseudonym map (never stored in clear). */
export function patientKeyOf(file: DicomFile): string {
  return patientKeyOfElements(file.dataset, codecOfDataset(file.dataset));
}

/** The same key from a dataset or a DICOMDIR PATIENT record. */
export function patientKeyOfElements(elements: readonly DicomElement[], codec: TextCodec): string {
  const get = (tag: number): string => {
    const e = findElement(elements, tag);
    return e ? elementText(e, codec).trim() : "";
  };
  const id = get(Tags.PatientID);
  if (id !== "") return `id:${get(Tags.IssuerOfPatientID)}\u0000${id}`;
  const name = get(Tags.PatientName);
  if (name !== "") return `name:${name}\u0000${get(Tags.PatientBirthDate)}`;
  const study = get(Tags.StudyInstanceUID);
  return study !== "" ? `study:${study}` : "";
}

/** A UI value as bytes, NUL-padded to even length. */
function uidBytes(uids: string): Uint8Array {
  const bytes = ascii.encode(uids);
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  return padded;
}

function isOverlayData(tag: number): boolean {
  return (groupOf(tag) & 0xff01) === 0x6000 && elementOf(tag) === 0x3000;
}

class Transformer {
  readonly ctx: DeidContext;
  readonly counts: Record<string, number> = {};
  dateShifted = false;
  /** The patient whose pseudonym and date shift apply to the dataset being transformed. */
  patient: PatientPseudonym;
  /** DICOMDIR only: the PATIENT record each directory record belongs to. */
  recordPatients = new Map<DicomItem, DicomItem>();

  constructor(ctx: DeidContext) {
    this.ctx = ctx;
    this.patient = ctx.patient;
  }

  count(action: string): void {
    this.counts[action] = (this.counts[action] ?? 0) + 1;
  }

  elements(input: readonly DicomElement[], inherited: TextCodec | undefined, path: string, inRecord = false): DicomElement[] {
    const codec = codecOfDataset(input, inherited);
    const creators = new Map<number, string>();
    for (const e of input) {
      if (isPrivateCreator(e.tag) && e.value) creators.set((groupOf(e.tag) << 8) | elementOf(e.tag), elementText(e, codec));
    }
    const out: DicomElement[] = [];
    const keptPrivateBlocks = new Set<number>();
    for (const e of input) {
      if (isPrivateCreator(e.tag)) continue; // decided after its data elements
      const block = (groupOf(e.tag) << 8) | (elementOf(e.tag) >> 8);
      const privateCreator = isPrivateTag(e.tag) ? creators.get(block) : undefined;
      const text = e.value && isTextVr(e.vr) ? elementText(e, codec) : "";
      let { action } = resolveAction({ tag: e.tag, vr: e.vr, options: this.ctx.options, privateCreator, text });
      // Directory records (PS3.3 F.5) require their keys: a dummy instead of empty, empty instead of absent.
      if (inRecord && !isPrivateTag(e.tag) && isTextVr(e.vr)) action = action === "Z" ? "D" : action === "X" ? "Z" : action;
      const next = inRecord && e.tag === Tags.ReferencedFileID && this.ctx.mapFileId
        ? this.withValue(e, encodeText(this.ctx.mapFileId(text), "CS", codec))
        : this.apply(e, action, codec, text, `${path}${formatTag(e.tag)}`);
      if (next) {
        out.push(next);
        if (isPrivateTag(e.tag)) keptPrivateBlocks.add(block);
      }
    }
    for (const e of input) {
      if (isPrivateCreator(e.tag) && keptPrivateBlocks.has((groupOf(e.tag) << 8) | elementOf(e.tag))) out.push(e);
    }
    // An overlay whose data was removed is removed whole: its plane attributes alone are invalid.
    const overlayGroups = new Set(input.filter((e) => isOverlayData(e.tag)).map((e) => groupOf(e.tag)));
    const kept = out.filter((e) => !overlayGroups.has(groupOf(e.tag)) || out.some((o) => isOverlayData(o.tag) && groupOf(o.tag) === groupOf(e.tag)));
    return kept.sort((a, b) => a.tag - b.tag);
  }

  items(items: readonly DicomItem[], codec: TextCodec, path: string, records = false): DicomItem[] {
    return items.map((item, i) => {
      const owner = records ? this.recordPatients.get(item) : undefined;
      const saved = this.patient;
      if (owner) this.patient = this.ctx.pseudonymFor(patientKeyOfElements(owner.elements, codec));
      try {
        return { offset: item.offset, elements: this.elements(item.elements, codec, `${path}[${i}].`, records) };
      } finally {
        this.patient = saved;
      }
    });
  }

  apply(e: DicomElement, action: ElementAction, codec: TextCodec, text: string, path: string): DicomElement | undefined {
    this.count(action);
    if (e.items) {
      if (action === "X") return undefined;
      if (action === "Z") return { ...e, items: [] };
      return { ...e, items: this.items(e.items, codec, path, e.tag === Tags.DirectoryRecordSequence) };
    }
    if (e.tag === Tags.EncapsulatedDocument && action !== "X") {
      throw new RayvaultError(ErrorCode.DeidUnsupported, `encapsulated document at ${path} cannot be de-identified`);
    }
    switch (action) {
      case "X":
        return undefined;
      case "Z":
        if (e.tag === Tags.PatientName) return this.withValue(e, textValue(this.patient.pseudonym, e.vr, codec));
        return this.withValue(e, new Uint8Array(0));
      case "D":
        if (e.tag === Tags.PatientName || e.tag === Tags.PatientID) return this.withValue(e, textValue(this.patient.pseudonym, e.vr, codec));
        if (e.vr === "UI") return this.withValue(e, this.mapUids(text));
        return this.withValue(e, dummyValue(e, codec));
      case "U":
        if (!isTextVr(e.vr)) return undefined;
        return this.withValue(e, this.mapUids(text));
      case "shift":
        return this.withValue(e, this.shift(e, text, codec));
      case "C":
        if (e.vr === "DA" || e.vr === "DT") return this.withValue(e, new Uint8Array(0));
        if (!isTextVr(e.vr)) return undefined; // graphics and binary cannot be cleaned: removed
        return this.withValue(e, this.clean(e, text, codec));
      case "K":
        return this.keep(e, text, codec);
    }
  }

  keep(e: DicomElement, text: string, codec: TextCodec): DicomElement {
    if (e.tag === 0x00101010 && /^(\d{3})Y$/.test(text) && Number(text.slice(0, 3)) >= 90) {
      // Safe Harbor (C): ages over 89 are aggregated to "90 or older".
      return this.withValue(e, textValue("090Y", e.vr, codec));
    }
    if (isFreeTextVr(e.vr) && text !== "") {
      const cleaned = this.cleanText(text);
      if (cleaned !== text) return this.withValue(e, textValue(cleaned, e.vr, codec));
    }
    return e;
  }

  cleanText(text: string): string {
    return redactText(text, findTextPhi(text, this.ctx.knownIdentifiers));
  }

  clean(e: DicomElement, text: string, codec: TextCodec): Uint8Array {
    if (e.vr === "UI") return this.mapUids(text);
    if (e.vr === "PN") return new Uint8Array(0);
    const cleaned = this.cleanText(text);
    return cleaned === text && e.value ? e.value : textValue(cleaned, e.vr, codec);
  }

  shift(e: DicomElement, text: string, codec: TextCodec): Uint8Array {
    const days = this.patient.dateShiftDays;
    const shifted = e.vr === "DA" ? shiftDa(text, days) : e.vr === "DT" ? shiftDt(text, days) : e.vr === "TM" ? text : undefined;
    if (shifted === undefined) return new Uint8Array(0);
    if (e.vr !== "TM") this.dateShifted = true;
    return textValue(shifted, e.vr, codec);
  }

  mapUids(text: string): Uint8Array {
    return uidBytes(text.split("\\").map((u) => this.ctx.mapUid(u)).join("\\"));
  }

  withValue(e: DicomElement, value: Uint8Array): DicomElement {
    const { range: _range, encapsulated: _enc, ...rest } = e;
    return { ...rest, value };
  }
}

function codeItem(code: string, meaning: string): DicomItem {
  const t = (tag: number, vr: string, s: string): DicomElement => ({ tag, vr, offset: -1, value: encodeText(s, vr, { label: "latin1", decode: () => "" }) });
  return {
    offset: -1,
    elements: [t(Tags.CodeValue, "SH", code), t(Tags.CodingSchemeDesignator, "SH", "DCM"), t(Tags.CodeMeaning, "LO", meaning)],
  };
}

/** Sets Patient Identity Removed, De-identification Method (+ Code Sequence) and Longitudinal Temporal Information Modified. */
function markDeidentified(dataset: DicomElement[], options: ReadonlySet<ProfileOption>, dateShifted: boolean): DicomElement[] {
  const codec: TextCodec = { label: "latin1", decode: () => "" };
  const chosen = Object.values(ProfileOption).filter((o) => options.has(o));
  // De-identification Method is LO, VM 1-n: one value per part, each within the 64-character limit.
  const method = ["Rayvault PS3.15 Basic Profile", ...chosen.map((o) => OPTION_INFO[o].meaning.replace(/ Option$/, ""))].map((m) => m.slice(0, 64)).join("\\");
  const temporal = options.has(ProfileOption.RetainLongitudinalFullDates) ? "UNMODIFIED" : options.has(ProfileOption.RetainLongitudinalModifiedDates) && dateShifted ? "MODIFIED" : "REMOVED";
  const added: DicomElement[] = [
    { tag: Tags.PatientIdentityRemoved, vr: "CS", offset: -1, value: encodeText("YES", "CS", codec) },
    { tag: Tags.DeidentificationMethod, vr: "LO", offset: -1, value: encodeText(method, "LO", codec) },
    {
      tag: Tags.DeidentificationMethodCodeSequence, vr: "SQ", offset: -1,
      items: [codeItem(BASIC_PROFILE_CODE.code, BASIC_PROFILE_CODE.meaning), ...chosen.map((o) => codeItem(OPTION_INFO[o].code, OPTION_INFO[o].meaning))],
    },
    { tag: Tags.LongitudinalTemporalInformationModified, vr: "CS", offset: -1, value: encodeText(temporal, "CS", codec) },
  ];
  const replaced = new Set(added.map((e) => e.tag));
  return [...dataset.filter((e) => !replaced.has(e.tag)), ...added].sort((a, b) => a.tag - b.tag);
}

/** Tags Rayvault writes itself; verification does not hold them against the profile. */
export const RAYVAULT_WRITTEN_TAGS: ReadonlySet<number> = new Set([
  Tags.PatientIdentityRemoved, Tags.DeidentificationMethod, Tags.DeidentificationMethodCodeSequence, Tags.LongitudinalTemporalInformationModified,
]);

export function deidentifyDicom(file: DicomFile, ctx: DeidContext): DeidResult {
  const t = new Transformer(ctx);
  const isDicomdir = file.dataset.some((e) => e.tag === Tags.DirectoryRecordSequence);
  if (isDicomdir) t.recordPatients = patientRecordOf(file.dataset, file.transferSyntax.littleEndian);
  let dataset = t.elements(file.dataset, undefined, "");
  if (!isDicomdir) dataset = markDeidentified(dataset, ctx.options, t.dateShifted);
  const codec = codecOfDataset(file.dataset);
  const metaText = (tag: number): string => {
    const e = findElement(file.meta, tag);
    return e ? elementText(e, codec) : "";
  };
  const sopClass = isDicomdir ? "1.2.840.10008.1.3.10" : (textOf(dataset, Tags.SOPClassUID, codec) || metaText(Tags.MediaStorageSOPClassUID));
  const sourceInstance = textOf(file.dataset, Tags.SOPInstanceUID, codec) || metaText(Tags.MediaStorageSOPInstanceUID);
  if (!isDicomdir && sopClass === "") throw new RayvaultError(ErrorCode.DeidUnsupported, "no SOP Class UID: not a composite instance");
  const keepUids = ctx.options.has(ProfileOption.RetainUids);
  const instance =
    sourceInstance !== "" && keepUids ? sourceInstance : ctx.mapUid(sourceInstance === "" ? `rayvault-missing-sop-instance:${ctx.instanceSeed}` : sourceInstance);
  if (!isDicomdir && !dataset.some((e) => e.tag === Tags.SOPInstanceUID)) {
    // The input had no SOP Instance UID: give the output the one its file meta names.
    dataset = [...dataset, { tag: Tags.SOPInstanceUID, vr: "UI", offset: -1, value: uidBytes(instance) }].sort((a, b) => a.tag - b.tag);
  }
  const meta = buildFileMeta(sopClass, instance, file.transferSyntax.uid);
  return { meta, dataset, actionCounts: t.counts };
}

function textOf(elements: readonly DicomElement[], tag: number, codec: TextCodec): string {
  const e = findElement(elements, tag);
  return e ? elementText(e, codec) : "";
}
