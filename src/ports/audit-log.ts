/**
 * @module ports/audit-log
 * The persistent audit log: appends chain each record to the last one atomically (one writer at a time,
 * whatever the number of processes); reads return records in sequence order for verification.
 */
import type { AuditEvent, AuditRecord, ChainStart, Checkpoint } from "../core/audit/audit-chain.ts";

export interface AuditLog {
  append(event: AuditEvent): Promise<AuditRecord>;
  /** Every stored record, ordered by sequence number (from `start().seq + 1`). */
  all(): Promise<AuditRecord[]>;
  /** The newest `limit` records, newest first (what a reviewer looks at; the chain is checked with `all`). */
  recent(limit: number): Promise<AuditRecord[]>;
  /** Where the stored chain starts: the genesis, or the anchor of the last prune. */
  start(): Promise<ChainStart>;
  /**
   * Removes records 1..anchor.treeSize and the checkpoints before the anchor, makes the anchor the chain's
   * start, and appends `event` (the prune's own record), in one transaction.
   */
  prune(anchor: Checkpoint, at: string, event: AuditEvent): Promise<AuditRecord>;
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** Every signed checkpoint, oldest first. */
  checkpoints(): Promise<Checkpoint[]>;
}
