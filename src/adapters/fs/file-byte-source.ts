/**
 * @module adapters/fs/file-byte-source
 * A ByteSource over a file on disk: synchronous positional reads through a small block cache, so the
 * DICOM parser can walk headers element by element while pixel data stays on disk.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ByteSource } from "../../ports/byte-source.ts";

const BLOCK = 64 * 1024;
/** Large reads (pixel data being copied) go through one reused buffer of up to this size. */
const SCRATCH = 1024 * 1024;

export interface FileByteSource extends ByteSource {
  close(): void;
}

export function openFileByteSource(path: string): FileByteSource {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  let blockStart = -1;
  let block: Buffer = Buffer.alloc(0);
  let scratch: Buffer | undefined;
  const readExact = (offset: number, length: number, reuse = false): Buffer => {
    if (reuse && length <= SCRATCH) scratch ??= Buffer.allocUnsafe(SCRATCH);
    const buf = reuse && length <= SCRATCH ? scratch!.subarray(0, length) : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) throw new RangeError("file shrank while being read");
      done += n;
    }
    return buf;
  };
  return {
    size,
    read(offset, length) {
      if (length > BLOCK / 2) return readExact(offset, length, true);
      if (blockStart < 0 || offset < blockStart || offset + length > blockStart + block.length) {
        blockStart = offset;
        block = readExact(offset, Math.min(BLOCK, size - offset));
      }
      return block.subarray(offset - blockStart, offset - blockStart + length);
    },
    close() {
      closeSync(fd);
    },
  };
}
