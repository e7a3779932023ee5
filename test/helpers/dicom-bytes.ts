/**
 * @module test/helpers/dicom-bytes
 * Byte-level helpers for comparing DICOM files: the data set after the file meta (what a network peer
 * sends and receives, whatever meta each side writes), an instance handed to a receiver as the listener
 * hands it (in P-DATA fragments), and the bodies of a multipart/related response.
 */
import type { ArrivingInstance, ReceiverSession } from "../../src/app/receive-dicom.ts";

/** The bytes after the preamble and the file meta group (by its group length). */
export function datasetOf(file: Uint8Array): Buffer {
  const b = Buffer.from(file.buffer, file.byteOffset, file.length);
  if (b.subarray(128, 132).toString("latin1") !== "DICM") throw new Error("not a Part 10 file");
  const groupLength = b.readUInt32LE(140);
  return b.subarray(144 + groupLength);
}

/**
 * An instance as the DICOM listener hands it to a receiver's session: announced by its command, then its
 * data set (a Part 10 file's, after the file meta) in fragments of a 16 KiB PDU's size.
 */
export function arrive(session: ReceiverSession, sopClassUid: string, sopInstanceUid: string, file: Uint8Array, transferSyntaxUid = "1.2.840.10008.1.2.1"): ArrivingInstance {
  const instance = session.begin({ sopClassUid, sopInstanceUid, transferSyntaxUid });
  const data = datasetOf(file);
  for (let at = 0; at < data.length; at += 16372) instance.add(data.subarray(at, at + 16372));
  return instance;
}

/** The part bodies of a multipart/related body (RFC 2046), headers dropped. */
export function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error("no boundary");
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString("latin1") === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    parts.push(part.subarray(headerEnd + 4, part.length - 2));
    pos = next;
  }
  return parts;
}
