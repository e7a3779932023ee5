/**
 * @module core/phi/find-dicom-phi
 * Finds PHI in a parsed DICOM file: every attribute of every dataset (file meta, nested sequences to any
 * depth, private elements including UN and private sequences, DICOMDIR records, overlays, icon images),
 * each with its Safe Harbor category and PS3.15 action, plus free-text patterns and the burned-in text risk.
 * Pure: takes a parsed file, returns findings; values stay in memory.
 */
import type { DicomElement, DicomFile } from "../dicom/dataset.ts";
import { elementOf, formatTag, groupOf, isPrivateCreator, isPrivateTag, keywordOf, lookupTag, tagForKeyword, Tags } from "../dicom/dictionary.ts";
import { codecOfDataset, elementText, type TextCodec } from "../dicom/text.ts";
import { isFreeTextVr, isTextVr } from "../dicom/vr.ts";
import { resolveAction } from "../deid/profile.ts";
import { assessBurnedInRiskCached, type BurnedInRisk } from "./burned-in-risk.ts";
import { findTextPhi, type KnownIdentifier } from "./find-text-phi.ts";
import { DeidAction, FindingSource, SafeHarborCategory, type PhiFinding } from "./phi-finding.ts";

/** Keyword patterns → Safe Harbor category, first match wins. */
const CATEGORY_RULES: ReadonlyArray<readonly [RegExp, SafeHarborCategory]> = [
  [/^(PatientID|OtherPatientIDs|OtherPatientIDsSequence|IssuerOfPatientID|MedicalRecordLocator|PatientIDsInSequence|TypeOfPatientID)$/, SafeHarborCategory.Mrn],
  [/Telephone|Telecom/, SafeHarborCategory.Phone],
  [/Fax/, SafeHarborCategory.Fax],
  [/ElectronicMail|EMail|Email/, SafeHarborCategory.Email],
  [/SocialSecurity|SSN/, SafeHarborCategory.Ssn],
  [/Insurance|PlanIdentification|Payer/, SafeHarborCategory.HealthPlan],
  [/^AccessionNumber$|Account|AdmissionID|ServiceEpisodeID|VisitID|RequestedProcedureID|FillerOrderNumber|PlacerOrderNumber|StudyID$/, SafeHarborCategory.Account],
  [/License|Certificate/, SafeHarborCategory.License],
  [/URL|URI|RetrieveLocation/, SafeHarborCategory.Url],
  [/NetworkAddress|IPAddress/, SafeHarborCategory.Ip],
  [/SerialNumber|DeviceUID|DeviceID|StationName|StationAETitle|UDI|DetectorID|GantryID|SourceSerialNumber|PlateID|CassetteID|Device/, SafeHarborCategory.DeviceId],
  [/Address|Country|Region|City|PostalCode|Residence|Geographic|Location|InstitutionName|InstitutionalDepartment/, SafeHarborCategory.Geography],
  [/Age$|Date|Time$|DateTime/, SafeHarborCategory.Dates],
  [/Photo|FaceImage/, SafeHarborCategory.FacePhoto],
];

export function categoryFor(keyword: string, vr: string): SafeHarborCategory {
  if (vr === "PN") return SafeHarborCategory.Names;
  if (vr === "DA" || vr === "DT" || vr === "TM" || vr === "AS") return SafeHarborCategory.Dates;
  for (const [re, cat] of CATEGORY_RULES) if (re.test(keyword)) return cat;
  return SafeHarborCategory.OtherUnique;
}

export interface DicomPhiReport {
  readonly findings: PhiFinding[];
  readonly burnedIn: BurnedInRisk;
  /** Names and ids from this header, for matching free text elsewhere. */
  readonly knownIdentifiers: KnownIdentifier[];
  /** Parser warnings (structure only, no values). */
  readonly warnings: string[];
}

const latin1 = new TextDecoder("latin1");

/** Printable text hidden in binary/UN values (private blobs), for pattern matching. */
function printableRuns(bytes: Uint8Array): string {
  return latin1.decode(bytes).replace(/[^\x20-\x7e\xa0-\xff]+/g, " ").trim();
}

