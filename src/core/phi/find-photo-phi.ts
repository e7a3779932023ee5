/**
 * @module core/phi/find-photo-phi
 * Finds identifiers in photo metadata (EXIF, GPS, XMP, IPTC, maker notes, comments, embedded thumbnails)
 * as read by the metadata adapter, plus identifiers in any free text they hold. Every photo metadata
 * block is stripped on de-identification; findings say what was there and why it matters. Pure.
 */
import type { MetadataBlock } from "../photo/image-segments.ts";
import { findTextPhi, type KnownIdentifier } from "./find-text-phi.ts";
import { DeidAction, FindingSource, SafeHarborCategory, type PhiFinding } from "./phi-finding.ts";

/** Metadata as parsed per block: { gps: {GPSLatitude…}, ifd0: {Make…}, exif: {…}, xmp: {…}, iptc: {…} }. */
export type PhotoTags = Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;

export interface PhotoMetadata {
  readonly tags: PhotoTags;
  readonly blocks: readonly MetadataBlock[];
  /** An embedded thumbnail or preview image is present (it shows the picture before any redaction). */
  readonly hasThumbnail: boolean;
}

const FIELD_RULES: ReadonlyArray<readonly [RegExp, SafeHarborCategory]> = [
  // Blocks that could not be parsed field by field: anything may be in them.
  [/^(ExifBlock|XmpBlock|MetadataParseError)$/, SafeHarborCategory.OtherUnique],
  [/^GPS|latitude|longitude|Location|City|Country|State|Province|Sublocation|PostalCode|Address/i, SafeHarborCategory.Geography],
  [/Date|Time(?!Zone)/i, SafeHarborCategory.Dates],
  [/SerialNumber|ImageUniqueID|UniqueCameraModel|^Make$|^Model$|LensMake|LensModel|HostComputer|Software|MakerNote|DeviceSettingDescription|InternalSerial|DocumentID|InstanceID/i, SafeHarborCategory.DeviceId],
  [/Owner|Artist|Author|Creator|By-?line|Copyright|Credit|Contact|Writer|Person|Rights|Caption-?Writer/i, SafeHarborCategory.Names],
  [/Email/i, SafeHarborCategory.Email],
  [/Phone|Tel/i, SafeHarborCategory.Phone],
  [/URL|Url|WebStatement/i, SafeHarborCategory.Url],
  [/Comment|Description|Caption|Title|Keywords|Subject|Headline|Instructions|Notes|Label|XPComment|XPTitle|XPSubject|XPKeywords|XPAuthor|ObjectName/i, SafeHarborCategory.OtherUnique],
];

function categoryOf(field: string): SafeHarborCategory | undefined {
  for (const [re, cat] of FIELD_RULES) if (re.test(field)) return cat;
  return undefined;
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v instanceof Uint8Array) return `(binary ${v.length} bytes)`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(stringify).join(", ");
  try {
    return JSON.stringify(v);
  } catch {
    return "(value)";
  }
}

export function findPhotoPhi(meta: PhotoMetadata, known: readonly KnownIdentifier[] = []): PhiFinding[] {
  const findings: PhiFinding[] = [];
  for (const [block, fields] of Object.entries(meta.tags)) {
    if (!fields || typeof fields !== "object") continue;
    for (const [field, raw] of Object.entries(fields)) {
      const category = block === "gps" ? SafeHarborCategory.Geography : categoryOf(field);
      if (category === undefined) continue;
      const value = stringify(raw);
      if (value.trim() === "") continue;
      findings.push({
        where: `${block}.${field}`, field, category, action: DeidAction.Strip, source: FindingSource.PhotoMetadata,
        rule: `photo metadata ${block}: stripped`, value,
      });
      if (category === SafeHarborCategory.OtherUnique || category === SafeHarborCategory.Names) {
        for (const span of findTextPhi(value, known)) {
          findings.push({
            where: `${block}.${field}:${span.start}-${span.end}`, field, category: span.category, action: DeidAction.Strip,
            source: FindingSource.Pattern, rule: `pattern ${span.pattern} in photo ${field}`, value: span.text,
          });
        }
      }
    }
  }
  for (const b of meta.blocks) {
    const identifying = b.kind !== "JFIF" && b.kind !== "Adobe";
    if (!identifying) continue;
    findings.push({
      where: `${b.name}@${b.offset}`, field: b.kind, category: b.kind === "comment" || b.kind === "text" ? SafeHarborCategory.OtherUnique : SafeHarborCategory.DeviceId,
      action: DeidAction.Strip, source: FindingSource.Structure, rule: `photo ${b.kind} block (${b.length} bytes): stripped`,
      value: b.text.trim() === "" ? `(${b.kind} block)` : b.text.trim(),
    });
    for (const span of findTextPhi(b.text, known)) {
      findings.push({
        where: `${b.name}@${b.offset}:${span.start}-${span.end}`, field: b.kind, category: span.category, action: DeidAction.Strip,
        source: FindingSource.Pattern, rule: `pattern ${span.pattern} in ${b.kind}`, value: span.text,
      });
    }
  }
  if (meta.hasThumbnail) {
    findings.push({
      where: "thumbnail", field: "EmbeddedThumbnail", category: SafeHarborCategory.FacePhoto, action: DeidAction.Strip,
      source: FindingSource.Structure, rule: "embedded thumbnail shows the unredacted picture: stripped", value: "(thumbnail image)",
    });
  }
  return findings;
}
