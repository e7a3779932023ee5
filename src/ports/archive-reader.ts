/**
 * @module ports/archive-reader
 * Reading the entries of a package we made (a zip held in the vault) back into memory, so the portal's
 * viewer can show what was shared without a library for zips in the use-case.
 */
export interface ArchiveEntry {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface ArchiveReader {
  /** Every file entry, in archive order; a damaged archive throws a RayvaultError. */
  entries(zip: Uint8Array): Promise<ArchiveEntry[]>;
}