const NAME_KEYWORDS = [
  "PatientName", "OtherPatientNames", "PatientBirthName", "PatientMotherBirthName", "ReferringPhysicianName",
  "PerformingPhysicianName", "OperatorsName", "NameOfPhysiciansReadingStudy", "PhysiciansOfRecord",
  "RequestingPhysician", "ResponsiblePerson", "PatientID", "OtherPatientIDs", "AccessionNumber", "InstitutionName",
];

/** Identifiers of this header worth looking for in free text (names, ids, institution). */
export function knownIdentifiersOf(dataset: readonly DicomElement[], codec: TextCodec): KnownIdentifier[] {
  const out: KnownIdentifier[] = [];
  for (const keyword of NAME_KEYWORDS) {
    const tag = tagForKeyword(keyword);
    const e = tag === undefined ? undefined : dataset.find((x) => x.tag === tag);
    if (!e?.value) continue;
    const text = elementText(e, codec);
    if (text.trim() === "") continue;
    out.push({ text, category: categoryFor(keyword, e.vr) });
  }
  return out;
}

/** A header look-up for the burned-in rules: top-level values by keyword. */
export function headerLookup(file: DicomFile): (keyword: string) => string | undefined {
  const codec = codecOfDataset(file.dataset);
  const memo = new Map<string, string | undefined>();
  return (keyword) => {
    if (memo.has(keyword)) return memo.get(keyword);
    const value = lookup(keyword);
    memo.set(keyword, value);
    return value;
  };
  function lookup(keyword: string): string | undefined {
    const tag = tagForKeyword(keyword);
    if (tag === undefined) return undefined;
    const e = file.dataset.find((x) => x.tag === tag) ?? file.meta.find((x) => x.tag === tag);
    if (!e) return undefined;
    if (e.value && (isTextVr(e.vr) || e.vr === "UN")) return elementText(e, codec);
    if (e.value && e.vr === "US" && e.value.length >= 2) return String(e.value[0]! | (e.value[1]! << 8));
    return "";
  }
}

interface Walk {
  readonly findings: PhiFinding[];
  readonly known: KnownIdentifier[];
}

function pathOf(prefix: string, tag: number): string {
  return prefix === "" ? formatTag(tag) : `${prefix}.${formatTag(tag)}`;
}

