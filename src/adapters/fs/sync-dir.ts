/**
 * @module adapters/fs/sync-dir
 * fsync of a folder: makes the names created, renamed or removed in it durable (the file's own fsync
 * does not). Shared by the stores that write files atomically.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";

export function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
