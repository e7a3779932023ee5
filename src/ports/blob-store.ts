/**
 * @module ports/blob-store
 * The vault's object store: every object is encrypted with its own data key (core/crypto/vault-envelope)
 * before it is written, read back only through authentication, and written atomically. Filesystem now,
 * S3-compatible storage later; both pass test/contracts/blob-store.contract.test.ts.
 */
export interface StoredBlob {
  readonly id: string;
  /** Id of the master key that wraps the object's data key. */
  readonly keyId: string;
  /** Plaintext size and SHA-256 (hex), computed while the object streamed in. */
  readonly size: number;
  readonly sha256: string;
}

/** An object encrypted in the vault envelope format, not yet stored: its bytes as pieces in order. */
export interface SealedBlob {
  readonly keyId: string;
  readonly size: number;
  readonly sha256: string;
  readonly pieces: readonly Uint8Array[];
}

export interface BlobStore {
  /**
   * Streams plaintext in, stores it encrypted; the object appears whole or not at all. It is durable when
   * the promise resolves, unless `deferSync` is set: then it is durable only once `sync` has returned
   * for it (a batch of objects shares one flush; nothing may refer to it before).
   */
  put(id: string, plaintext: AsyncIterable<Uint8Array>, options?: { readonly deferSync?: boolean }): Promise<StoredBlob>;
  /**
   * Encrypts a whole plaintext in memory as `put` would store it, without writing it: for a journal that
   * keeps the sealed object until `putSealed` files it (app/receive-dicom). `sha256` is the caller's hash
   * of exactly these bytes (it is recorded, not recomputed).
   */
  seal(plaintext: Uint8Array | readonly Uint8Array[], sha256: string): SealedBlob;
  /**
   * Stores an object sealed by this store's `seal` (or read back from a journal that held one) under `id`,
   * as `put` does: whole or not at all, durable at once unless `deferSync`. Idempotent: storing the same
   * id again replaces the object with an equal one. Sealed bytes that were not just made are opened first
   * (`unseal`), or verified once stored (`verify`).
   */
  putSealed(id: string, sealed: SealedBlob, options?: { readonly deferSync?: boolean }): Promise<StoredBlob>;
  /**
   * The plaintext of a whole sealed object held in memory (read back from a journal), read through
   * authentication as `get` reads a stored one: RV_VAULT_CORRUPT on any tampering or truncation, and
   * nothing is stored.
   */
  unseal(envelope: Uint8Array): Uint8Array;
  /** Makes objects written with `deferSync` durable (their bytes and their names). */
  sync(ids: readonly string[]): Promise<void>;
  /** Streams the verified plaintext; throws RV_VAULT_CORRUPT on any tampering, before the bad bytes. */
  get(id: string): AsyncIterable<Uint8Array>;
  /** Reads the whole object through authentication and returns its size and hash; RV_NOT_FOUND when there is none. */
  verify(id: string): Promise<StoredBlob>;
  /** Re-wraps the object's data key under the current master key; the data is not re-encrypted. */
  rewrap(id: string): Promise<StoredBlob>;
  /** Destroys the object's wrapped data key: nothing can decrypt it again (retention, right to delete). */
  shred(id: string): Promise<void>;
  /** Ids of the stored objects, or only those starting with `prefix` (which should be at least 2 characters). */
  list(prefix?: string): AsyncIterable<string>;
  /**
   * Deletes objects outright (no error for one already absent). Only for the receive spool's markers,
   * whose deletion may be lost in a crash without harm: objects with PHI are shredded (their key
   * destroyed), so the index can prove what was there.
   */
  remove(ids: readonly string[]): Promise<void>;
}

/** A whole (verified) object in memory: for what needs it whole (a DICOM parse, a C-STORE). */
export async function readBlob(blobs: BlobStore, id: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of blobs.get(id)) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}
