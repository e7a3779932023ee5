/**
 * @module ports/archive-reader
 * Reading a package we made (a zip held in the vault) back, so the portal's viewer can show what was
 * shared without a library for zips in the use-case: the names of its files, and one file's bytes.
 */
export interface ArchiveReader {
  /** Every file entry's name, in archive order; a damaged archive throws a RayvaultError. */
  names(zip: Uint8Array): Promise<string[]>;
  /** One entry's bytes (the others are skipped, not inflated); RV_NOT_FOUND when there is none by that name. */
  read(zip: Uint8Array, name: string): Promise<Uint8Array>;
}
