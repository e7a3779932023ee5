/**
 * @module adapters/fs/write-all
 * Writes bytes, or pieces in order, to a file descriptor completely: a write may take less than it was
 * given, so the rest is written again. Pieces go out in one `writev` per at most 1024 of them (IOV_MAX),
 * without concatenating them first. At `position` when given, else at the file's current offset.
 * `writeAllAsync` does the same in the thread pool, so the copy into the page cache does not hold the
 * event loop (for writes off the path a client waits on).
 */
import { writev, writevSync } from "node:fs";
import { promisify } from "node:util";

const IOV_MAX = 1024;
/** Resolves with `{ bytesWritten, buffers }` (fs.writev's own promisified form), not a number. */
const writevAsync = promisify(writev);

/** What is left to write after `n` more bytes went out. */
function after(rest: readonly Uint8Array[], written: number): Uint8Array[] {
  let n = written;
  const next: Uint8Array[] = [];
  for (const p of rest) {
    if (n >= p.length) n -= p.length;
    else {
      next.push(n > 0 ? p.subarray(n) : p);
      n = 0;
    }
  }
  return next;
}

export function writeAll(fd: number, bytes: Uint8Array | readonly Uint8Array[], position?: number): void {
  let rest = (bytes instanceof Uint8Array ? [bytes] : bytes).filter((p) => p.length > 0);
  let at = position;
  while (rest.length > 0) {
    const n = writevSync(fd, rest.slice(0, IOV_MAX), at);
    if (at !== undefined) at += n;
    rest = after(rest, n);
  }
}

export async function writeAllAsync(fd: number, bytes: Uint8Array | readonly Uint8Array[], position?: number): Promise<void> {
  let rest = (bytes instanceof Uint8Array ? [bytes] : bytes).filter((p) => p.length > 0);
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten: n } = await writevAsync(fd, rest.slice(0, IOV_MAX), at);
    if (at !== undefined) at += n;
    rest = after(rest, n);
  }
}
