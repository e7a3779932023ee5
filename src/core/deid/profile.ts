/**
 * @module core/deid/profile
 * The PS3.15 Annex E Basic Application Level Confidentiality Profile and its options: which action
 * applies to an element, and the rule that says so. Where Table E.1-1 is silent, Rayvault fails closed:
 * private and unknown elements are removed, free text not on a reviewed list is emptied, dates are
 * treated as dates and UIDs as UIDs. Pure.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";
import { elementOf, formatTag, groupOf, isPrivateCreator, isPrivateTag, keywordOf, lookupTag } from "../dicom/dictionary.ts";
import { isFreeTextVr } from "../dicom/vr.ts";
import PROFILE_JSON from "./profile-table.generated.json" with { type: "json" };

/** One row of PS3.15 Table E.1-1: tag pattern, name, Basic Profile action, option columns. */
export type ProfileTableRow = readonly [tag: string, name: string, basic: string, options: Readonly<Record<string, string>>];
export const PROFILE_TABLE = PROFILE_JSON.rows as unknown as readonly ProfileTableRow[];

/** PS3.15 Table E.1-1 option columns, with their CID 7050 codes (PS3.16). */
export const ProfileOption = {
  RetainSafePrivate: "retain-safe-private",
  RetainUids: "retain-uids",
  RetainDeviceIdentity: "retain-device-identity",
  RetainInstitutionIdentity: "retain-institution-identity",
  RetainPatientCharacteristics: "retain-patient-characteristics",
  RetainLongitudinalFullDates: "retain-longitudinal-full-dates",
  RetainLongitudinalModifiedDates: "retain-longitudinal-modified-dates",
  CleanDescriptors: "clean-descriptors",
  CleanStructuredContent: "clean-structured-content",
  CleanGraphics: "clean-graphics",
  /** Burned-in text found and removed from the pixels (#7): not a column of Table E.1-1, a step of its own. */
  CleanPixelData: "clean-pixels",
} as const;
export type ProfileOption = (typeof ProfileOption)[keyof typeof ProfileOption];

export interface OptionInfo {
  readonly column: string;
  readonly code: string;
  readonly meaning: string;
}

export const OPTION_INFO: Readonly<Record<ProfileOption, OptionInfo>> = {
  "retain-safe-private": { column: "rtnSafePrivOpt", code: "113111", meaning: "Retain Safe Private Option" },
  "retain-uids": { column: "rtnUIDsOpt", code: "113110", meaning: "Retain UIDs Option" },
  "retain-device-identity": { column: "rtnDevIdOpt", code: "113109", meaning: "Retain Device Identity Option" },
  "retain-institution-identity": { column: "rtnInstIdOpt", code: "113112", meaning: "Retain Institution Identity Option" },
  "retain-patient-characteristics": { column: "rtnPatCharsOpt", code: "113108", meaning: "Retain Patient Characteristics Option" },
  "retain-longitudinal-full-dates": { column: "rtnLongFullDatesOpt", code: "113106", meaning: "Retain Longitudinal Temporal Information Full Dates Option" },
  "retain-longitudinal-modified-dates": { column: "rtnLongModifDatesOpt", code: "113107", meaning: "Retain Longitudinal Temporal Information Modified Dates Option" },
  "clean-descriptors": { column: "cleanDescOpt", code: "113105", meaning: "Clean Descriptors Option" },
  "clean-structured-content": { column: "cleanStructContOpt", code: "113104", meaning: "Clean Structured Content Option" },
  "clean-graphics": { column: "cleanGraphOpt", code: "113103", meaning: "Clean Graphics Option" },
  "clean-pixels": { column: "cleanPixelDataOpt", code: "113101", meaning: "Clean Pixel Data Option" },
};

export const BASIC_PROFILE_CODE = { code: "113100", meaning: "Basic Application Confidentiality Profile" } as const;

