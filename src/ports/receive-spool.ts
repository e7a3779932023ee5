/**
 * @module ports/receive-spool
 * The receive spool: a write-ahead journal for what the network hands us. A record is durable when
 * `append` resolves (so an acknowledgement may go back); once its effects are committed elsewhere it is
 * settled and will not be replayed; after a crash, `pending` returns what was appended and not settled.
 * Records are encrypted at rest like every other object of the vault.
 */
export interface ReceiveSpool {
  /**
   * Appends a record (given whole, or as parts that are stored as one record) and flushes it to disk
   * (appends waiting together share one flush); returns its reference. `sealed` is a part the caller has
   * already encrypted (a vault envelope): stored as it is, authenticated with the record, not encrypted again.
   */
  append(record: Uint8Array | readonly Uint8Array[], sealed?: readonly Uint8Array[]): Promise<string>;
  /** These records' effects are committed: they will not be replayed (their space is reclaimed). */
  settle(refs: readonly string[]): Promise<void>;
  /** Records left unsettled by an earlier process, in append order. Call before the first append. */
  pending(): AsyncIterable<{ readonly ref: string; readonly record: Uint8Array; readonly sealed: Uint8Array }>;
  close(): Promise<void>;
}
