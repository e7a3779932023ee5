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