/** Validates option names; refuses unknown ones and the two date options together. */
export function parseProfileOptions(names: readonly string[]): ReadonlySet<ProfileOption> {
  const known = new Set<string>(Object.values(ProfileOption));
  const out = new Set<ProfileOption>();
  for (const name of names) {
    if (!known.has(name)) {
      throw new RayvaultError(ErrorCode.UsageInvalid, `unknown profile option "${name.slice(0, 40)}"; known: ${[...known].join(", ")}`);
    }
    out.add(name as ProfileOption);
  }
  if (out.has(ProfileOption.RetainLongitudinalFullDates) && out.has(ProfileOption.RetainLongitudinalModifiedDates)) {
    throw new RayvaultError(ErrorCode.UsageInvalid, "retain-longitudinal-full-dates and retain-longitudinal-modified-dates exclude each other");
  }
  return out;
}

/** An action with the rule that chose it. "shift" is C applied to a date under Modified Dates. */
export type ElementAction = "X" | "Z" | "D" | "K" | "C" | "U" | "shift";

export interface ResolvedAction {
  readonly action: ElementAction;
  readonly rule: string;
  /** The Table E.1-1 basic-profile action (or Rayvault's fail-closed default) before options. */
  readonly basic: string;
}

/** Reviewed structural free-text attributes that are not in Table E.1-1 and identify no one. */
const STRUCTURAL_TEXT_KEYWORDS = new Set([
  "Manufacturer", "ManufacturerModelName", "SoftwareVersions", "CodeValue", "CodingSchemeDesignator",
  "CodingSchemeVersion", "CodeMeaning", "CodingSchemeName", "CodingSchemeResponsibleOrganization",
  "LongCodeValue", "URNCodeValue", "MappingResource", "ContextIdentifier", "ContextGroupVersion",
  "RescaleType", "LUTExplanation", "WindowCenterWidthExplanation", "ConvolutionKernel", "FilterType",
  "ImagedNucleus", "PlateType", "PhosphorType", "SequenceName", "PulseSequenceName", "ReceiveCoilName",
  "TransmitCoilName", "ContrastBolusRoute", "PositionReferenceIndicator", "AcquisitionDeviceProcessingCode",
  "ProcessingFunction", "DetectorManufacturerName", "DetectorManufacturerModelName",
  "ReceiveCoilManufacturerName", "TransmitCoilManufacturerName", "SecondaryCaptureDeviceManufacturer",
  "SecondaryCaptureDeviceManufacturerModelName", "SecondaryCaptureDeviceSoftwareVersions",
  "DimensionDescriptionLabel", "StackID", "MultiplexGroupLabel", "TransducerData", "ImageGeometryType",
  "DataSetSubtype", "SegmentAlgorithmName", "SegmentLabel", "DetectorMode", "ImageDisplayFormat",
  "BeamName", "RTImageLabel", "LUTLabel", "ContentLabel", "ImageID", "PixelSpacingCalibrationDescription",
  "ViewName", "AnatomicRegionModifierSequence", "WaveformOriginality", "ChannelLabel", "DeidentificationMethod",
  "PixelPresentation", "ROIName", "ROIGenerationAlgorithm", "RTROIInterpretedType", "ROIObservationLabel", "VolumetricProperties", "VolumeBasedCalculationTechnique", "ComplexImageComponent",
  "AcquisitionContrast", "PresentationLUTShape", "ColorSpace", "FrameType", "ManufacturerModelVersion",
]);

/**
 * Private attributes that PS3.15 Table E.3.10-1 lists as safe, as (creator, group, element byte).
 * A partial list; a site adds its own only after review. Everything else private is removed.
 */
const SAFE_PRIVATE: ReadonlyArray<readonly [creator: string, group: number, element: number]> = [
  ["SIEMENS MR HEADER", 0x0019, 0x0c], // B_value
  ["SIEMENS MR HEADER", 0x0019, 0x0d], // DiffusionDirectionality
  ["SIEMENS MR HEADER", 0x0019, 0x0e], // DiffusionGradientDirection
  ["Philips Imaging DD 001", 0x2001, 0x03], // Diffusion B-Factor
];

