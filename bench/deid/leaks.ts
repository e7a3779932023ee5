/**
 * @module bench/deid/leaks
 * Leak counting for the de-identification benchmark: the planted identifiers of each input file (from
 * syntheticPatient plus its original UIDs), searched for in an output file's raw bytes (latin1).
 * Results name only the kind of identifier that survived, never its value.
 */
import { syntheticPatient } from "../../test/fixtures/synthetic-dicom.ts";
import type { InputFileInfo } from "./inputs.ts";

/** Kinds reported; several needles can share a kind (e.g. both name parts are "name"). */
export const LEAK_KINDS = [
  "name", "id", "dates", "accession", "institution", "address", "phone", "referring", "private", "device-serial", "uids",
] as const;
export type LeakKind = (typeof LEAK_KINDS)[number];

export interface Needle {
  readonly kind: LeakKind;
  /** What the needle is, safe to print (e.g. "PatientName part 1"), never the value. */
  readonly what: string;
  readonly bytes: Buffer;
  /** UIDs must not be followed or preceded by [0-9.], so a UID is not found inside a longer one. */
  readonly uidBoundary: boolean;
}

/** Shorter name components ("Q", "DR") would match by chance; they are not searched. */
const MIN_PART = 3;

export function needlesFor(file: InputFileInfo): Needle[] {
  const p = syntheticPatient(file.patient);
  const text = (kind: LeakKind, what: string, value: string): Needle => ({ kind, what, bytes: Buffer.from(value, "latin1"), uidBoundary: false });
  const parts = (kind: LeakKind, what: string, value: string): Needle[] =>
    value
      .split("^")
      .map((v, i) => ({ v: v.trim(), i }))
      .filter(({ v }) => v.length >= MIN_PART)
      .map(({ v, i }) => text(kind, `${what} component ${i + 1}`, v));
  const uids = new Map<string, string>();
  for (const u of file.uids) uids.set(u.value, u.tag);
  // The generator's study/series UIDs come from syntheticPatient too; include them even if not read back.
  if (!uids.has(p.studyUid)) uids.set(p.studyUid, "StudyInstanceUID");
  if (!uids.has(p.seriesUid)) uids.set(p.seriesUid, "SeriesInstanceUID");
  return [
    ...parts("name", "PatientName", p.name),
    text("id", "PatientID", p.id),
    text("dates", "PatientBirthDate", p.birthDate),
    text("dates", "StudyDate", p.studyDate),
    text("accession", "AccessionNumber", p.accession),
    text("institution", "InstitutionName", p.institution),
    text("address", "PatientAddress/InstitutionAddress", p.address),
    text("phone", "telephone numbers", p.phone),
    ...parts("referring", "ReferringPhysicianName", p.referring),
    // The generator's private block (0009,1001) holds "<name> <id>".
    text("private", "private (0009,1001) text", `${p.name} ${p.id}`),
    // DeviceSerialNumber is derived from the MRN: "SN-<last 6 of id>".
    text("device-serial", "DeviceSerialNumber", `SN-${p.id.slice(-6)}`),
    ...[...uids].map(([value, tag]) => ({ kind: "uids" as const, what: tag, bytes: Buffer.from(value, "latin1"), uidBoundary: true })),
  ];
}

function isUidChar(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || b === 0x2e);
}

function occurs(hay: Buffer, n: Needle): boolean {
  let from = 0;
  for (;;) {
    const at = hay.indexOf(n.bytes, from);
    if (at < 0) return false;
    if (!n.uidBoundary || (!isUidChar(hay[at - 1]) && !isUidChar(hay[at + n.bytes.length]))) return true;
    from = at + 1;
  }
}

export interface FileLeaks {
  /** Needles found, by kind (a kind counts once per needle found). */
  readonly found: Needle[];
  readonly searched: number;
}

export function leaksIn(bytes: Buffer, needles: readonly Needle[]): FileLeaks {
  return { found: needles.filter((n) => occurs(bytes, n)), searched: needles.length };
}

export interface LeakSummary {
  /** Planted strings found in outputs (one per needle per file). */
  total: number;
  filesWithLeaks: number;
  filesChecked: number;
  needlesSearched: number;
  byKind: Partial<Record<LeakKind, number>>;
}

export function emptySummary(): LeakSummary {
  return { total: 0, filesWithLeaks: 0, filesChecked: 0, needlesSearched: 0, byKind: {} };
}

export function addLeaks(s: LeakSummary, f: FileLeaks): void {
  s.filesChecked++;
  s.needlesSearched += f.searched;
  s.total += f.found.length;
  if (f.found.length > 0) s.filesWithLeaks++;
  for (const n of f.found) s.byKind[n.kind] = (s.byKind[n.kind] ?? 0) + 1;
}

/** "dates 40, private 20" in LEAK_KINDS order; "-" if nothing leaked. */
export function renderKinds(s: LeakSummary): string {
  const parts = LEAK_KINDS.filter((k) => (s.byKind[k] ?? 0) > 0).map((k) => `${k} ${s.byKind[k]}`);
  return parts.length > 0 ? parts.join(", ") : "-";
}
