/**
 * @module ports/byte-source
 * Random-access, synchronous reads over a file or buffer. The DICOM parser reads headers through it
 * and leaves large values (pixel data) where they are, so memory does not grow with file size.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Exactly `length` bytes from `offset` (never fewer: the caller checks bounds first). The bytes may
   * be a view of a reused buffer: valid until the next read, so callers copy what they keep.
   */
  read(offset: number, length: number): Uint8Array;
  /** The whole content in order, without copying, when the source holds it in memory. */
  readonly pieces?: readonly Uint8Array[];
}

/** A ByteSource that holds a resource (an open file) until closed. */
export interface ClosableByteSource extends ByteSource {
  close(): void;
}

/** A ByteSource over bytes already in memory (tests, inflated deflate streams, zip entries). */
export function memorySource(bytes: Uint8Array): ClosableByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
    close: () => undefined,
  };
}

/**
 * A ByteSource over bytes in memory in several pieces (a data set as it arrived, PDU by PDU): a read
 * inside one piece is a view of it, a read across pieces a copy of just those bytes.
 */
export function piecesSource(pieces: readonly Uint8Array[]): ClosableByteSource {
  const parts = pieces.filter((p) => p.length > 0);
  const starts: number[] = [];
  let size = 0;
  for (const p of parts) {
    starts.push(size);
    size += p.length;
  }
  /** The piece holding byte `offset` (the last piece whose start is at or before it). */
  const pieceAt = (offset: number): number => {
    let lo = 0;
    let hi = parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    size,
    pieces: parts,
    read(offset, length) {
      // Out of range is the caller's bug: an error, never fewer bytes than asked for.
      if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`read of ${length} bytes at ${offset} outside ${size}`);
      if (length === 0) return new Uint8Array(0);
      let i = pieceAt(offset);
      let at = offset - starts[i]!;
      if (at + length <= parts[i]!.length) return parts[i]!.subarray(at, at + length);
      const out = new Uint8Array(length);
      for (let filled = 0; filled < length; i++, at = 0) {
        const n = Math.min(length - filled, parts[i]!.length - at);
        out.set(parts[i]!.subarray(at, at + n), filled);
        filled += n;
      }
      return out;
    },
    close: () => undefined,
  };
}
