/**
 * @module adapters/fs/write-chunks
 * Writes serialised chunks to a file: new bytes as they are, source ranges copied in 1 MiB pieces,
 * so a 500 MB multi-frame file is written in constant memory. fsyncs before returning.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import type { ByteSource } from "../../ports/byte-source.ts";
import type { Chunk } from "../../core/dicom/write-dicom.ts";

const PIECE = 1024 * 1024;

export function writeChunksToFile(path: string, chunks: readonly Chunk[], source: ByteSource): void {
  const fd = openSync(path, "wx", 0o600);
  try {
    for (const c of chunks) {
      if (c instanceof Uint8Array) {
        writeAll(fd, c);
        continue;
      }
      for (let off = 0; off < c.length; off += PIECE) {
        writeAll(fd, source.read(c.offset + off, Math.min(PIECE, c.length - off)));
      }
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
