/**
 * @module adapters/fs/write-chunks
 * Writes serialised chunks to a file: small chunks (element headers and values) are gathered into one
 * 256 KiB buffer per write, source ranges are copied in 1 MiB pieces, so a 500 MB multi-frame file is
 * written in constant memory with few system calls. `durable` fsyncs before returning (for stored
 * originals); derived outputs that can be made again skip it.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import type { ByteSource } from "../../ports/byte-source.ts";
import type { Chunk } from "../../core/dicom/write-dicom.ts";
import { writeAll } from "./write-all.ts";

const PIECE = 1024 * 1024;
const GATHER = 256 * 1024;
/** One gathering buffer for the process: writes are synchronous, so calls never overlap. */
let staging: Buffer | undefined;

export function writeChunksToFile(path: string, chunks: readonly Chunk[], source: ByteSource, durable = true): void {
  const fd = openSync(path, "wx", 0o600);
  const buf = (staging ??= Buffer.allocUnsafe(GATHER));
  let staged = 0;
  const flush = (): void => {
    if (staged > 0) writeAll(fd, buf.subarray(0, staged));
    staged = 0;
  };
  try {
    for (const c of chunks) {
      if (c instanceof Uint8Array) {
        if (c.length > GATHER) {
          flush();
          writeAll(fd, c);
        } else {
          if (staged + c.length > GATHER) flush();
          buf.set(c, staged);
          staged += c.length;
        }
        continue;
      }
      for (let off = 0; off < c.length; off += PIECE) {
        const piece = source.read(c.offset + off, Math.min(PIECE, c.length - off));
        if (staged + piece.length <= GATHER) {
          buf.set(piece, staged);
          staged += piece.length;
        } else {
          flush();
          writeAll(fd, piece);
        }
      }
    }
    flush();
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
