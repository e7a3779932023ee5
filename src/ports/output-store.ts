/**
 * @module ports/output-store
 * Where de-identified files go: each is staged under a temporary name, checked, then committed under
 * its final name, or discarded. An implementation never writes outside its root.
 */
import type { Chunk } from "../core/dicom/write-dicom.ts";
import type { ByteSource, ClosableByteSource } from "./byte-source.ts";

/** A staged output: its temporary handle and the relative path it will take. */
export interface StagedOutput {
  readonly relPath: string;
  readonly tempPath: string;
}

export interface OutputStore {
  /** The root folder, absolute. */
  readonly root: string;
  /** Writes chunks (source ranges copied from `source`) under a temporary name for `relPath`. */
  stageChunks(relPath: string, chunks: readonly Chunk[], source: ByteSource): StagedOutput;
  stageBytes(relPath: string, bytes: Uint8Array): StagedOutput;
  /** Reads a staged output back, for verification. */
  openStaged(staged: StagedOutput): ClosableByteSource;
  /** Gives the staged output its final name; returns that name relative to the root. */
  commit(staged: StagedOutput): string;
  /** Removes a staged output that was not committed (no-op after commit). */
  discard(staged: StagedOutput): void;
}