export function isSafePrivate(creator: string | undefined, tag: number): boolean {
  if (creator === undefined) return false;
  return SAFE_PRIVATE.some(([c, g, e]) => c === creator.trim() && g === groupOf(tag) && e === (elementOf(tag) & 0xff));
}

interface CompiledRow {
  readonly row: ProfileTableRow;
  readonly mask: number;
  readonly value: number;
}

let exactRows: Map<number, ProfileTableRow> | undefined;
let patternRows: CompiledRow[] = [];
let privateRow: ProfileTableRow | undefined;

function rows(): Map<number, ProfileTableRow> {
  if (exactRows) return exactRows;
  exactRows = new Map();
  for (const row of PROFILE_TABLE) {
    const id = row[0];
    if (id === "private") {
      privateRow = row;
    } else if (id.includes("x")) {
      let mask = 0;
      let value = 0;
      for (const ch of id) {
        mask = (mask << 4) | (ch === "x" ? 0 : 0xf);
        value = (value << 4) | (ch === "x" ? 0 : Number.parseInt(ch, 16));
      }
      patternRows.push({ row, mask: mask >>> 0, value: value >>> 0 });
    } else {
      exactRows.set(Number.parseInt(id, 16), row);
    }
  }
  patternRows = [...patternRows];
  return exactRows;
}

export function profileRowFor(tag: number): ProfileTableRow | undefined {
  const direct = rows().get(tag);
  if (direct) return direct;
  if (isPrivateTag(tag)) return privateRow;
  // Repeating groups (50xx, 60xx) apply to even groups only.
  return patternRows.find((p) => ((tag & p.mask) >>> 0) === p.value && (groupOf(tag) & 1) === 0)?.row;
}

/**
 * Picks one action from a compound Table E.1-1 entry (the choice depends on the IOD type, which a
 * file does not state): keep the element present and valid where we can, and drop a sequence
 * rather than leave it empty (an empty sequence is invalid where the sequence is Type 1 or 3).
 */
function pickCompound(basic: string, vr?: string, tag?: number): ElementAction {
  if (basic.includes("U")) return "U";
  if (vr === "SQ" && basic.includes("X") && !basic.includes("D")) return tag !== undefined && TYPE2_SEQUENCES.has(tag) ? "Z" : "X";
  if (basic.includes("D")) return "D";
  if (basic.includes("Z")) return "Z";
  if (basic.includes("X")) return "X";
  if (basic === "K" || basic === "C") return basic;
  throw new RayvaultError(ErrorCode.DeidUnsupported, `profile action "${basic}" is not understood`);
}

const DATE_VRS = new Set(["DA", "DT", "TM"]);

/** X/Z sequences that are Type 2 where they occur, so they are emptied rather than removed (PS3.3). */
const TYPE2_SEQUENCES = new Set([0x00400555 /* Acquisition Context Sequence, C.7.6.14 */]);

/** SR content item text (TextValue, UnformattedTextValue): cleaned, not replaced, under Clean Structured Content. */
const STRUCTURED_CONTENT_TEXT = new Set([0x0040a160, 0x00700006]);

export interface ActionContext {
  readonly tag: number;
  readonly vr: string;
  readonly options: ReadonlySet<ProfileOption>;
  /** The private creator owning a private data element, if any. */
  readonly privateCreator?: string | undefined;
  /** The element's text, for the UID rule (standard UIDs are kept). */
  readonly text?: string;
}