function walk(elements: readonly DicomElement[], prefix: string, inherited: TextCodec, w: Walk): void {
  const codec = codecOfDataset(elements, inherited);
  let creators = new Map<number, string>();
  for (const e of elements) {
    if (isPrivateCreator(e.tag) && e.value) creators = creators.set((groupOf(e.tag) << 8) | elementOf(e.tag), elementText(e, codec));
  }
  for (const e of elements) {
    const where = pathOf(prefix, e.tag);
    if (e.items) {
      if (isPrivateTag(e.tag) && !isPrivateCreator(e.tag)) {
        w.findings.push({
          where, field: "Private", category: SafeHarborCategory.OtherUnique, action: DeidAction.Remove,
          source: FindingSource.Structure, rule: "PS3.15 E.1-1 private attributes: X (private sequence)", value: `(${e.items.length} items)`,
        });
      } else if (e.tag === Tags.IconImageSequence) {
        w.findings.push({
          where, field: "IconImageSequence", category: SafeHarborCategory.OtherUnique, action: DeidAction.Remove,
          source: FindingSource.Structure, rule: "PS3.15 E.1-1 (0088,0200) X: an icon can show burned-in text", value: "(icon image)",
        });
      }
      e.items.forEach((item, i) => walk(item.elements, `${where}[${i}]`, codec, w));
      continue;
    }
    if (elementOf(e.tag) === 0 || isPrivateCreator(e.tag)) continue;
    const keyword = keywordOf(e.tag);
    if ((groupOf(e.tag) & 0xff01) === 0x6000 && elementOf(e.tag) === 0x3000) {
      w.findings.push({
        where, field: "OverlayData", category: SafeHarborCategory.OtherUnique, action: DeidAction.Remove,
        source: FindingSource.Structure, rule: "PS3.15 E.1-1 (60xx,3000) X: overlays can carry burned-in text", value: "(overlay bitmap)",
      });
      continue;
    }
    const text = e.value ? (isTextVr(e.vr) ? elementText(e, codec) : e.vr === "UN" || e.vr === "OB" || isPrivateTag(e.tag) ? printableRuns(e.value) : "") : "";
    const privateCreator = isPrivateTag(e.tag) ? creators.get((groupOf(e.tag) << 8) | (elementOf(e.tag) >> 8)) : undefined;
    const resolved = resolveAction({ tag: e.tag, vr: e.vr, options: new Set(), privateCreator, text });
    const hasValue = text.trim() !== "";
    if (isPrivateTag(e.tag)) {
      if (hasValue) {
        w.findings.push({
          where, field: `Private${privateCreator ? `[${privateCreator}]` : ""}`, category: SafeHarborCategory.OtherUnique,
          action: DeidAction.Remove, source: FindingSource.ProfileRule, rule: resolved.rule, value: text,
        });
      }
    } else if (hasValue && resolved.action !== "K") {
      const entry = lookupTag(e.tag);
      w.findings.push({
        where, field: keyword, category: categoryFor(entry?.keyword ?? keyword, e.vr),
        action: resolved.action === "shift" ? DeidAction.Clean : resolved.action, source: FindingSource.ProfileRule,
        rule: resolved.rule, value: text, element: { tag: e.tag, vr: e.vr },
      });
      if (e.vr === "PN" || /PatientID|OtherPatientIDs/.test(keyword)) w.known.push({ text, category: categoryFor(keyword, e.vr) });
    }
    // Identifiers hiding in text the profile would keep or only clean.
    if (hasValue && (isFreeTextVr(e.vr) || e.vr === "UN" || isPrivateTag(e.tag)) && (resolved.action === "K" || resolved.action === "C" || isPrivateTag(e.tag))) {
      for (const span of findTextPhi(text, w.known)) {
        w.findings.push({
          where: `${where}:${span.start}-${span.end}`, field: keyword, category: span.category,
          action: isPrivateTag(e.tag) ? DeidAction.Remove : DeidAction.Clean, source: FindingSource.Pattern,
          rule: `pattern ${span.pattern} in ${keyword}`, value: span.text,
        });
      }
    }
  }
}

const META_PHI: ReadonlyArray<readonly [number, string, SafeHarborCategory]> = [
  [0x00020016, "SourceApplicationEntityTitle", SafeHarborCategory.DeviceId],
  [0x00020017, "SendingApplicationEntityTitle", SafeHarborCategory.DeviceId],
  [0x00020018, "ReceivingApplicationEntityTitle", SafeHarborCategory.DeviceId],
  [0x00020003, "MediaStorageSOPInstanceUID", SafeHarborCategory.OtherUnique],
  [0x00020100, "PrivateInformationCreatorUID", SafeHarborCategory.OtherUnique],
  [0x00020102, "PrivateInformation", SafeHarborCategory.OtherUnique],
];

export function findDicomPhi(file: DicomFile): DicomPhiReport {
  const codec = codecOfDataset(file.dataset);
  const w: Walk = { findings: [], known: knownIdentifiersOf(file.dataset, codec) };
  for (const [tag, field, category] of META_PHI) {
    const e = file.meta.find((x) => x.tag === tag);
    if (!e?.value) continue;
    const value = tag === 0x00020102 ? printableRuns(e.value) : elementText(e, codec);
    if (value.trim() === "") continue;
    w.findings.push({
      where: formatTag(tag), field, category, action: tag === 0x00020003 ? DeidAction.ReplaceUid : DeidAction.Remove,
      source: FindingSource.ProfileRule, rule: "PS3.10 file meta: rebuilt by Rayvault", value,
    });
  }
  walk(file.dataset, "", codec, w);
  return { findings: w.findings, burnedIn: assessBurnedInRiskCached(headerLookup(file)), knownIdentifiers: w.known, warnings: file.warnings };
}
