/**
 * @module core/deid/dicomdir
 * Keeps a DICOMDIR consistent after its records were de-identified: directory record offsets
 * (PS3.10 §7.3, PS3.3 F.3) are byte positions in the file, so they are recomputed from where each
 * record lands in the output. Referenced File IDs are checked to stay inside the file set. Pure.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";
import type { DicomElement, DicomItem } from "../dicom/dataset.ts";
import { findElement } from "../dicom/dataset.ts";
import { Tags } from "../dicom/dictionary.ts";
import { serializeDicom, type Serialized, type WriteInput } from "../dicom/write-dicom.ts";
import type { SourceRange } from "../dicom/dataset.ts";

const latin1 = new TextDecoder("latin1");

export function isDicomdir(dataset: readonly DicomElement[]): boolean {
  return dataset.some((e) => e.tag === Tags.DirectoryRecordSequence);
}

function readUl(e: DicomElement | undefined, little: boolean): number | undefined {
  if (!e?.value || e.value.length < 4) return undefined;
  return new DataView(e.value.buffer, e.value.byteOffset, 4).getUint32(0, little);
}

function ul(v: number, little: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, little);
  return b;
}

/** Referenced File ID components (PS3.10 §8.2): relative, no "..", at most 8 levels. Returns a relative path. */
export function referencedFilePath(e: DicomElement): string {
  const raw = latin1.decode(e.value ?? new Uint8Array(0)).replace(/[\0 ]+$/, "");
  const parts = raw.split("\\").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === "" || p === "." || p === ".." || /[/:]/.test(p))) {
    throw new RayvaultError(ErrorCode.UnsafePath, "DICOMDIR Referenced File ID points outside the file set");
  }
  return parts.join("/");
}

/** Every Referenced File ID of a DICOMDIR, validated. */
export function referencedFiles(dataset: readonly DicomElement[]): string[] {
  const seq = findElement(dataset, Tags.DirectoryRecordSequence);
  const out: string[] = [];
  for (const item of seq?.items ?? []) {
    const ref = findElement(item.elements, Tags.ReferencedFileID);
    if (ref?.value && ref.value.length > 0) out.push(referencedFilePath(ref));
  }
  return out;
}

/**
 * Serialises a de-identified DICOMDIR with every offset pointing at the same record as before.
 * `dataset` items keep the source offset of the record they came from.
 */
export function serializeDicomdir(input: WriteInput, readRange: (r: SourceRange) => Uint8Array): Serialized {
  const little = input.transferSyntax.littleEndian;
  const first = serializeDicom(input, readRange);
  const seq = findElement(input.dataset, Tags.DirectoryRecordSequence);
  const newOffset = new Map<number, number>();
  for (const item of seq?.items ?? []) {
    const at = first.itemOffsets.get(item);
    if (at !== undefined) newOffset.set(item.offset, at);
  }
  const remap = (elements: DicomElement[], tag: number): void => {
    const i = elements.findIndex((x) => x.tag === tag);
    const e = elements[i];
    const old = readUl(e, little);
    if (!e || old === undefined || old === 0) return;
    const mapped = newOffset.get(old);
    if (mapped === undefined) throw new RayvaultError(ErrorCode.DicomMalformed, "DICOMDIR offset points to no directory record");
    elements[i] = { ...e, value: ul(mapped, little) };
  };
  const top = [...input.dataset];
  remap(top, Tags.OffsetOfFirstRootRecord);
  remap(top, Tags.OffsetOfLastRootRecord);
  for (const item of seq?.items ?? []) {
    remap(item.elements, Tags.OffsetOfNextRecord);
    remap(item.elements, Tags.OffsetOfLowerLevelEntity);
  }
  return serializeDicom({ ...input, dataset: top }, readRange);
}

/**
 * For every directory record, the PATIENT record it belongs to, found by following the offsets
 * (lower-level entity, then next record at each level), so record order in the file does not matter.
 */
export function patientRecordOf(dataset: readonly DicomElement[], littleEndian: boolean): Map<DicomItem, DicomItem> {
  const seq = findElement(dataset, Tags.DirectoryRecordSequence);
  const items = seq?.items ?? [];
  const byOffset = new Map(items.map((i) => [i.offset, i]));
  const owner = new Map<DicomItem, DicomItem>();
  const typeOf = (i: DicomItem): string => latin1.decode(findElement(i.elements, Tags.DirectoryRecordType)?.value ?? new Uint8Array(0)).trim();
  for (const patient of items.filter((i) => typeOf(i) === "PATIENT")) {
    const stack = [readUl(findElement(patient.elements, Tags.OffsetOfLowerLevelEntity), littleEndian) ?? 0];
    const seen = new Set<number>();
    while (stack.length > 0) {
      let at = stack.pop()!;
      while (at !== 0 && !seen.has(at)) {
        seen.add(at);
        const rec = byOffset.get(at);
        if (!rec) break;
        owner.set(rec, patient);
        stack.push(readUl(findElement(rec.elements, Tags.OffsetOfLowerLevelEntity), littleEndian) ?? 0);
        at = readUl(findElement(rec.elements, Tags.OffsetOfNextRecord), littleEndian) ?? 0;
      }
    }
    owner.set(patient, patient);
  }
  return owner;
}
