/**
 * @module core/delivery/push-bundle
 * The form a DICOM push waits in the outbox: the prepared Part 10 files one after another, each with its
 * length, kept encrypted in the vault like a message; and, for each file, what its C-STORE needs — the
 * SOP class and instance, the transfer syntax, and the data set's bytes after the file meta, which are
 * sent exactly as prepared.
 */
import { ErrorCode, RayvaultError } from "../errors.ts";
import { Tags } from "../dicom/dictionary.ts";
import { findElement } from "../dicom/dataset.ts";
import { parseDicom } from "../dicom/parse-dicom.ts";
import { memorySource } from "../../ports/byte-source.ts";
import type { OutgoingInstance } from "../../ports/dicom-network.ts";

const MAGIC = new TextEncoder().encode("RVPUSH1\n");

/** The bundle's bytes: magic, then (8-byte big-endian length, file) for each file. */
export async function* bundleFiles(files: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield MAGIC;
  for await (const f of files) {
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, BigInt(f.length));
    yield len;
    yield f;
  }
}

/** The files of a bundle (views into `bytes`). */
export function unbundleFiles(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length < MAGIC.length || !MAGIC.every((b, i) => bytes[i] === b)) throw new RayvaultError(ErrorCode.VaultCorrupt, "a queued DICOM push is not a push bundle");
  const out: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let pos = MAGIC.length;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) throw new RayvaultError(ErrorCode.VaultCorrupt, "a queued DICOM push is truncated");
    const len = Number(dv.getBigUint64(pos));
    pos += 8;
    if (pos + len > bytes.length) throw new RayvaultError(ErrorCode.VaultCorrupt, "a queued DICOM push is truncated");
    out.push(bytes.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}

const text = (v: Uint8Array | undefined): string => (v ? new TextDecoder("latin1").decode(v).replace(/[\0 ]+$/, "").trim() : "");

/** What a C-STORE of this Part 10 file sends: identity from the file meta, the data set as it is encoded. */
export function outgoingInstance(file: Uint8Array): OutgoingInstance {
  const parsed = parseDicom(memorySource(file));
  const groupLength = findElement(parsed.meta, Tags.FileMetaInformationGroupLength);
  if (!parsed.hasPreamble || !groupLength?.value || groupLength.value.length !== 4) throw new RayvaultError(ErrorCode.DicomMalformed, "a prepared file has no file meta group length");
  const start = 132 + 12 + new DataView(groupLength.value.buffer, groupLength.value.byteOffset, 4).getUint32(0, true);
  const sopClassUid = text(findElement(parsed.meta, Tags.MediaStorageSOPClassUID)?.value);
  const sopInstanceUid = text(findElement(parsed.meta, Tags.MediaStorageSOPInstanceUID)?.value);
  const transferSyntaxUid = text(findElement(parsed.meta, Tags.TransferSyntaxUID)?.value);
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid) throw new RayvaultError(ErrorCode.DicomMalformed, "a prepared file's meta lacks its SOP class, instance or transfer syntax");
  return { sopClassUid, sopInstanceUid, transferSyntaxUid, dataset: file.subarray(start) };
}
