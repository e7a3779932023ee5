/**
 * @module adapters/output/fs-output-store
 * The OutputStore on the local filesystem: outputs are staged as `.rayvault-tmp-<pid>-<n>` files
 * (O_EXCL, mode 0600) next to their final place and renamed into it once verified. Paths are checked
 * to stay inside the root, and two inputs may not claim the same output. Derived outputs are not
 * fsynced: they can be made again from their inputs.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ErrorCode, RayvaultError } from "../../core/errors.ts";
import type { Chunk } from "../../core/dicom/write-dicom.ts";
import type { ByteSource, ClosableByteSource } from "../../ports/byte-source.ts";
import type { OutputStore, StagedOutput } from "../../ports/output-store.ts";
import { openFileByteSource } from "../fs/file-byte-source.ts";
import { writeChunksToFile } from "../fs/write-chunks.ts";

export function openFsOutputStore(rootDir: string): OutputStore {
  const root = resolve(rootDir);
  mkdirSync(root, { recursive: true });
  const claimed = new Set<string>();
  const madeDirs = new Set<string>();
  let counter = 0;

  const finalPath = (relPath: string): string => {
    const full = resolve(root, relPath);
    if (!full.startsWith(root + sep)) throw new RayvaultError(ErrorCode.UnsafePath, "output path leaves --out");
    if (claimed.has(full)) throw new RayvaultError(ErrorCode.UnsafePath, "two inputs map to the same output path");
    return full;
  };
  const tempFor = (full: string): string => {
    const dir = dirname(full);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    return join(dir, `.rayvault-tmp-${process.pid}-${++counter}`);
  };
  const stage = (relPath: string, write: (tmp: string) => void): StagedOutput => {
    const tempPath = tempFor(finalPath(relPath));
    try {
      write(tempPath);
    } catch (e) {
      rmSync(tempPath, { force: true });
      throw e;
    }
    return { relPath, tempPath };
  };

  return {
    root,
    stageChunks: (relPath: string, chunks: readonly Chunk[], source: ByteSource) => stage(relPath, (tmp) => writeChunksToFile(tmp, chunks, source, false)),
    stageBytes: (relPath: string, bytes: Uint8Array) => stage(relPath, (tmp) => writeFileSync(tmp, bytes, { mode: 0o600, flag: "wx" })),
    openStaged: (staged: StagedOutput): ClosableByteSource => openFileByteSource(staged.tempPath),
    commit(staged: StagedOutput): string {
      const full = finalPath(staged.relPath);
      renameSync(staged.tempPath, full);
      claimed.add(full);
      return relative(root, full);
    },
    discard: (staged: StagedOutput) => rmSync(staged.tempPath, { force: true }),
  };
}
