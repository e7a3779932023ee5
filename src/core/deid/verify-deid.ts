/**
 * @module core/deid/verify-deid
 * Verification before write: the de-identified output, parsed again from its own bytes, is searched in
 * every element (nested, private and UN included) for every identifying value found in the input, and
 * checked for structure the profile must have removed. Any residual is a refusal. Pure.
 */
import type { DicomElement, DicomFile } from "../dicom/dataset.ts";
import { elementOf, formatTag, groupOf, isPrivateCreator, isPrivateTag, Tags } from "../dicom/dictionary.ts";
import { codecOfDataset, elementText, type TextCodec } from "../dicom/text.ts";
import { isTextVr } from "../dicom/vr.ts";
import { identifierTokens } from "../phi/find-text-phi.ts";
import type { PhiFinding, SafeHarborCategory } from "../phi/phi-finding.ts";
import { RAYVAULT_WRITTEN_TAGS } from "./deidentify-dicom.ts";
import { ProfileOption, resolveAction } from "./profile.ts";

/** A value that must not appear in the output, with its category (for the refusal reason). */
export interface SensitiveValue {
  readonly token: string;
  readonly category: SafeHarborCategory;
  readonly field: string;
}

export interface Residual {
  /** Where in the output; never the value. */
  readonly where: string;
  readonly reason: string;
}

const MIN_TOKEN = 4;

/** Which categories the chosen options deliberately keep (so they are not held against the output). */
function retainedCategories(options: ReadonlySet<ProfileOption>): Set<string> {
  const kept = new Set<string>();
  if (options.has(ProfileOption.RetainLongitudinalFullDates)) kept.add("dates");
  if (options.has(ProfileOption.RetainUids)) kept.add("uid");
  if (options.has(ProfileOption.RetainDeviceIdentity)) kept.add("device-id");
  if (options.has(ProfileOption.RetainInstitutionIdentity)) kept.add("institution");
  return kept;
}

/**
 * The tokens to look for in the output, from the input's findings. Values the options keep, times of day,
 * and tokens too short to search for are left out.
 */
export function sensitiveValuesOf(findings: readonly PhiFinding[], options: ReadonlySet<ProfileOption>): SensitiveValue[] {
  const retained = retainedCategories(options);
  const out = new Map<string, SensitiveValue>();
  for (const f of findings) {
    if (f.value.startsWith("(")) continue; // structural findings carry a description, not a value
    // Private values and free-text descriptions are removed by structure (checked below), not searched
    // for: only identifiers with a value of their own, and anything a pattern recognised, are tokens.
    if (f.source !== "pattern" && (f.field.startsWith("Private") || (f.category === "other-unique" && !/UID/.test(f.field)))) continue;
    if (/Time$/.test(f.field) && !/DateTime$/.test(f.field)) continue;
    if (f.element && f.source !== "pattern" && resolveAction({ tag: f.element.tag, vr: f.element.vr, options, text: f.value }).action === "K") continue;
    if (f.category === "dates" && retained.has("dates")) continue;
    if (/UID/.test(f.field) && retained.has("uid")) continue;
    if (f.category === "device-id" && retained.has("device-id")) continue;
    if (/^Institution/.test(f.field) && retained.has("institution")) continue;
    if (options.has(ProfileOption.RetainPatientCharacteristics) && /^Patient(Sex|Age|Size|Weight)|EthnicGroup|SmokingStatus|PregnancyStatus/.test(f.field)) continue;
    const tokens = /Name|^Private/.test(f.field) || f.category === "names" ? identifierTokens(f.value) : f.value.split("\\").map((v) => v.trim());
    for (const token of tokens) {
      if (token.length < (f.category === "names" ? 3 : MIN_TOKEN)) continue;
      if (/^\d+$/.test(token) && token.length < 6) continue;
      if (/^(REMOVED|ANONYMIZED|YES|NO|NONE|UNKNOWN)$/i.test(token)) continue;
      out.set(token.toUpperCase(), { token: token.toUpperCase(), category: f.category, field: f.field });
    }
  }
  return [...out.values()];
}

const latin1 = new TextDecoder("latin1");

