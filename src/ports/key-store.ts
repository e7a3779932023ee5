/**
 * @module ports/key-store
 * Master keys of the vault: the current one wraps new data keys; older ones stay available to unwrap
 * until every object has been re-wrapped. Implementations: a local keyring file (default), a key given
 * in the environment, and (later) an external KMS.
 */
export interface MasterKey {
  /** Short stable id, stored in each object's key block (at most 32 bytes of UTF-8). */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Uint8Array;
}

export interface KeyStore {
  current(): MasterKey;
  /** The key with this id; throws RV_KEY_MISSING when it is not held. */
  get(id: string): MasterKey;
  /** Makes a new current key; the previous ones stay for unwrapping. */
  rotate(): MasterKey;
  /** Forgets a key that no object uses any more. */
  retire(id: string): void;
}
