/**
 * @module adapters/fs/file-byte-source
 * A ByteSource over a file on disk: synchronous positional reads through a small block cache, so the
 * DICOM parser can walk headers element by element while pixel data stays on disk.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ByteSource } from "../../ports/byte-source.ts";

const BLOCK = 16 * 1024;
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
  let blockBuffer: Buffer = Buffer.alloc(0);
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
      if (length > BLOCK / 2) {
        const big = readExact(offset, length, true);
        return new Uint8Array(big.buffer, big.byteOffset, big.length);
      }
      if (blockStart < 0 || offset < blockStart || offset + length > blockStart + block.length) {
        // The block buffer is reused: earlier views are invalid after this read (see the port's contract).
        blockStart = offset;
        const n = Math.min(BLOCK, size - offset);
        if (blockBuffer.length < n) blockBuffer = Buffer.allocUnsafe(BLOCK);
        let done = 0;
        while (done < n) {
          const got = readSync(fd, blockBuffer, done, n - done, offset + done);
          if (got === 0) throw new RangeError("file shrank while being read");
          done += got;
        }
        block = blockBuffer.subarray(0, n);
      }
      // A plain Uint8Array view (not a Buffer, whose slice() would not copy).
      return new Uint8Array(block.buffer, block.byteOffset + offset - blockStart, length);
    },
    close() {
      closeSync(fd);
    },
  };
}