/** Records every sensitive token found in one element's text. */
function searchTokens(hay: string, where: string, sensitive: readonly SensitiveValue[], residuals: Residual[]): void {
  if (hay === "") return;
  for (const s of sensitive) {
    if (containsToken(hay, s.token)) residuals.push({ where, reason: `identifier (${s.category}, from ${s.field}) still present` });
  }
}

/** Whole-token match (letters and digits around it do not count as the token), as the cleaner matches. */
export function containsToken(haystack: string, token: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(token, from);
    if (at < 0) return false;
    const before = haystack[at - 1];
    const after = haystack[at + token.length];
    const alnum = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
    if (!alnum(before) && !alnum(after)) return true;
    from = at + 1;
  }
}

function haystackOf(e: DicomElement, codec: TextCodec): string {
  if (!e.value) return "";
  // Code strings hold defined terms (ORIGINAL, PRIMARY…), never free identifiers.
  if (e.vr === "CS") return "";
  const text = isTextVr(e.vr) ? elementText(e, codec) : latin1.decode(e.value);
  return text.toUpperCase();
}

function check(elements: readonly DicomElement[], path: string, inherited: TextCodec, sensitive: readonly SensitiveValue[], options: ReadonlySet<ProfileOption>, residuals: Residual[], topLevel: boolean, inRecord = false): void {
  const codec = codecOfDataset(elements, inherited);
  for (const e of elements) {
    const where = path === "" ? formatTag(e.tag) : `${path}.${formatTag(e.tag)}`;
    if (isPrivateTag(e.tag) && !options.has(ProfileOption.RetainSafePrivate)) {
      residuals.push({ where, reason: "private element survived" });
    }
    if (groupOf(e.tag) >= 0x6000 && groupOf(e.tag) <= 0x60ff && elementOf(e.tag) === 0x3000) {
      residuals.push({ where, reason: "overlay data survived" });
    }
    if (!(topLevel && RAYVAULT_WRITTEN_TAGS.has(e.tag)) && !isPrivateTag(e.tag) && !isPrivateCreator(e.tag)) {
      const text = e.value && isTextVr(e.vr) ? elementText(e, codec) : "";
      const { action } = resolveAction({ tag: e.tag, vr: e.vr, options, text });
      // Directory records keep removed keys present but empty (PS3.3 F.5 requires them).
      const emptyRecordKey = inRecord && (e.value?.length ?? 0) === 0 && !e.items;
      if (action === "X" && !emptyRecordKey) residuals.push({ where, reason: "element the profile removes is present" });
    }
    if (e.items) {
      e.items.forEach((item, i) => check(item.elements, `${where}[${i}]`, codec, sensitive, options, residuals, false, e.tag === Tags.DirectoryRecordSequence));
      continue;
    }
    if (e.range || e.tag === Tags.PixelData) continue;
    const hay = haystackOf(e, codec);
    if (hay === "") continue;
    searchTokens(hay, where, sensitive, residuals);
  }
}

/** Every residual in a parsed output file: values from the input, or structure the profile forbids. */
export function verifyDeidentified(output: DicomFile, sensitive: readonly SensitiveValue[], options: ReadonlySet<ProfileOption>): Residual[] {
  const residuals: Residual[] = [];
  const codec = codecOfDataset(output.dataset);
  const allowedMeta = new Set([0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013]);
  for (const e of output.meta) {
    if (!allowedMeta.has(e.tag)) residuals.push({ where: formatTag(e.tag), reason: "file meta element outside the rebuilt set" });
  }
  for (const e of output.meta) searchTokens(haystackOf(e, codec), formatTag(e.tag), sensitive, residuals);
  check(output.dataset, "", codec, sensitive, options, residuals, true);
  const isDicomdir = output.dataset.some((e) => e.tag === Tags.DirectoryRecordSequence);
  if (!isDicomdir) {
    const removed = output.dataset.find((e) => e.tag === Tags.PatientIdentityRemoved);
    if (!removed?.value || latin1.decode(removed.value).trim() !== "YES") residuals.push({ where: formatTag(Tags.PatientIdentityRemoved), reason: "Patient Identity Removed is not YES" });
  }
  return residuals;
}
