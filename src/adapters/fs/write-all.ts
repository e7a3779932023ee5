/**
 * @module adapters/fs/write-all
 * Writes bytes, or pieces in order, to a file descriptor completely: a write may take less than it was
 * given, so the rest is written again. Pieces go out in one `writev` per at most 1024 of them (IOV_MAX),
 * without concatenating them first. At `position` when given, else at the file's current offset.
 */
import { writevSync } from "node:fs";

const IOV_MAX = 1024;

export function writeAll(fd: number, bytes: Uint8Array | readonly Uint8Array[], position?: number): void {
  let rest = (bytes instanceof Uint8Array ? [bytes] : bytes).filter((p) => p.length > 0);
  let at = position;
  while (rest.length > 0) {
    let n = writevSync(fd, rest.slice(0, IOV_MAX), at);
    if (at !== undefined) at += n;
    const next: Uint8Array[] = [];
    for (const p of rest) {
      if (n >= p.length) n -= p.length;
      else {
        next.push(n > 0 ? p.subarray(n) : p);
        n = 0;
      }
    }
    rest = next;
  }
}