function withOptions(row: ProfileTableRow, ctx: ActionContext): ResolvedAction {
  const [id, , basic, optionColumns] = row;
  const label = id === "private" ? "private" : formatTag(ctx.tag);
  let chosen: { action: ElementAction; option: ProfileOption } | undefined;
  for (const option of ctx.options) {
    const v = optionColumns[OPTION_INFO[option].column];
    if (v === undefined) continue;
    const action: ElementAction = v === "C" && DATE_VRS.has(ctx.vr) && option === ProfileOption.RetainLongitudinalModifiedDates ? "shift" : pickCompound(v, ctx.vr, ctx.tag);
    // Precedence when several options speak: keep beats clean beats anything else.
    const rank = (a: ElementAction): number => (a === "K" ? 3 : a === "shift" ? 2 : a === "C" ? 1 : 0);
    if (!chosen || rank(action) > rank(chosen.action)) chosen = { action, option };
  }
  if (chosen) return { action: chosen.action, basic, rule: `PS3.15 E.1-1 ${label} ${OPTION_INFO[chosen.option].meaning}: ${chosen.action === "shift" ? "C (date shift)" : chosen.action}` };
  return { action: pickCompound(basic, ctx.vr, ctx.tag), basic, rule: `PS3.15 E.1-1 ${label} Basic Profile: ${basic}` };
}

/** The action for one element (meta group 0002 is rebuilt, not resolved here). */
export function resolveAction(ctx: ActionContext): ResolvedAction {
  const { tag, vr, options } = ctx;
  if (elementOf(tag) === 0x0000) return { action: "X", basic: "X", rule: "group length: recomputed or dropped" };
  if (isPrivateTag(tag)) {
    if (options.has(ProfileOption.RetainSafePrivate)) {
      if (isPrivateCreator(tag)) return { action: "K", basic: "X", rule: "private creator kept with its safe private elements" };
      if (isSafePrivate(ctx.privateCreator, tag)) {
        return { action: "K", basic: "X", rule: "PS3.15 E.3.10-1 safe private attribute (Retain Safe Private Option)" };
      }
    }
    return { action: "X", basic: "X", rule: "PS3.15 E.1-1 private attributes: X" };
  }
  const row = profileRowFor(tag);
  if (row) return withOptions(row, ctx);
  const entry = lookupTag(tag);
  if (!entry) return { action: "X", basic: "X", rule: "rayvault: attribute unknown to PS3.6, removed (fail closed)" };
  if (vr === "SQ") return { action: "K", basic: "K", rule: "rayvault: sequence not in E.1-1, items de-identified" };
  if (vr === "UI") {
    const standard = (ctx.text ?? "").split("\\").every((u) => u === "" || u.startsWith("1.2.840.10008."));
    return standard
      ? { action: "K", basic: "K", rule: "rayvault: well-known DICOM UID kept" }
      : { action: "U", basic: "U", rule: "rayvault: instance UID not in E.1-1, replaced" };
  }
  if (DATE_VRS.has(vr)) {
    if (options.has(ProfileOption.RetainLongitudinalFullDates)) return { action: "K", basic: "Z", rule: "rayvault: date not in E.1-1, Full Dates Option" };
    if (options.has(ProfileOption.RetainLongitudinalModifiedDates)) return { action: "shift", basic: "Z", rule: "rayvault: date not in E.1-1, Modified Dates Option" };
    return { action: "Z", basic: "Z", rule: "rayvault: date not in E.1-1, emptied (fail closed)" };
  }
  if (isFreeTextVr(vr) || vr === "UN") {
    if (STRUCTURAL_TEXT_KEYWORDS.has(entry.keyword)) return { action: "K", basic: "K", rule: "rayvault: reviewed structural text" };
    if (options.has(ProfileOption.CleanStructuredContent) && STRUCTURED_CONTENT_TEXT.has(tag)) {
      return { action: "C", basic: "D", rule: "rayvault: structured content text, Clean Structured Content Option" };
    }
    return { action: "D", basic: "D", rule: `rayvault: free text ${keywordOf(tag)} not in E.1-1, replaced by a dummy (fail closed)` };
  }
  return { action: "K", basic: "K", rule: "rayvault: structural attribute not in E.1-1" };
}

